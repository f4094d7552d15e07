//! Where an image's bytes live: a raw file, or a qcow2 image read and
//! written through the `imago` crate (its synchronous build, no async
//! runtime). Both are addressed by byte offset in the guest-visible disk.

use imago::file::File as ImagoFile;
use imago::qcow2::Qcow2;
use imago::{FormatAccess, FormatDriverBuilder, PermissiveImplicitOpenGate};
use std::fs::File;
use std::io::{self, ErrorKind};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The storage behind a [`super::BlockDevice`].
pub(crate) enum Backend {
    Raw(File),
    Qcow2(Box<FormatAccess<ImagoFile>>),
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backend::Raw(file) => f.debug_tuple("Raw").field(file).finish(),
            Backend::Qcow2(q) => f.debug_tuple("Qcow2").field(&q.size()).finish(),
        }
    }
}

impl Backend {
    /// Open a qcow2 image (its backing file, if any, is opened read-only
    /// by imago as the image header names it).
    pub(crate) fn open_qcow2(path: &Path, writable: bool) -> io::Result<Backend> {
        let q = Qcow2::<ImagoFile>::builder_path(path)
            .write(writable)
            .open(PermissiveImplicitOpenGate::default())?;
        Ok(Backend::Qcow2(Box::new(FormatAccess::new(q))))
    }

    /// Guest-visible size in bytes.
    pub(crate) fn len(&self) -> io::Result<u64> {
        match self {
            Backend::Raw(f) => Ok(f.metadata()?.len()),
            Backend::Qcow2(q) => Ok(q.size()),
        }
    }

    /// Read as much of `buf` as the image holds at `pos`; returns the byte
    /// count (short only at the end).
    pub(crate) fn read_at(&self, buf: &mut [u8], pos: u64) -> io::Result<usize> {
        match self {
            Backend::Raw(file) => {
                let mut done = 0;
                while done < buf.len() {
                    match file.read_at(&mut buf[done..], pos + done as u64) {
                        Ok(0) => break,
                        Ok(n) => done += n,
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(done)
            }
            Backend::Qcow2(q) => {
                let n = q.size().saturating_sub(pos).min(buf.len() as u64) as usize;
                q.read(&mut buf[..n], pos)?;
                Ok(n)
            }
        }
    }

    /// Write all of `data` at `pos`.
    pub(crate) fn write_all_at(&self, data: &[u8], pos: u64) -> io::Result<()> {
        match self {
            Backend::Raw(file) => file.write_all_at(data, pos),
            Backend::Qcow2(q) => q.write(data, pos),
        }
    }

    /// Make written data durable: imago writes back its cached metadata,
    /// then both sync to the storage.
    pub(crate) fn flush(&self) -> io::Result<()> {
        match self {
            Backend::Raw(file) => file.sync_data(),
            Backend::Qcow2(q) => {
                q.flush()?;
                q.sync()
            }
        }
    }
}
