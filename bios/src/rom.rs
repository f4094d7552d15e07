//! ROM images for `--bios`: a BIOS-replacement image is mapped so that it
//! ends at the top of the first MiB (F0000 for 64 KiB, E0000 for 128 KiB) and
//! is aliased just below 4 GiB; the CPU starts at F000:FFF0.

use std::path::Path;
use thiserror::Error;

/// Largest ROM image accepted (the PC's E0000–FFFFF window).
pub const MAX_ROM_SIZE: usize = 256 * 1024;

/// Problems with a ROM image file.
#[derive(Debug, Error)]
pub enum RomError {
    #[error("cannot read ROM image {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("ROM image {path} is empty")]
    Empty { path: String },
    #[error("ROM image {path} is {len} bytes; the limit is {MAX_ROM_SIZE} bytes")]
    TooLarge { path: String, len: usize },
}

/// Read a ROM image and pad it at the front to a multiple of 4 KiB, so that
/// its last byte still lands at FFFFF (images shorter than 64 KiB are
/// common for test ROMs).
pub fn load_rom_image(path: &Path) -> Result<Vec<u8>, RomError> {
    let p = path.display().to_string();
    let data = std::fs::read(path).map_err(|source| RomError::Read {
        path: p.clone(),
        source,
    })?;
    pad_rom(data, &p)
}

fn pad_rom(data: Vec<u8>, p: &str) -> Result<Vec<u8>, RomError> {
    if data.is_empty() {
        return Err(RomError::Empty {
            path: p.to_string(),
        });
    }
    if data.len() > MAX_ROM_SIZE {
        return Err(RomError::TooLarge {
            path: p.to_string(),
            len: data.len(),
        });
    }
    let padded = data.len().div_ceil(4096) * 4096;
    let mut out = vec![0xFF; padded - data.len()];
    out.extend_from_slice(&data);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_images_are_padded_at_the_front() {
        let img = pad_rom(vec![1, 2, 3], "x").unwrap();
        assert_eq!(img.len(), 4096);
        assert_eq!(&img[4093..], &[1, 2, 3]);
        assert_eq!(img[0], 0xFF);
    }

    #[test]
    fn bad_images_are_errors() {
        assert!(matches!(pad_rom(vec![], "x"), Err(RomError::Empty { .. })));
        assert!(matches!(
            pad_rom(vec![0; MAX_ROM_SIZE + 1], "x"),
            Err(RomError::TooLarge { .. })
        ));
        assert!(matches!(
            load_rom_image(Path::new("/nonexistent/rom.bin")),
            Err(RomError::Read { .. })
        ));
    }
}
