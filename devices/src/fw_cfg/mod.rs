//! The QEMU firmware configuration interface ("fw_cfg"), through which
//! firmware such as SeaBIOS learns what the board has: RAM size, CPU
//! count, the E820 map, boot order, option ROMs (QEMU
//! `docs/specs/fw_cfg.rst`, "QEMU Firmware Configuration (fw_cfg) Device").
//!
//! Registers on the x86 I/O bus:
//!
//! | port | width | register |
//! |---|---|---|
//! | 0x510 | 16-bit write | selector: chooses an item and rewinds its data offset |
//! | 0x511 | 8-bit read | data: the next byte of the selected item (0 past its end) |
//!
//! The DMA interface (address register at 0x514) is **not** implemented:
//! [`FW_CFG_ID`] reports only the traditional interface (bit 0), so
//! firmware reads items byte by byte (SeaBIOS uses `rep insb`). Writes to
//! the data register are ignored, as in QEMU since 2.4.
//!
//! Items present (all integers little-endian unless noted; a selector
//! with no item reads as zeros, which is how firmware sees "absent"):
//!
//! | key | item |
//! |---|---|
//! | 0x0000 SIGNATURE | `"QEMU"` |
//! | 0x0001 ID | u32 1: traditional interface, no DMA |
//! | 0x0002 UUID | 16 zero bytes |
//! | 0x0003 RAM_SIZE | u64 RAM bytes |
//! | 0x0004 NOGRAPHIC | u16 0 |
//! | 0x0005 NB_CPUS | u16 CPUs |
//! | 0x000D NUMA | u64 0 (no NUMA nodes) |
//! | 0x000E BOOT_MENU | u16 1 to offer the boot menu |
//! | 0x000F MAX_CPUS | u16 CPUs |
//! | 0x0019 FILE_DIR | the file directory (below) |
//! | 0x0020… | the files, in the order added |
//! | 0x8002 IRQ0_OVERRIDE | u8 1: ISA IRQ0 reaches IOAPIC pin 2 |
//!
//! The file directory is a big-endian u32 count followed by one 64-byte
//! entry per file: big-endian u32 size, big-endian u16 selector, u16
//! reserved, 56-byte NUL-padded name. [`FwCfg::add_file`] adds files; the
//! board ([`FwCfgConfig`] / [`FwCfg::for_pc`]) adds `etc/e820`,
//! `bootorder`, `etc/boot-fail-wait` and `vgaroms/…` as configured.

use crate::io_bus::IoSize;

/// Selector register port (16-bit).
pub const FW_CFG_PORT_SEL: u16 = 0x510;
/// Data register port (8-bit).
pub const FW_CFG_PORT_DATA: u16 = 0x511;

/// Item key: signature `"QEMU"`.
pub const FW_CFG_SIGNATURE: u16 = 0x0000;
/// Item key: interface revision / feature bits.
pub const FW_CFG_ID: u16 = 0x0001;
/// Item key: VM UUID (16 bytes).
pub const FW_CFG_UUID: u16 = 0x0002;
/// Item key: RAM size in bytes (u64).
pub const FW_CFG_RAM_SIZE: u16 = 0x0003;
/// Item key: no graphical console (u16).
pub const FW_CFG_NOGRAPHIC: u16 = 0x0004;
/// Item key: number of CPUs at boot (u16).
pub const FW_CFG_NB_CPUS: u16 = 0x0005;
/// Item key: NUMA data (u64 node count, then per-CPU and per-node u64s).
pub const FW_CFG_NUMA: u16 = 0x000D;
/// Item key: show the boot menu (u16).
pub const FW_CFG_BOOT_MENU: u16 = 0x000E;
/// Item key: maximum CPU count (u16).
pub const FW_CFG_MAX_CPUS: u16 = 0x000F;
/// Item key: the file directory.
pub const FW_CFG_FILE_DIR: u16 = 0x0019;
/// First item key used for files.
pub const FW_CFG_FILE_FIRST: u16 = 0x0020;
/// Item key (x86): IRQ0 override present in the MADT (u8).
pub const FW_CFG_IRQ0_OVERRIDE: u16 = 0x8002;

/// ID bit 0: the traditional (selector/data port) interface.
pub const FW_CFG_VERSION: u32 = 0x01;
/// ID bit 1: the DMA interface (not offered here).
pub const FW_CFG_VERSION_DMA: u32 = 0x02;

/// Length of a file name in a directory entry, NUL included.
pub const FW_CFG_MAX_FILE_PATH: usize = 56;
/// Most files (selectors 0x20–0x7FFF would allow more; this is plenty).
pub const FW_CFG_MAX_FILES: usize = 0x1000;

/// E820 entry type: usable RAM.
pub const E820_RAM: u32 = 1;
/// E820 entry type: reserved.
pub const E820_RESERVED: u32 = 2;

/// A problem adding a file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FwCfgError {
    #[error("fw_cfg file name {0:?} is empty or longer than 55 bytes")]
    BadName(String),
    #[error("fw_cfg file {0:?} already exists")]
    Duplicate(String),
    #[error("too many fw_cfg files")]
    TooMany,
    #[error("fw_cfg file {0:?} is larger than 4 GiB")]
    TooLarge(String),
}

/// One item.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Item {
    key: u16,
    data: std::sync::Arc<[u8]>,
}

/// A file in the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
struct File {
    name: String,
    key: u16,
    size: u32,
}

/// What the board tells firmware.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FwCfgConfig {
    /// RAM in bytes.
    pub ram_size: u64,
    /// CPUs (at least 1).
    pub cpus: u16,
    /// Offer the boot menu (`BOOT_MENU`).
    pub boot_menu: bool,
    /// E820 map: (base, length, type) — `etc/e820`, 20-byte entries.
    pub e820: Vec<(u64, u64, u32)>,
    /// Lines of the `bootorder` file (OpenFirmware device paths), if any.
    pub bootorder: Vec<String>,
    /// `etc/boot-fail-wait`: milliseconds before the firmware retries
    /// after finding nothing to boot (`u32::MAX`: never). `None`: no file
    /// (the firmware's default).
    pub boot_fail_wait_ms: Option<u32>,
    /// Option ROMs for the firmware to load as `vgaroms/NAME`.
    pub vga_roms: Vec<(String, std::sync::Arc<[u8]>)>,
}

/// The fw_cfg device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FwCfg {
    items: Vec<Item>,
    files: Vec<File>,
    /// Index into `items` of the selected item, if it exists.
    selected: Option<usize>,
    /// Selector value last written.
    selector: u16,
    offset: usize,
}

impl FwCfg {
    /// A device with the signature, ID and an empty file directory only.
    pub fn new() -> Self {
        let mut f = FwCfg::default();
        f.set(FW_CFG_SIGNATURE, b"QEMU".to_vec());
        f.set(FW_CFG_ID, FW_CFG_VERSION.to_le_bytes().to_vec());
        f.rebuild_dir();
        f
    }

    /// The items a PC board provides (see the module docs).
    pub fn for_pc(cfg: &FwCfgConfig) -> Result<Self, FwCfgError> {
        let mut f = FwCfg::new();
        let cpus = cfg.cpus.max(1);
        f.set(FW_CFG_UUID, vec![0; 16]);
        f.set(FW_CFG_RAM_SIZE, cfg.ram_size.to_le_bytes().to_vec());
        f.set(FW_CFG_NOGRAPHIC, 0u16.to_le_bytes().to_vec());
        f.set(FW_CFG_NB_CPUS, cpus.to_le_bytes().to_vec());
        f.set(FW_CFG_MAX_CPUS, cpus.to_le_bytes().to_vec());
        f.set(FW_CFG_NUMA, 0u64.to_le_bytes().to_vec());
        f.set(
            FW_CFG_BOOT_MENU,
            u16::from(cfg.boot_menu).to_le_bytes().to_vec(),
        );
        f.set(FW_CFG_IRQ0_OVERRIDE, vec![1]);
        let mut e820 = Vec::with_capacity(cfg.e820.len() * 20);
        for &(base, len, kind) in &cfg.e820 {
            e820.extend_from_slice(&base.to_le_bytes());
            e820.extend_from_slice(&len.to_le_bytes());
            e820.extend_from_slice(&kind.to_le_bytes());
        }
        f.add_file("etc/e820", e820)?;
        if !cfg.bootorder.is_empty() {
            let mut text = cfg.bootorder.join("\n").into_bytes();
            text.push(0);
            f.add_file("bootorder", text)?;
        }
        if let Some(ms) = cfg.boot_fail_wait_ms {
            f.add_file("etc/boot-fail-wait", ms.to_le_bytes().to_vec())?;
        }
        for (name, data) in &cfg.vga_roms {
            f.add_file(&format!("vgaroms/{name}"), data.to_vec())?;
        }
        Ok(f)
    }

    /// Set item `key` (replacing it if present).
    fn set(&mut self, key: u16, data: Vec<u8>) {
        let data: std::sync::Arc<[u8]> = data.into();
        match self.items.iter_mut().find(|i| i.key == key) {
            Some(i) => i.data = data,
            None => self.items.push(Item { key, data }),
        }
        self.selected = None;
    }

    /// Add a named file; it gets the next free selector.
    pub fn add_file(&mut self, name: &str, data: Vec<u8>) -> Result<u16, FwCfgError> {
        if name.is_empty() || name.len() >= FW_CFG_MAX_FILE_PATH || name.contains('\0') {
            return Err(FwCfgError::BadName(name.into()));
        }
        if self.files.iter().any(|f| f.name == name) {
            return Err(FwCfgError::Duplicate(name.into()));
        }
        if self.files.len() >= FW_CFG_MAX_FILES {
            return Err(FwCfgError::TooMany);
        }
        let size = u32::try_from(data.len()).map_err(|_| FwCfgError::TooLarge(name.into()))?;
        let key = FW_CFG_FILE_FIRST + self.files.len() as u16;
        self.files.push(File {
            name: name.into(),
            key,
            size,
        });
        self.set(key, data);
        self.rebuild_dir();
        Ok(key)
    }

    /// Names of the files, in directory order.
    pub fn file_names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|f| f.name.as_str())
    }

    fn rebuild_dir(&mut self) {
        let mut dir = Vec::with_capacity(4 + 64 * self.files.len());
        dir.extend_from_slice(&(self.files.len() as u32).to_be_bytes());
        for f in &self.files {
            dir.extend_from_slice(&f.size.to_be_bytes());
            dir.extend_from_slice(&f.key.to_be_bytes());
            dir.extend_from_slice(&[0, 0]);
            let mut name = [0u8; FW_CFG_MAX_FILE_PATH];
            name[..f.name.len()].copy_from_slice(f.name.as_bytes());
            dir.extend_from_slice(&name);
        }
        self.set(FW_CFG_FILE_DIR, dir);
    }

    /// Write the selector: choose item `key`, data offset 0.
    pub fn select(&mut self, key: u16) {
        self.selector = key;
        self.selected = self.items.iter().position(|i| i.key == key);
        self.offset = 0;
    }

    /// Read the next data byte (0 past the end or for an absent item).
    pub fn read_data(&mut self) -> u8 {
        let b = self
            .selected
            .and_then(|i| self.items[i].data.get(self.offset).copied())
            .unwrap_or(0);
        self.offset = self.offset.saturating_add(1);
        b
    }

    /// Port read of `size` bytes; `None` if the port is not decoded here.
    /// A wide read of the data port returns successive bytes.
    pub fn io_read(&mut self, port: u16, size: IoSize) -> Option<u32> {
        match port {
            FW_CFG_PORT_DATA => {
                let mut v = 0;
                for i in 0..size as u32 {
                    v |= u32::from(self.read_data()) << (8 * i);
                }
                Some(v)
            }
            // The selector is write-only.
            FW_CFG_PORT_SEL => Some(size.mask()),
            _ => None,
        }
    }

    /// Port write; `false` if the port is not decoded here. The selector
    /// takes its low 16 bits from a write of any width.
    pub fn io_write(&mut self, port: u16, _size: IoSize, value: u32) -> bool {
        match port {
            FW_CFG_PORT_SEL => {
                self.select(value as u16);
                true
            }
            // Data writes are ignored (read-only items).
            FW_CFG_PORT_DATA => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
