//! Disk and CD-ROM options of `ox86 run` and their attachment to the PIIX
//! IDE controller.
//!
//! QEMU's layout: `--hda`/`--hdb` are the primary master/slave, `--hdc`/
//! `--hdd` the secondary master/slave, `--cdrom` the secondary master. The
//! positional `IMAGE` is an `.iso` (a CD-ROM, as `--cdrom`) or a hard-disk
//! image (as `--hda`). Every image is opened, and checked, before the guest
//! starts: a bad one ends the run with a one-line error naming the file
//! (exit status 2). `--snapshot` keeps all writes in memory; `--read-only`
//! makes every drive's medium read-only.

use anyhow::bail;
use clap::Args;
use devices::block::{BlockDevice, MediaKind, OpenOptions};
use devices::ide::Ide;
use std::path::{Path, PathBuf};

/// The drive options (flattened into `ox86 run`'s arguments).
#[derive(Debug, Args, Default)]
pub struct DriveArgs {
    /// Image to boot from: a hard-disk image (primary master, as --hda) or
    /// an ISO 9660 image ending in `.iso` (CD-ROM, as --cdrom).
    #[arg(value_name = "IMAGE")]
    pub image: Option<PathBuf>,
    /// Hard-disk image (raw or qcow2) on the primary IDE master.
    #[arg(long, value_name = "FILE")]
    pub hda: Option<PathBuf>,
    /// Hard-disk image on the primary IDE slave.
    #[arg(long, value_name = "FILE")]
    pub hdb: Option<PathBuf>,
    /// Hard-disk image on the secondary IDE master.
    #[arg(long, value_name = "FILE")]
    pub hdc: Option<PathBuf>,
    /// Hard-disk image on the secondary IDE slave.
    #[arg(long, value_name = "FILE")]
    pub hdd: Option<PathBuf>,
    /// CD-ROM image (ISO 9660) in an ATAPI drive on the secondary master.
    #[arg(long, value_name = "FILE")]
    pub cdrom: Option<PathBuf>,
    /// Write guest disk writes to memory only: the image files are never
    /// modified.
    #[arg(long)]
    pub snapshot: bool,
    /// Attach every image read-only (guest writes fail).
    #[arg(long)]
    pub read_only: bool,
}

/// The opened images, by (channel, unit).
#[derive(Debug, Default)]
pub struct Drives {
    slots: Vec<(usize, usize, BlockDevice)>,
}

impl Drives {
    /// Open every image the options name.
    pub fn open(args: &DriveArgs) -> anyhow::Result<Drives> {
        let mut wanted: Vec<(usize, usize, &Path, MediaKind, &str)> = Vec::new();
        let named = [
            (&args.hda, 0, 0, "--hda"),
            (&args.hdb, 0, 1, "--hdb"),
            (&args.hdc, 1, 0, "--hdc"),
            (&args.hdd, 1, 1, "--hdd"),
        ];
        for (path, ch, unit, flag) in named {
            if let Some(p) = path {
                wanted.push((ch, unit, p, MediaKind::Disk, flag));
            }
        }
        if let Some(p) = &args.cdrom {
            wanted.push((1, 0, p, MediaKind::Cdrom, "--cdrom"));
        }
        if let Some(p) = &args.image {
            match MediaKind::guess_from_path(p) {
                MediaKind::Cdrom => wanted.push((1, 0, p, MediaKind::Cdrom, "IMAGE (a CD-ROM)")),
                _ => wanted.push((0, 0, p, MediaKind::Disk, "IMAGE (a hard disk)")),
            }
        }
        for (i, a) in wanted.iter().enumerate() {
            if let Some(b) = wanted[..i].iter().find(|b| (b.0, b.1) == (a.0, a.1)) {
                bail!(
                    "{} and {} both want IDE {} {}",
                    b.4,
                    a.4,
                    ["primary", "secondary"][a.0],
                    ["master", "slave"][a.1]
                );
            }
        }
        let opts = OpenOptions {
            read_only: args.read_only,
            snapshot: args.snapshot,
        };
        let mut slots = Vec::with_capacity(wanted.len());
        for (ch, unit, path, kind, _) in wanted {
            slots.push((ch, unit, BlockDevice::open(path, kind, opts)?));
        }
        Ok(Drives { slots })
    }

    /// Put the drives on an IDE controller (none without images).
    pub fn into_controller(self) -> anyhow::Result<Option<Ide>> {
        if self.slots.is_empty() {
            return Ok(None);
        }
        let mut ide = Ide::new();
        for (ch, unit, dev) in self.slots {
            ide.attach(ch, unit, dev)?;
        }
        Ok(Some(ide))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, len: usize) -> PathBuf {
        let p = std::env::temp_dir().join(format!("ox86-drives-{}-{name}", std::process::id()));
        std::fs::write(&p, vec![0u8; len]).unwrap();
        p
    }

    #[test]
    fn positional_iso_is_the_cdrom_and_disk_is_hda() {
        let iso = temp("a.iso", 4096);
        let hd = temp("b.img", 4096);
        let d = Drives::open(&DriveArgs {
            image: Some(iso.clone()),
            hda: Some(hd.clone()),
            ..Default::default()
        })
        .unwrap();
        let ide = d.into_controller().unwrap().unwrap();
        assert_eq!(
            ide.drive(1, 0).unwrap().kind,
            devices::ide::DriveKind::Atapi
        );
        assert_eq!(ide.drive(0, 0).unwrap().kind, devices::ide::DriveKind::Ata);
        let err = Drives::open(&DriveArgs {
            image: Some(iso.clone()),
            cdrom: Some(iso.clone()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(
            err.to_string().contains("both want IDE secondary master"),
            "{err}"
        );
        let _ = std::fs::remove_file(iso);
        let _ = std::fs::remove_file(hd);
    }

    #[test]
    fn bad_image_is_a_one_line_error_naming_the_file() {
        let odd = temp("odd.img", 1000);
        let err = Drives::open(&DriveArgs {
            hdb: Some(odd.clone()),
            ..Default::default()
        })
        .unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("odd.img") && !msg.contains('\n'), "{msg}");
        let _ = std::fs::remove_file(odd);
        let missing = std::env::temp_dir().join("ox86-drives-missing.iso");
        let err = Drives::open(&DriveArgs {
            cdrom: Some(missing),
            ..Default::default()
        })
        .unwrap_err();
        let msg = format!("{err:#}");
        assert_eq!(msg.matches("os error").count(), 1, "said once: {msg}");
    }
}
