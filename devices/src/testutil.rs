//! Helpers shared by the device crate's unit tests (compiled for tests only): the PC I/O bus
//! as the machine builds it, the 8259A pair programmed as a PC BIOS leaves it, disk image
//! files in the temp directory, and flat guest memory for DMA.

use crate::block::{BlockDevice, MediaKind, OpenOptions};
use crate::ide::DmaMemory;
use crate::{ClockMode, CmosLayout, DebugPorts, DebugPortsConfig, IoBus, IoSize, PlatformConfig};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// ICW1–ICW4 for both 8259As as a PC BIOS programs them (master vectors 08h–0Fh, slave
/// 70h–77h cascaded on IR2, 8086 mode), then OCW1 unmasking every line.
pub const PC_PIC_INIT: [(u16, u8); 10] = [
    (0x20, 0x11),
    (0x21, 0x08),
    (0x21, 0x04),
    (0x21, 0x01),
    (0xA0, 0x11),
    (0xA1, 0x70),
    (0xA1, 0x02),
    (0xA1, 0x01),
    (0x21, 0x00),
    (0xA1, 0x00),
];

/// The PC I/O bus with its devices (deterministic clock, the RTC at `rtc_unix_secs` at guest
/// time 0, CMOS memory sizes for `low_ram` bytes of RAM: `CmosLayout::new(low_ram, 0)`).
pub fn pc_bus(rtc_unix_secs: i64, low_ram: u64) -> IoBus {
    IoBus::new(DebugPorts::new(DebugPortsConfig::default())).with_pc_devices(&PlatformConfig {
        clock: ClockMode::Deterministic,
        rtc_unix_secs,
        cmos: CmosLayout::new(low_ram, 0),
    })
}

/// Program both 8259As on `bus` with [`PC_PIC_INIT`].
pub fn init_pics(bus: &mut IoBus) {
    for (port, v) in PC_PIC_INIT {
        bus.write(port, IoSize::Byte, u32::from(v));
    }
}

/// A file in the temp directory holding `contents`, removed on drop.
pub struct TempImage(pub PathBuf);

impl TempImage {
    pub fn new(name: &str, contents: &[u8]) -> TempImage {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "ox86-devices-{}-{}-{name}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::File::create(&path)
            .unwrap()
            .write_all(contents)
            .unwrap();
        TempImage(path)
    }

    /// The file's bytes now.
    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.0).unwrap()
    }

    /// The image opened as `kind` (no snapshot).
    pub fn open(&self, kind: MediaKind, read_only: bool) -> BlockDevice {
        let opts = OpenOptions {
            read_only,
            snapshot: false,
        };
        BlockDevice::open(&self.0, kind, opts).unwrap()
    }
}

impl Drop for TempImage {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Flat guest memory for DMA whose addresses wrap at its size.
pub struct Ram(pub Vec<u8>);

impl DmaMemory for Ram {
    fn read(&mut self, addr: u32, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self.0[(addr as usize + i) % self.0.len()];
        }
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        let n = self.0.len();
        for (i, b) in data.iter().enumerate() {
            self.0[(addr as usize + i) % n] = *b;
        }
    }
}
