//! Shared by the tests that boot the guest kit's 686 kernel with extra driver modules
//! (`ide_linux.rs`, `fdc_linux.rs`): finding the kit and its module tree, and appending a
//! newc cpio archive with the modules and a test `/init` script to the kit's initrd (the
//! kernel unpacks concatenated archives in turn).

use std::path::{Path, PathBuf};

/// The guest kit's cache (`test-roms/guests/cache`, built by fetch.sh).
fn guests() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-roms/guests/cache")
}

/// Kernel, initrd and the kernel's module tree (`lib/modules/VERSION/kernel`), if the kit is
/// built.
pub fn kit_with_modules() -> Option<(PathBuf, PathBuf, PathBuf)> {
    let out = guests().join("out");
    let (k, i) = (out.join("vmlinuz-686"), out.join("initrd-686.gz"));
    let modules = std::fs::read_dir(guests().join("x"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n.starts_with("linux-image-") && n.ends_with("-686_i386")
        })
        .and_then(|p| std::fs::read_dir(p.join("lib/modules")).ok()?.next())?
        .ok()?
        .path()
        .join("kernel");
    (k.exists() && i.exists() && modules.exists()).then_some((k, i, modules))
}

/// One newc cpio entry.
pub fn cpio_entry(out: &mut Vec<u8>, ino: u32, name: &str, mode: u32, data: &[u8]) {
    let fields = [
        ino,
        mode,
        0,
        0,
        1,
        0,
        data.len() as u32,
        0,
        0,
        0,
        0,
        name.len() as u32 + 1,
        0,
    ];
    out.extend_from_slice(b"070701");
    for f in fields {
        out.extend_from_slice(format!("{f:08X}").as_bytes());
    }
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    out.resize(out.len().next_multiple_of(4), 0);
    out.extend_from_slice(data);
    out.resize(out.len().next_multiple_of(4), 0);
}

/// Write `path`: the kit's initrd followed by `cpio` (entries from [`cpio_entry`]), closed
/// with the trailer and padded to 512 bytes.
pub fn append_to_initrd(kit_initrd: &Path, mut cpio: Vec<u8>, path: PathBuf) -> PathBuf {
    cpio_entry(&mut cpio, 0, "TRAILER!!!", 0, &[]);
    cpio.resize(cpio.len().next_multiple_of(512), 0);
    let mut all = std::fs::read(kit_initrd).expect("kit initrd");
    all.extend_from_slice(&cpio);
    std::fs::write(&path, all).unwrap();
    path
}
