//! The 256-byte configuration space of one PCI function (PCI Local Bus
//! Specification 3.0, §6.1 "Configuration Space Organization", §6.2.5
//! "Base Addresses").
//!
//! Every byte has a write mask (bits software may change) and a
//! write-1-to-clear mask (status bits that a 1 clears, e.g. the error bits of
//! the Status register). Read-only bytes (IDs, class code, header type) have
//! both masks 0. BAR sizing falls out of the write mask: a BAR of size `n`
//! has its low `log2(n)` address bits read-only 0, so writing all-ones and
//! reading back gives `!(n - 1)` plus the type bits (§6.2.5.1).

/// Vendor ID (word).
pub const PCI_VENDOR_ID: u8 = 0x00;
/// Device ID (word).
pub const PCI_DEVICE_ID: u8 = 0x02;
/// Command register (word).
pub const PCI_COMMAND: u8 = 0x04;
/// Status register (word).
pub const PCI_STATUS: u8 = 0x06;
/// Revision ID (byte).
pub const PCI_REVISION_ID: u8 = 0x08;
/// Class code: programming interface, sub-class, base class (3 bytes).
pub const PCI_CLASS_PROG: u8 = 0x09;
/// Latency timer (byte).
pub const PCI_LATENCY_TIMER: u8 = 0x0D;
/// Header type (byte); bit 7 = multi-function device.
pub const PCI_HEADER_TYPE: u8 = 0x0E;
/// First Base Address Register (type 0 header: six BARs 0x10–0x27).
pub const PCI_BASE_ADDRESS_0: u8 = 0x10;
/// Interrupt line (byte, written by firmware).
pub const PCI_INTERRUPT_LINE: u8 = 0x3C;
/// Interrupt pin (byte, read-only: 0 none, 1–4 INTA#–INTD#).
pub const PCI_INTERRUPT_PIN: u8 = 0x3D;

/// Header type bit 7: the device has more than one function.
pub const PCI_HEADER_TYPE_MULTI_FUNCTION: u8 = 0x80;

/// Command bit 0: respond to I/O space accesses.
pub const PCI_COMMAND_IO: u16 = 0x0001;
/// Command bit 1: respond to memory space accesses.
pub const PCI_COMMAND_MEMORY: u16 = 0x0002;
/// Command bit 2: bus master.
pub const PCI_COMMAND_MASTER: u16 = 0x0004;
/// Command bit 6: parity error response.
pub const PCI_COMMAND_PARITY: u16 = 0x0040;
/// Command bit 8: SERR# enable.
pub const PCI_COMMAND_SERR: u16 = 0x0100;

/// Status bits 15–11 and 8 are "write 1 to clear" error flags: detected
/// parity error, signaled system error, received master abort, received
/// target abort, signaled target abort, master data parity error.
pub const PCI_STATUS_W1C: u16 = 0xF900;

/// BAR bit 0: 1 = I/O space BAR.
pub const PCI_BASE_ADDRESS_SPACE_IO: u32 = 0x1;
/// Memory BAR bit 3: prefetchable.
pub const PCI_BASE_ADDRESS_MEM_PREFETCH: u32 = 0x8;

/// Size of a type 0 configuration space in bytes.
pub const CONFIG_SPACE_SIZE: usize = 256;

/// The configuration space of one function: values and masks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigSpace {
    bytes: [u8; CONFIG_SPACE_SIZE],
    wmask: [u8; CONFIG_SPACE_SIZE],
    w1cmask: [u8; CONFIG_SPACE_SIZE],
}

impl ConfigSpace {
    /// A type 0 header with the given identity. Command bits that a simple
    /// function implements (`command_wmask`) are writable; the Status error
    /// bits are write-1-to-clear; the latency timer and interrupt line are
    /// read/write; everything else is read-only 0 until the device sets it
    /// up with [`ConfigSpace::set_writable`] or a BAR.
    pub fn new(vendor: u16, device: u16, revision: u8, class: u32, header_type: u8) -> Self {
        let mut c = ConfigSpace {
            bytes: [0; CONFIG_SPACE_SIZE],
            wmask: [0; CONFIG_SPACE_SIZE],
            w1cmask: [0; CONFIG_SPACE_SIZE],
        };
        c.init_word(PCI_VENDOR_ID, vendor);
        c.init_word(PCI_DEVICE_ID, device);
        c.bytes[usize::from(PCI_REVISION_ID)] = revision;
        for (i, b) in class.to_le_bytes()[..3].iter().enumerate() {
            c.bytes[usize::from(PCI_CLASS_PROG) + i] = *b;
        }
        c.bytes[usize::from(PCI_HEADER_TYPE)] = header_type;
        c.set_w1c(PCI_STATUS, 2, u32::from(PCI_STATUS_W1C));
        c.set_writable(PCI_LATENCY_TIMER, 1, 0xFF);
        c.set_writable(PCI_INTERRUPT_LINE, 1, 0xFF);
        c
    }

    /// Sets the power-on value of `size` bytes at `offset` (bypasses the
    /// masks; device setup only).
    pub fn init(&mut self, offset: u8, size: usize, value: u32) {
        for i in 0..size {
            if let Some(b) = self.bytes.get_mut(usize::from(offset) + i) {
                *b = (value >> (8 * i)) as u8;
            }
        }
    }

    /// Sets the power-on value of a word (device setup only).
    pub fn init_word(&mut self, offset: u8, value: u16) {
        self.init(offset, 2, u32::from(value));
    }

    /// Makes the bits in `mask` of `size` bytes at `offset` writable.
    pub fn set_writable(&mut self, offset: u8, size: usize, mask: u32) {
        for i in 0..size {
            if let Some(b) = self.wmask.get_mut(usize::from(offset) + i) {
                *b = (mask >> (8 * i)) as u8;
            }
        }
    }

    /// Makes the bits in `mask` of `size` bytes at `offset`
    /// write-1-to-clear.
    pub fn set_w1c(&mut self, offset: u8, size: usize, mask: u32) {
        for i in 0..size {
            if let Some(b) = self.w1cmask.get_mut(usize::from(offset) + i) {
                *b = (mask >> (8 * i)) as u8;
            }
        }
    }

    /// Declares BAR `index` (0–5) as an I/O BAR of `size` bytes (a power of
    /// two, at least 4): bit 0 reads 1, the low address bits read 0.
    pub fn set_io_bar(&mut self, index: u8, size: u32) {
        let off = PCI_BASE_ADDRESS_0 + 4 * index;
        self.init(off, 4, PCI_BASE_ADDRESS_SPACE_IO);
        // I/O space is 64 KiB on x86 and §6.2.5.1 allows hardwiring the
        // upper half to 0, but firmware written for QEMU (SeaBIOS) sizes
        // I/O BARs over all 32 bits (size = ~(value & ~3) + 1) and fails
        // with a 0x0000xxxx read-back. So, as in QEMU, every bit above
        // the size is writable; decoders use the low 16 bits.
        self.set_writable(off, 4, !(size.max(4) - 1));
    }

    /// Declares BAR `index` as a 32-bit memory BAR of `size` bytes (a power
    /// of two, at least 16).
    pub fn set_mem_bar(&mut self, index: u8, size: u32, prefetchable: bool) {
        let off = PCI_BASE_ADDRESS_0 + 4 * index;
        let kind = if prefetchable {
            PCI_BASE_ADDRESS_MEM_PREFETCH
        } else {
            0
        };
        self.init(off, 4, kind);
        self.set_writable(off, 4, !(size.max(16) - 1));
    }

    /// Reads `size` (1, 2 or 4) bytes at `offset`; bytes past 0xFF read 0.
    pub fn read(&self, offset: u8, size: usize) -> u32 {
        (0..size).fold(0, |v, i| {
            let b = self.bytes.get(usize::from(offset) + i).copied();
            v | u32::from(b.unwrap_or(0)) << (8 * i)
        })
    }

    /// Writes `size` bytes at `offset` through the masks: writable bits take
    /// the new value, write-1-to-clear bits clear where a 1 is written,
    /// read-only bits keep their value.
    pub fn write(&mut self, offset: u8, size: usize, value: u32) {
        for i in 0..size {
            let idx = usize::from(offset) + i;
            if idx >= CONFIG_SPACE_SIZE {
                break;
            }
            let v = (value >> (8 * i)) as u8;
            let (w, c) = (self.wmask[idx], self.w1cmask[idx]);
            let old = self.bytes[idx];
            self.bytes[idx] = (old & !w & !(c & v)) | (v & w);
        }
    }

    /// One byte (device-internal use).
    pub fn byte(&self, offset: u8) -> u8 {
        self.bytes[usize::from(offset)]
    }

    /// Sets one byte regardless of the masks (device-internal use, e.g. a
    /// lock bit that makes another bit read-only).
    pub fn set_byte(&mut self, offset: u8, value: u8) {
        self.bytes[usize::from(offset)] = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ConfigSpace {
        let mut c = ConfigSpace::new(0x8086, 0x1234, 0x02, 0x06_0000, 0x00);
        c.set_writable(
            PCI_COMMAND,
            2,
            u32::from(PCI_COMMAND_IO | PCI_COMMAND_MASTER),
        );
        c
    }

    #[test]
    fn identification_registers_are_read_only() {
        let mut c = sample();
        c.write(0x00, 4, 0xFFFF_FFFF);
        c.write(0x08, 4, 0);
        c.write(PCI_HEADER_TYPE, 1, 0xFF);
        assert_eq!(c.read(PCI_VENDOR_ID, 2), 0x8086);
        assert_eq!(c.read(PCI_DEVICE_ID, 2), 0x1234);
        assert_eq!(c.read(0x08, 4), 0x0600_0002, "class 060000, revision 02");
        assert_eq!(c.read(PCI_HEADER_TYPE, 1), 0);
    }

    #[test]
    fn command_register_keeps_only_implemented_bits() {
        let mut c = sample();
        c.write(PCI_COMMAND, 2, 0xFFFF);
        assert_eq!(c.read(PCI_COMMAND, 2), 0x0005);
        c.write(PCI_COMMAND, 1, 0x00);
        assert_eq!(c.read(PCI_COMMAND, 2), 0x0000);
    }

    #[test]
    fn status_error_bits_are_write_one_to_clear() {
        let mut c = sample();
        c.init_word(PCI_STATUS, 0x3280); // two error bits + fast b2b + devsel
        c.write(PCI_STATUS, 2, 0x1000);
        assert_eq!(c.read(PCI_STATUS, 2), 0x2280, "only the written 1 clears");
        c.write(PCI_STATUS, 2, 0x0000);
        assert_eq!(c.read(PCI_STATUS, 2), 0x2280, "writing 0 changes nothing");
        c.write(PCI_STATUS, 2, 0xFFFF);
        assert_eq!(
            c.read(PCI_STATUS, 2),
            0x0280,
            "non-error bits are read-only"
        );
    }

    #[test]
    fn bar_sizing_reads_back_the_size_mask() {
        // (BAR kind, size, value read after writing all-ones)
        let mut c = sample();
        c.set_io_bar(0, 0x40);
        c.set_mem_bar(1, 0x1000, false);
        c.set_mem_bar(2, 0x10_0000, true);
        for (bar, expect) in [(0u8, 0xFFFF_FFC1u32), (1, 0xFFFF_F000), (2, 0xFFF0_0008)] {
            let off = PCI_BASE_ADDRESS_0 + 4 * bar;
            c.write(off, 4, 0xFFFF_FFFF);
            assert_eq!(c.read(off, 4), expect, "BAR{bar}");
        }
        c.write(PCI_BASE_ADDRESS_0, 4, 0xB000);
        assert_eq!(c.read(PCI_BASE_ADDRESS_0, 4), 0xB001);
    }

    #[test]
    fn byte_and_word_accesses_at_any_offset() {
        let mut c = sample();
        c.write(PCI_INTERRUPT_LINE, 1, 0x0B);
        assert_eq!(c.read(PCI_INTERRUPT_LINE, 2), 0x000B);
        assert_eq!(c.read(PCI_DEVICE_ID + 1, 1), 0x12);
        assert_eq!(c.read(0xFE, 4), 0, "bytes past the end read 0");
        c.write(0xFF, 4, 0xFFFF_FFFF); // no panic past the end
    }
}
