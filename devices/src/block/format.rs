//! Image format detection by magic number.
//!
//! Only raw images (hard disk, floppy, ISO 9660) are read and written. Other
//! formats are recognised so that the user gets a clear one-line error
//! instead of a guest that sees a disk full of header bytes.
//!
//! qcow2 (QEMU's "QFI\xfb" format) is opened through the `imago` crate
//! (see the block module); the other formats get a one-line error naming
//! the file (convert them with `qemu-img convert -O raw`).

/// A recognised image container format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// QEMU copy-on-write v1/v2/v3 (magic "QFI\xfb").
    Qcow,
    /// VirtualBox disk image.
    Vdi,
    /// VMware sparse extent (magic "KDMV").
    Vmdk,
    /// Dynamic/differencing VHD ("conectix" footer copy at offset 0).
    Vhd,
    /// Hyper-V VHDX ("vhdxfile").
    Vhdx,
}

/// QEMU qcow magic, big-endian "QFI\xfb" (qcow2 spec: header offset 0).
const QCOW_MAGIC: [u8; 4] = *b"QFI\xfb";
/// VDI signature at offset 0x40 (little-endian 0xbeda107f).
const VDI_SIGNATURE: [u8; 4] = [0x7f, 0x10, 0xda, 0xbe];

impl ImageFormat {
    /// Detect a container format from the first bytes of a file. `None`
    /// means raw.
    pub fn detect(head: &[u8]) -> Option<ImageFormat> {
        if head.starts_with(&QCOW_MAGIC) {
            return Some(ImageFormat::Qcow);
        }
        if head.starts_with(b"KDMV") {
            return Some(ImageFormat::Vmdk);
        }
        if head.starts_with(b"conectix") {
            return Some(ImageFormat::Vhd);
        }
        if head.starts_with(b"vhdxfile") {
            return Some(ImageFormat::Vhdx);
        }
        if head.len() >= 0x44 && head[0x40..0x44] == VDI_SIGNATURE {
            return Some(ImageFormat::Vdi);
        }
        None
    }

    /// Short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Qcow => "qcow2",
            ImageFormat::Vdi => "VDI",
            ImageFormat::Vmdk => "VMDK",
            ImageFormat::Vhd => "VHD",
            ImageFormat::Vhdx => "VHDX",
        }
    }

    /// Why this format cannot be opened (qcow2 can: see the block
    /// module).
    pub fn unsupported_reason(self) -> &'static str {
        "only raw, ISO 9660 and qcow2 images are supported"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers_are_recognised() {
        assert_eq!(
            ImageFormat::detect(b"QFI\xfb\0\0\0\x03"),
            Some(ImageFormat::Qcow)
        );
        assert_eq!(ImageFormat::detect(b"KDMV\x01"), Some(ImageFormat::Vmdk));
        assert_eq!(ImageFormat::detect(b"vhdxfile"), Some(ImageFormat::Vhdx));
        let mut vdi = [0u8; 0x48];
        vdi[0x40..0x44].copy_from_slice(&VDI_SIGNATURE);
        assert_eq!(ImageFormat::detect(&vdi), Some(ImageFormat::Vdi));
    }

    #[test]
    fn boot_sectors_and_zeros_are_raw() {
        let mut mbr = [0u8; 512];
        mbr[0] = 0xEB;
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        assert_eq!(ImageFormat::detect(&mbr), None);
        assert_eq!(ImageFormat::detect(&[0u8; 512]), None);
        assert_eq!(ImageFormat::detect(&[]), None);
    }
}
