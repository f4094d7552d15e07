//! Register-level tests of the IDE controller, named after the ATA/ATAPI
//! behaviour they check.

use super::busmaster::*;
use super::channel::{ATA_DC_HOB, ATA_DC_NIEN, ATA_DC_SRST};
use super::drive::*;
use super::*;
use crate::block::{BlockDevice, MediaKind, OpenOptions};
use crate::testutil::{init_pics, pc_bus, TempImage};

/// `n` sectors of `size` bytes; byte i of sector s = (s * 7 + i) mod 256.
fn pattern(n: usize, size: usize) -> Vec<u8> {
    (0..n * size)
        .map(|i| ((i / size) * 7 + i % size) as u8)
        .collect()
}

const ALL: IdeDecode = IdeDecode {
    channels: [true, true],
    bm_base: Some(0xC000),
    bus_master: true,
};

struct Rig {
    ide: Ide,
    _files: Vec<TempImage>,
}

/// Flat guest memory for DMA.
struct Ram(Vec<u8>);

impl DmaMemory for Ram {
    fn read(&mut self, addr: u32, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self.0.get(addr as usize + i).copied().unwrap_or(0xFF);
        }
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        for (i, b) in data.iter().enumerate() {
            if let Some(m) = self.0.get_mut(addr as usize + i) {
                *m = *b;
            }
        }
    }
}

impl Rig {
    /// A disk of `sectors` at primary master and, if `cd`, a CD of 40
    /// sectors at secondary master.
    fn new(sectors: usize, cd: bool) -> Rig {
        let mut ide = Ide::new();
        let mut files = Vec::new();
        if sectors > 0 {
            let f = TempImage::new("hd.img", &pattern(sectors, 512));
            let d = BlockDevice::open(&f.0, MediaKind::Disk, OpenOptions::default()).unwrap();
            ide.attach(0, 0, d).unwrap();
            files.push(f);
        }
        if cd {
            let f = TempImage::new("cd.iso", &pattern(40, 2048));
            let d = BlockDevice::open(&f.0, MediaKind::Cdrom, OpenOptions::default()).unwrap();
            ide.attach(1, 0, d).unwrap();
            files.push(f);
        }
        Rig { ide, _files: files }
    }
    fn inb(&mut self, port: u16) -> u8 {
        self.ide.io_read(port, IoSize::Byte, &ALL).unwrap_or(0xFF) as u8
    }
    fn outb(&mut self, port: u16, v: u8) {
        self.ide.io_write(port, IoSize::Byte, u32::from(v), &ALL);
    }
    fn inw(&mut self, port: u16) -> u16 {
        self.ide.io_read(port, IoSize::Word, &ALL).unwrap_or(0xFFFF) as u16
    }
    fn outw(&mut self, port: u16, v: u16) {
        self.ide.io_write(port, IoSize::Word, u32::from(v), &ALL);
    }
    fn outl(&mut self, port: u16, v: u32) {
        self.ide.io_write(port, IoSize::Dword, v, &ALL);
    }
    /// Read `n` bytes from the data port of channel `ch` with word reads.
    fn read_data(&mut self, ch: usize, n: usize) -> Vec<u8> {
        let mut v = Vec::new();
        for _ in 0..n / 2 {
            v.extend_from_slice(&self.inw(IDE_CMD_BASE[ch]).to_le_bytes());
        }
        v
    }
    /// Issue an LBA28 command on the primary channel, master.
    fn lba28(&mut self, cmd: u8, lba: u32, count: u8) {
        self.outb(0x1F2, count);
        self.outb(0x1F3, lba as u8);
        self.outb(0x1F4, (lba >> 8) as u8);
        self.outb(0x1F5, (lba >> 16) as u8);
        self.outb(0x1F6, 0xE0 | ((lba >> 24) & 0xF) as u8);
        self.outb(0x1F7, cmd);
    }
    /// Send an ATAPI packet on the secondary master with byte count limit
    /// `bcl`, `dma` in the Features register.
    fn packet(&mut self, cdb: [u8; 12], bcl: u16, dma: bool) {
        self.outb(0x176, 0xA0);
        self.outb(0x171, u8::from(dma));
        self.outb(0x174, bcl as u8);
        self.outb(0x175, (bcl >> 8) as u8);
        self.outb(0x177, 0xA0);
        assert_eq!(self.inb(0x376) & (ATA_SR_DRQ | ATA_SR_BSY), ATA_SR_DRQ);
        assert_eq!(self.inb(0x172) & 3, ATAPI_IR_COD, "interrupt reason CoD");
        for i in 0..6 {
            self.outw(0x170, u16::from_le_bytes([cdb[2 * i], cdb[2 * i + 1]]));
        }
    }
    /// Read all ATAPI PIO data of the current command (following DRQ
    /// blocks); returns data and the DRQ block sizes.
    fn atapi_pio_data(&mut self) -> (Vec<u8>, Vec<usize>) {
        let mut data = Vec::new();
        let mut blocks = Vec::new();
        while self.inb(0x376) & ATA_SR_DRQ != 0 {
            assert!(self.ide.irq_level(1), "each DRQ block interrupts");
            assert_eq!(self.inb(0x172) & 3, ATAPI_IR_IO);
            let n = usize::from(self.inb(0x174)) | usize::from(self.inb(0x175)) << 8;
            self.inb(0x177);
            blocks.push(n);
            data.extend(self.read_data(1, n));
        }
        (data, blocks)
    }
}

#[test]
fn identify_device_reports_consistent_chs_and_lba_capacity() {
    let mut r = Rig::new(20160, false); // 20 cylinders of 16 × 63
    r.outb(0x1F6, 0xA0);
    r.outb(0x1F7, ata::ATA_CMD_IDENTIFY_DEVICE);
    assert!(r.ide.irq_level(0));
    assert_eq!(r.inb(0x1F7), ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_DRQ);
    assert!(!r.ide.irq_level(0), "status read acknowledges INTRQ");
    let id: Vec<u16> = r
        .read_data(0, 512)
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    assert_eq!((id[1], id[3], id[6]), (20, 16, 63));
    assert_eq!(u32::from(id[60]) | u32::from(id[61]) << 16, 20160);
    assert_eq!(u32::from(id[57]) | u32::from(id[58]) << 16, 20160);
    assert_eq!(u64::from(id[100]) | u64::from(id[101]) << 16, 20160);
    assert_ne!(id[83] & 0x0400, 0, "48-bit feature set");
    assert_eq!(id[49] & 0x0300, 0x0300, "LBA and DMA");
    let model: Vec<u8> = id[27..47].iter().flat_map(|w| w.to_be_bytes()).collect();
    assert!(model.starts_with(b"OX86 HARDDISK"));
    assert_eq!(
        r.inb(0x1F7),
        ATA_SR_DRDY | ATA_SR_DSC,
        "DRQ clear after data"
    );
    assert!(!r.ide.irq_level(0), "PIO data-in ends without an interrupt");
}

#[test]
fn read_sectors_lba28_transfers_each_sector_in_its_own_drq_block() {
    let mut r = Rig::new(64, false);
    r.lba28(ata::ATA_CMD_READ_SECTORS, 5, 3);
    let mut data = Vec::new();
    for _ in 0..3 {
        assert!(r.ide.irq_level(0), "interrupt per DRQ block");
        assert_ne!(r.inb(0x1F7) & ATA_SR_DRQ, 0);
        data.extend(r.read_data(0, 512));
    }
    assert_eq!(data, pattern(64, 512)[5 * 512..8 * 512]);
    assert_eq!(r.inb(0x1F7), ATA_SR_DRDY | ATA_SR_DSC);
}

#[test]
fn chs_addressing_uses_the_current_translation() {
    let mut r = Rig::new(20160, false);
    // Cylinder 1, head 2, sector 3 with 16 heads × 63 sectors.
    r.outb(0x1F2, 1);
    r.outb(0x1F3, 3);
    r.outb(0x1F4, 1);
    r.outb(0x1F5, 0);
    r.outb(0x1F6, 0xA2);
    r.outb(0x1F7, ata::ATA_CMD_READ_SECTORS);
    let lba = (16 + 2) * 63 + 2;
    assert_eq!(r.read_data(0, 512), pattern(lba + 1, 512)[lba * 512..]);
    // INITIALIZE DEVICE PARAMETERS: 4 heads, 17 sectors per track.
    r.outb(0x1F2, 17);
    r.outb(0x1F6, 0xA3);
    r.outb(0x1F7, ata::ATA_CMD_INITIALIZE_DEVICE_PARAMETERS);
    assert_eq!(r.inb(0x1F7) & ATA_SR_ERR, 0);
    r.outb(0x1F2, 1);
    r.outb(0x1F3, 3);
    r.outb(0x1F4, 1);
    r.outb(0x1F5, 0);
    r.outb(0x1F6, 0xA2);
    r.outb(0x1F7, ata::ATA_CMD_READ_SECTORS);
    let lba = (4 + 2) * 17 + 2;
    assert_eq!(r.read_data(0, 512), pattern(lba + 1, 512)[lba * 512..]);
    // Sector 0 does not exist: IDNF.
    r.outb(0x1F3, 0);
    r.outb(0x1F7, ata::ATA_CMD_READ_SECTORS);
    assert_eq!(r.inb(0x1F7) & ATA_SR_ERR, ATA_SR_ERR);
    assert_eq!(r.inb(0x1F1), ATA_ER_IDNF);
}

#[test]
fn lba48_ext_commands_take_the_high_bytes_from_the_hob_fifo() {
    let mut r = Rig::new(300, false);
    // Count 0x0002, LBA 0x0000_0000_0101: write high bytes first.
    for (port, hi, lo) in [(0x1F2, 0, 2), (0x1F3, 0, 1), (0x1F4, 0, 1), (0x1F5, 0, 0)] {
        r.outb(port, hi);
        r.outb(port, lo);
    }
    r.outb(0x1F6, 0x40);
    r.outb(0x1F7, ata::ATA_CMD_READ_SECTORS_EXT);
    let mut data = r.read_data(0, 512);
    data.extend(r.read_data(0, 512));
    assert_eq!(data, pattern(300, 512)[0x101 * 512..0x103 * 512]);
    // HOB set in Device Control reads the previous content.
    r.outb(0x1F2, 0x12);
    r.outb(0x1F2, 0x34);
    r.outb(0x3F6, ATA_DC_HOB);
    assert_eq!(r.inb(0x1F2), 0x12);
    r.outb(0x3F6, 0);
    assert_eq!(r.inb(0x1F2), 0x34);
    // Past the end: IDNF.
    for port in [0x1F2, 0x1F3, 0x1F4, 0x1F5] {
        r.outb(port, 1);
        r.outb(port, 0);
    }
    r.outb(0x1F7, ata::ATA_CMD_READ_SECTORS_EXT);
    assert_eq!(r.inb(0x1F1), ATA_ER_IDNF);
}

#[test]
fn write_sectors_interrupts_after_each_block_and_reaches_the_image() {
    let mut r = Rig::new(16, false);
    r.lba28(ata::ATA_CMD_WRITE_SECTORS, 2, 2);
    assert!(!r.ide.irq_level(0), "no interrupt before the first block");
    assert_eq!(r.inb(0x1F7), ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_DRQ);
    for i in 0..256u16 {
        r.outw(0x1F0, i);
    }
    assert!(r.ide.irq_level(0));
    assert_ne!(r.inb(0x1F7) & ATA_SR_DRQ, 0);
    for _ in 0..128 {
        r.outl(0x1F0, 0xDEAD_BEEF); // 32-bit PIO
    }
    assert!(r.ide.irq_level(0));
    assert_eq!(r.inb(0x1F7), ATA_SR_DRDY | ATA_SR_DSC);
    r.outb(0x1F7, ata::ATA_CMD_FLUSH_CACHE);
    assert_eq!(r.inb(0x1F7), ATA_SR_DRDY | ATA_SR_DSC);
    let file = std::fs::read(&r._files[0].0).unwrap();
    assert_eq!(&file[2 * 512..2 * 512 + 4], &[0, 0, 1, 0]);
    assert_eq!(&file[3 * 512..3 * 512 + 4], &0xDEAD_BEEFu32.to_le_bytes());
    assert_eq!(file[4 * 512..], pattern(16, 512)[4 * 512..]);
}

#[test]
fn read_multiple_needs_set_multiple_mode_and_uses_its_block_size() {
    let mut r = Rig::new(64, false);
    r.lba28(ata::ATA_CMD_READ_MULTIPLE, 0, 8);
    assert_eq!(r.inb(0x1F1), ATA_ER_ABRT, "multiple mode disabled");
    r.outb(0x1F2, 3);
    r.outb(0x1F7, ata::ATA_CMD_SET_MULTIPLE_MODE);
    assert_eq!(r.inb(0x1F1), ATA_ER_ABRT, "not a power of two");
    r.outb(0x1F2, 4);
    r.outb(0x1F7, ata::ATA_CMD_SET_MULTIPLE_MODE);
    assert_eq!(r.inb(0x1F7) & ATA_SR_ERR, 0);
    r.lba28(ata::ATA_CMD_READ_MULTIPLE, 1, 6);
    assert!(r.ide.irq_level(0));
    r.inb(0x1F7);
    let mut data = r.read_data(0, 4 * 512);
    assert!(r.ide.irq_level(0), "second block: the remaining 2 sectors");
    r.inb(0x1F7);
    data.extend(r.read_data(0, 2 * 512));
    assert_eq!(data, pattern(64, 512)[512..7 * 512]);
    assert_eq!(r.inb(0x1F7) & ATA_SR_DRQ, 0);
}

/// Write a PRD table at `table` and start the primary bus master.
fn setup_prd(r: &mut Rig, ram: &mut Ram, table: u32, entries: &[(u32, u16, bool)], to_mem: bool) {
    for (i, &(addr, count, eot)) in entries.iter().enumerate() {
        let at = table as usize + 8 * i;
        ram.0[at..at + 4].copy_from_slice(&addr.to_le_bytes());
        let flags = u32::from(count) | if eot { PRD_EOT } else { 0 };
        ram.0[at + 4..at + 8].copy_from_slice(&flags.to_le_bytes());
    }
    r.outl(0xC004, table);
    r.outb(0xC002, BM_STATUS_INT | BM_STATUS_ERROR);
    let dir = if to_mem { BM_CMD_WRITE_TO_MEMORY } else { 0 };
    r.outb(0xC000, dir);
}

#[test]
fn read_dma_scatters_through_the_prd_table_and_interrupts() {
    let mut r = Rig::new(64, false);
    let mut ram = Ram(vec![0; 0x20000]);
    setup_prd(
        &mut r,
        &mut ram,
        0x100,
        &[(0x1000, 512, false), (0x8000, 1024, true)],
        true,
    );
    r.lba28(ata::ATA_CMD_READ_DMA, 10, 3);
    assert!(!r.ide.dma_pending(), "bus master not started");
    assert_eq!(r.inb(0x1F7) & ATA_SR_DRQ, ATA_SR_DRQ);
    r.outb(0xC000, BM_CMD_WRITE_TO_MEMORY | BM_CMD_START);
    assert!(r.ide.dma_pending());
    r.ide.run_dma(&mut ram, &ALL);
    assert!(!r.ide.dma_pending());
    let p = pattern(64, 512);
    assert_eq!(ram.0[0x1000..0x1200], p[10 * 512..11 * 512]);
    assert_eq!(ram.0[0x8000..0x8400], p[11 * 512..13 * 512]);
    assert_eq!(
        r.inb(0xC002) & 7,
        BM_STATUS_INT,
        "table consumed: not active"
    );
    assert!(r.ide.irq_level(0));
    assert_eq!(r.inb(0x1F7), ATA_SR_DRDY | ATA_SR_DSC);
    r.outb(0xC002, BM_STATUS_INT);
    assert_eq!(r.inb(0xC002) & BM_STATUS_INT, 0, "write 1 to clear");
}

#[test]
fn larger_prd_table_leaves_the_bus_master_active() {
    let mut r = Rig::new(64, false);
    let mut ram = Ram(vec![0; 0x20000]);
    setup_prd(&mut r, &mut ram, 0x100, &[(0x1000, 0, true)], true);
    r.lba28(ata::ATA_CMD_READ_DMA, 0, 1);
    r.outb(0xC000, BM_CMD_WRITE_TO_MEMORY | BM_CMD_START);
    r.ide.run_dma(&mut ram, &ALL);
    assert_eq!(r.inb(0xC002) & 7, BM_STATUS_INT | BM_STATUS_ACTIVE);
    assert_eq!(ram.0[0x1000..0x1200], pattern(1, 512)[..]);
}

#[test]
fn write_dma_gathers_from_memory() {
    let mut r = Rig::new(16, false);
    let mut ram = Ram(vec![0x5A; 0x10000]);
    ram.0[0x3000..0x3200].fill(0xA5);
    setup_prd(
        &mut r,
        &mut ram,
        0x200,
        &[(0x3000, 512, false), (0x4000, 512, true)],
        false,
    );
    r.outb(0xC000, BM_CMD_START);
    r.lba28(ata::ATA_CMD_WRITE_DMA, 7, 2);
    assert!(r.ide.dma_pending(), "started before the command");
    r.ide.run_dma(&mut ram, &ALL);
    assert!(r.ide.irq_level(0));
    let file = std::fs::read(&r._files[0].0).unwrap();
    assert!(file[7 * 512..8 * 512].iter().all(|&b| b == 0xA5));
    assert!(file[8 * 512..9 * 512].iter().all(|&b| b == 0x5A));
}

#[test]
fn dma_waits_for_pci_bus_master_enable() {
    let mut r = Rig::new(16, false);
    let mut ram = Ram(vec![0; 0x10000]);
    setup_prd(&mut r, &mut ram, 0x100, &[(0x1000, 512, true)], true);
    r.lba28(ata::ATA_CMD_READ_DMA, 0, 1);
    r.outb(0xC000, BM_CMD_WRITE_TO_MEMORY | BM_CMD_START);
    let no_bme = IdeDecode {
        bus_master: false,
        ..ALL
    };
    r.ide.run_dma(&mut ram, &no_bme);
    assert!(r.ide.dma_pending());
    r.ide.run_dma(&mut ram, &ALL);
    assert!(!r.ide.dma_pending());
}

#[test]
fn absent_slave_reads_status_zero_and_ignores_commands() {
    let mut r = Rig::new(16, false);
    r.outb(0x1F6, 0xB0);
    assert_eq!(r.inb(0x1F7), 0);
    assert_eq!(r.inb(0x3F6), 0);
    // Task-file writes are latched: what Linux's device check reads back.
    r.outb(0x1F2, 0x55);
    r.outb(0x1F3, 0xAA);
    assert_eq!((r.inb(0x1F2), r.inb(0x1F3)), (0x55, 0xAA));
    r.outb(0x1F7, ata::ATA_CMD_IDENTIFY_DEVICE);
    assert_eq!(r.inb(0x1F7), 0);
    assert!(!r.ide.irq_level(0));
    // The empty secondary channel floats.
    assert_eq!(r.ide.io_read(0x177, IoSize::Byte, &ALL), None);
}

#[test]
fn software_reset_leaves_signatures_and_selects_device_0() {
    let mut r = Rig::new(16, true);
    for (ch, lbam, lbah, status) in [(0usize, 0, 0, ATA_SR_DRDY | ATA_SR_DSC), (1, 0x14, 0xEB, 0)] {
        let base = IDE_CMD_BASE[ch];
        let ctl = IDE_CTL_PORT[ch];
        r.outb(base + 6, 0xA0);
        r.outb(ctl, ATA_DC_SRST | ATA_DC_NIEN);
        assert_eq!(r.inb(ctl) & ATA_SR_BSY, ATA_SR_BSY);
        r.outb(base + 6, 0xB0); // ignored while busy
        r.outb(ctl, ATA_DC_NIEN);
        assert_eq!(r.inb(base + 6) & ATA_DEV_DEV, 0, "device 0 selected");
        assert_eq!(
            (
                r.inb(base + 2),
                r.inb(base + 3),
                r.inb(base + 4),
                r.inb(base + 5)
            ),
            (1, 1, lbam, lbah)
        );
        assert_eq!(r.inb(base + 1), 0x01, "diagnostic code: passed");
        assert_eq!(r.inb(base + 7), status);
    }
}

#[test]
fn nien_masks_the_interrupt_line_but_not_intrq() {
    let mut r = Rig::new(16, false);
    r.outb(0x3F6, ATA_DC_NIEN);
    r.lba28(ata::ATA_CMD_READ_VERIFY, 0, 4);
    assert!(!r.ide.irq_level(0));
    r.outb(0x3F6, 0);
    assert!(r.ide.irq_level(0), "pending INTRQ shows once nIEN clears");
    assert_eq!(r.inb(0x3F6), ATA_SR_DRDY | ATA_SR_DSC);
    assert!(r.ide.irq_level(0), "alternate status does not acknowledge");
    r.inb(0x1F7);
    assert!(!r.ide.irq_level(0));
}

#[test]
fn ata_identify_on_atapi_aborts_with_the_packet_signature() {
    let mut r = Rig::new(0, true);
    r.outb(0x176, 0xA0);
    r.outb(0x177, ata::ATA_CMD_IDENTIFY_DEVICE);
    assert_eq!(r.inb(0x177) & ATA_SR_ERR, ATA_SR_ERR);
    assert_eq!(r.inb(0x171), ATA_ER_ABRT);
    assert_eq!((r.inb(0x174), r.inb(0x175)), (0x14, 0xEB));
    r.outb(0x177, ata::ATA_CMD_IDENTIFY_PACKET_DEVICE);
    r.inb(0x177);
    let id = r.read_data(1, 512);
    assert_eq!(u16::from_le_bytes([id[0], id[1]]) >> 8 & 0xDF, 0x85);
}

#[test]
fn atapi_reports_unit_attention_once_then_reads_data_within_the_byte_count() {
    let mut r = Rig::new(0, true);
    // INQUIRY is not held back by the unit attention.
    r.packet(
        [atapi::GPCMD_INQUIRY, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0],
        36,
        false,
    );
    let (inq, _) = r.atapi_pio_data();
    assert_eq!(inq[0], 0x05);
    assert_eq!(&inq[16..27], b"OX86 CD-ROM");
    assert_eq!(r.inb(0x172) & 3, ATAPI_IR_IO | ATAPI_IR_COD, "completion");
    r.packet([0; 12], 0, false); // TEST UNIT READY
    assert_eq!(r.inb(0x177) & ATA_SR_ERR, ATA_SR_ERR);
    assert_eq!(r.inb(0x171) >> 4, pio::SENSE_UNIT_ATTENTION);
    r.packet(
        [atapi::GPCMD_REQUEST_SENSE, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0],
        18,
        false,
    );
    let (sense, _) = r.atapi_pio_data();
    assert_eq!((sense[2], sense[12]), (6, 0x28));
    r.packet([0; 12], 0, false);
    assert_eq!(r.inb(0x177) & ATA_SR_ERR, 0, "reported once");
    // READ(10) of 5 sectors from LBA 3 with a 4096-byte limit.
    r.packet([0x28, 0, 0, 0, 0, 3, 0, 0, 5, 0, 0, 0], 4096, false);
    let (data, blocks) = r.atapi_pio_data();
    assert_eq!(blocks, [4096, 4096, 2048]);
    assert_eq!(data, pattern(40, 2048)[3 * 2048..8 * 2048]);
    // Past the end: ILLEGAL REQUEST, LBA out of range.
    r.packet([0x28, 0, 0, 0, 0, 39, 0, 0, 2, 0, 0, 0], 4096, false);
    assert_eq!(r.inb(0x171) >> 4, pio::SENSE_ILLEGAL_REQUEST);
}

#[test]
fn atapi_capacity_and_toc_describe_one_data_track() {
    let mut r = Rig::new(0, true);
    r.ide.channels[1].drives[0].unit_attention = false;
    r.packet(
        [atapi::GPCMD_READ_CAPACITY, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        8,
        false,
    );
    let (cap, _) = r.atapi_pio_data();
    assert_eq!(cap, [0, 0, 0, 39, 0, 0, 8, 0]);
    r.packet([0x43, 0, 0, 0, 0, 0, 1, 0, 100, 0, 0, 0], 100, false);
    let (toc, _) = r.atapi_pio_data();
    assert_eq!(toc.len(), 20);
    assert_eq!(&toc[..4], &[0, 18, 1, 1]);
    assert_eq!(&toc[4..12], &[0, 0x14, 1, 0, 0, 0, 0, 0]);
    assert_eq!(&toc[12..20], &[0, 0x14, 0xAA, 0, 0, 0, 0, 40]);
    // MSF: lead-out at 40 + 150 frames = 00:02:40.
    r.packet([0x43, 2, 0, 0, 0, 0, 0xAA, 0, 100, 0, 0, 0], 100, false);
    let (toc, _) = r.atapi_pio_data();
    assert_eq!(&toc[4..12], &[0, 0x14, 0xAA, 0, 0, 0, 2, 40]);
    // Format 1: session information.
    r.packet([0x43, 0, 1, 0, 0, 0, 0, 0, 12, 0, 0, 0], 100, false);
    let (s, _) = r.atapi_pio_data();
    assert_eq!(&s[..4], &[0, 10, 1, 1]);
}

#[test]
fn atapi_read_by_dma_and_eject_reports_no_medium() {
    let mut r = Rig::new(0, true);
    r.ide.channels[1].drives[0].unit_attention = false;
    let mut ram = Ram(vec![0; 0x20000]);
    // Secondary bus master at BMIBA + 8.
    ram.0[0x100..0x104].copy_from_slice(&0x2000u32.to_le_bytes());
    ram.0[0x104..0x108].copy_from_slice(&(PRD_EOT | 4096).to_le_bytes());
    r.outl(0xC00C, 0x100);
    r.packet([0x28, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0], 0, true);
    r.outb(0xC008, BM_CMD_WRITE_TO_MEMORY | BM_CMD_START);
    r.ide.run_dma(&mut ram, &ALL);
    assert_eq!(ram.0[0x2000..0x3000], pattern(40, 2048)[2048..3 * 2048]);
    assert!(r.ide.irq_level(1));
    assert_eq!(r.inb(0x172) & 3, 3);
    assert_eq!(r.inb(0x177), ATA_SR_DRDY | ATA_SR_DSC);
    // Locked: eject refused; unlocked: medium gone.
    r.packet([0x1E, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], 0, false);
    r.packet([0x1B, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0], 0, false);
    assert_eq!(r.inb(0x171) >> 4, pio::SENSE_ILLEGAL_REQUEST);
    r.packet([0x1E, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, false);
    r.packet([0x1B, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0], 0, false);
    r.packet([0; 12], 0, false);
    assert_eq!(r.inb(0x171) >> 4, pio::SENSE_NOT_READY);
    // GET EVENT STATUS NOTIFICATION reports the removal.
    r.packet([0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0, 0, 0], 8, false);
    let (ev, _) = r.atapi_pio_data();
    assert_eq!(&ev[..6], &[0, 6, 4, 0x10, atapi::MEC_MEDIA_REMOVAL, 0]);
    // Load again: unit attention, then ready.
    r.packet([0x1B, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0], 0, false);
    r.packet([0; 12], 0, false);
    assert_eq!(r.inb(0x171) >> 4, pio::SENSE_UNIT_ATTENTION);
    r.packet([0; 12], 0, false);
    assert_eq!(r.inb(0x177) & ATA_SR_ERR, 0);
}

#[test]
fn get_configuration_reports_the_cd_rom_profile() {
    let mut r = Rig::new(0, true);
    r.packet([0x46, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], 256, false);
    let (d, _) = r.atapi_pio_data();
    assert_eq!(u16::from_be_bytes([d[6], d[7]]), atapi::MMC_PROFILE_CD_ROM);
    let len = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as usize;
    assert_eq!(len + 4, d.len());
    assert_eq!(&d[8..10], &[0, 0], "first feature: profile list");
    // RT = 2: only the Core feature.
    r.packet([0x46, 2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0], 256, false);
    let (d, _) = r.atapi_pio_data();
    assert_eq!(d.len(), 8 + 12);
    assert_eq!(&d[8..10], &[0, 1]);
}

#[test]
fn random_port_writes_never_panic() {
    // xorshift: deterministic pseudo-random register traffic.
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut r = Rig::new(64, true);
    let mut ram = Ram(vec![0; 0x1_0000]);
    let ports = [
        0x1F0, 0x1F1, 0x1F2, 0x1F3, 0x1F4, 0x1F5, 0x1F6, 0x1F7, 0x3F6, 0x170, 0x171, 0x172, 0x173,
        0x174, 0x175, 0x176, 0x177, 0x376, 0xC000, 0xC002, 0xC004, 0xC008, 0xC00A, 0xC00C,
    ];
    for _ in 0..200_000 {
        let v = next();
        let port = ports[(v % ports.len() as u64) as usize];
        let size = [IoSize::Byte, IoSize::Word, IoSize::Dword][(v >> 8) as usize % 3];
        if v >> 12 & 1 == 0 {
            r.ide.io_write(port, size, (v >> 16) as u32, &ALL);
        } else {
            r.ide.io_read(port, size, &ALL);
        }
        if v >> 40 & 0xF == 0 {
            r.ide.run_dma(&mut ram, &ALL);
        }
    }
}

#[test]
fn read_cd_returns_user_data_and_full_toc_lists_points_a0_a1_a2() {
    let mut r = Rig::new(0, true);
    r.ide.channels[1].drives[0].unit_attention = false;
    r.packet([0xBE, 0, 0, 0, 0, 2, 0, 0, 1, 0x10, 0, 0], 2048, false);
    let (data, _) = r.atapi_pio_data();
    assert_eq!(data, pattern(40, 2048)[2 * 2048..3 * 2048]);
    r.packet([0xBE, 0, 0, 0, 0, 2, 0, 0, 1, 0xF8, 0, 0], 2048, false);
    assert_eq!(r.inb(0x171) >> 4, pio::SENSE_ILLEGAL_REQUEST, "raw sectors");
    r.packet([0x43, 2, 2, 0, 0, 0, 0, 0, 100, 0, 0, 0], 100, false);
    let (toc, _) = r.atapi_pio_data();
    assert_eq!(toc.len(), 4 + 4 * 11);
    let points: Vec<u8> = toc[4..].chunks(11).map(|d| d[3]).collect();
    assert_eq!(points, [0xA0, 0xA1, 0xA2, 0x01]);
    assert_eq!(
        &toc[4 + 2 * 11 + 8..4 + 3 * 11],
        &[0, 2, 40],
        "lead-out MSF"
    );
}

/// The controller on the PC I/O bus: nothing decodes until the PCI
/// function is set up; then a command's INTRQ reaches the 8259A as IRQ 14
/// and a bus-master transfer waits for the machine's memory.
#[test]
fn on_the_pc_bus_irq14_reaches_the_pic_and_dma_waits_for_memory() {
    let rig = Rig::new(64, false);
    let mut bus = pc_bus(0, 32 << 20);
    bus.ide = Some(rig.ide);
    let b = IoSize::Byte;
    // ICW1–4 for both 8259As, everything unmasked.
    init_pics(&mut bus);
    assert_eq!(
        bus.read(0x1F7, b),
        0xFF,
        "power-on: the legacy ports do not decode"
    );
    bus.pci.as_mut().unwrap().ide.firmware_setup();
    assert_eq!(bus.read(0x1F7, b), u32::from(ATA_SR_DRDY | ATA_SR_DSC));
    bus.write(0x1F6, b, 0xE0);
    bus.write(0x1F2, b, 1);
    bus.write(0x1F7, b, u32::from(ata::ATA_CMD_IDENTIFY_DEVICE));
    bus.update(0);
    assert!(bus.interrupt_requested());
    assert_eq!(
        bus.acknowledge_interrupt(),
        Some(0x76),
        "IRQ 14 = slave input 6"
    );
    assert_eq!(bus.read(0x1F0, IoSize::Word), 0x0040, "IDENTIFY word 0");
    // READ DMA: pending once the bus master starts, done with memory.
    let mut ram = Ram(vec![0; 0x10000]);
    ram.0[0x100..0x104].copy_from_slice(&0x2000u32.to_le_bytes());
    ram.0[0x104..0x108].copy_from_slice(&(PRD_EOT | 512).to_le_bytes());
    bus.write(0xC004, IoSize::Dword, 0x100);
    for port in [0x1F3, 0x1F4, 0x1F5] {
        bus.write(port, b, 0); // LBA 0 (the signature left LBA low = 1)
    }
    bus.write(0x1F7, b, u32::from(ata::ATA_CMD_READ_DMA));
    assert!(!bus.dma_pending());
    bus.write(0xC000, b, u32::from(BM_CMD_WRITE_TO_MEMORY | BM_CMD_START));
    assert!(bus.dma_pending());
    bus.run_dma(&mut ram);
    assert!(!bus.dma_pending());
    assert_eq!(ram.0[0x2000..0x2200], pattern(1, 512)[..]);
    assert_eq!(
        bus.read(0xC002, b) & u32::from(BM_STATUS_INT),
        u32::from(BM_STATUS_INT)
    );
}

#[test]
fn atapi_byte_count_below_a_sector_splits_sectors_across_drq_blocks() {
    let mut r = Rig::new(0, true);
    r.ide.channels[1].drives[0].unit_attention = false;
    r.packet([0x28, 0, 0, 0, 0, 4, 0, 0, 2, 0, 0, 0], 1000, false);
    let (data, blocks) = r.atapi_pio_data();
    assert_eq!(blocks, [1000, 1000, 1000, 1000, 96]);
    assert_eq!(data, pattern(40, 2048)[4 * 2048..6 * 2048]);
}

#[test]
fn set_features_transfer_mode_shows_in_identify() {
    let mut r = Rig::new(64, false);
    r.outb(0x1F1, ata::SETFEATURES_XFER);
    r.outb(0x1F2, 0x22); // multiword DMA mode 2
    r.outb(0x1F6, 0xA0);
    r.outb(0x1F7, ata::ATA_CMD_SET_FEATURES);
    assert_eq!(r.inb(0x1F7) & ATA_SR_ERR, 0);
    r.outb(0x1F7, ata::ATA_CMD_IDENTIFY_DEVICE);
    let id = r.read_data(0, 512);
    let w = |i: usize| u16::from_le_bytes([id[2 * i], id[2 * i + 1]]);
    assert_eq!(w(63), 0x0407, "MWDMA 0–2 supported, 2 selected");
    assert_eq!(w(88) & 0xFF00, 0, "no UDMA mode selected");
    r.outb(0x1F1, 0x99); // unknown subcommand
    r.outb(0x1F7, ata::ATA_CMD_SET_FEATURES);
    assert_eq!(r.inb(0x1F1), ATA_ER_ABRT);
}

#[test]
fn writes_to_read_only_media_abort() {
    let f = TempImage::new("ro.img", &pattern(16, 512));
    let opts = OpenOptions {
        read_only: true,
        ..Default::default()
    };
    let mut r = Rig {
        ide: Ide::new(),
        _files: Vec::new(),
    };
    let d = BlockDevice::open(&f.0, MediaKind::Disk, opts).unwrap();
    r.ide.attach(0, 0, d).unwrap();
    r.lba28(ata::ATA_CMD_WRITE_SECTORS, 0, 1);
    assert_eq!(r.inb(0x1F7) & (ATA_SR_ERR | ATA_SR_DRQ), ATA_SR_ERR);
    assert_eq!(r.inb(0x1F1), ATA_ER_ABRT);
    assert_eq!(std::fs::read(&f.0).unwrap(), pattern(16, 512));
}

#[test]
fn attaching_twice_or_a_floppy_is_an_error() {
    let f = TempImage::new("fd.img", &vec![0u8; 1_474_560]);
    let mut ide = Ide::new();
    let fd = BlockDevice::open(&f.0, MediaKind::Floppy, OpenOptions::default()).unwrap();
    assert!(matches!(ide.attach(0, 0, fd), Err(IdeError::Floppy(_))));
    ide.attach_empty_cdrom(1, 1).unwrap();
    assert!(matches!(
        ide.attach_empty_cdrom(1, 1),
        Err(IdeError::SlotInUse { .. })
    ));
    assert!(matches!(
        ide.attach_empty_cdrom(2, 0),
        Err(IdeError::NoSuchSlot { .. })
    ));
}

#[test]
fn empty_cdrom_drive_is_not_ready_without_unit_attention() {
    let mut r = Rig::new(0, false);
    r.ide.attach_empty_cdrom(1, 0).unwrap();
    r.packet([0; 12], 0, false);
    assert_eq!(r.inb(0x171) >> 4, pio::SENSE_NOT_READY);
    r.packet([0x03, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0], 18, false);
    let (sense, _) = r.atapi_pio_data();
    assert_eq!((sense[2], sense[12]), (2, 0x3A), "medium not present");
}
