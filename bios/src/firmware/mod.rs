//! ox86's built-in BIOS: a 64 KiB ROM of entry stubs (`rom/ox86bios.asm`,
//! built with nasm by `rom/build.sh`, the `.bin` committed) whose
//! interrupt vectors trap into services written in Rust.
//!
//! # Trap protocol
//! A stub executes `out TRAP_PORT, al` followed by a UD2 marker
//! (`0F 0B`) and a service id byte. OUT ends the CPU's block, so the
//! machine regains control with CS:IP on the marker; it checks the marker
//! and the OUT before it (`is_trap`), moves IP past the id byte, copies
//! the registers into [`Regs`] and calls [`Firmware::service`] with a
//! [`Bus`] for memory, ports and time, then writes the registers back.
//! An interrupt service runs with the INT frame (IP, CS, FLAGS) on top
//! of the stack; results in CF/ZF go into the saved FLAGS
//! ([`Regs::set_frame_flag`]), which the stub's IRET restores, as BIOS
//! calls return them. A service that must wait for an interrupt (INT 16h
//! AH=00h with an empty buffer, INT 15h AH=86h) returns
//! [`Outcome::Wait`]: the machine sets the live CF and the stub executes
//! `sti; hlt` and calls the service again.
//!
//! # Layout
//! The ROM's header at F0000 ([`RomHeader`]) names the handler of each
//! vector, the fonts and the tables; POST ([`post`]) fills the IVT from
//! it. Services are split by interrupt: [`int10`] (video, VGA and VBE),
//! [`int13`] (disks, EDD, El Torito), [`int15`] (memory map, A20, wait,
//! block move), [`int16`] (keyboard), [`int1a`] (time, PCI BIOS),
//! [`boot`] (INT 18h/19h, El Torito boot), [`misc`] (11h, 12h, 14h, 17h),
//! [`mouse`] (INT 15h C2h, IRQ12).
//!
//! References: IBM PC/AT Technical Reference (BIOS interface, BDA),
//! Phoenix "BIOS Enhanced Disk Drive Specification" 3.0 (INT 13h 41h–48h),
//! "El Torito" Bootable CD-ROM Format Specification 1.0, ACPI 6.4 §15
//! (INT 15h E820h), PCI BIOS Specification 2.1 (INT 1Ah B1xxh).

pub mod bda;
pub mod boot;
pub mod disk;
pub mod int10;
pub mod int13;
pub mod int15;
pub mod int16;
pub mod int1a;
pub mod misc;
pub mod mouse;
pub mod post;
#[cfg(test)]
pub(crate) mod testutil;

pub use disk::{BlockDisk, DiskError, DiskSlot, Drive, DriveKind, FileDisk, MemDisk};

use crate::memory_map::MemoryRegion;

/// The ROM image (64 KiB, mapped at F0000 and aliased below 4 GiB).
pub static ROM_IMAGE: &[u8; ROM_SIZE] = include_bytes!("rom/ox86bios.bin");
/// Size of the ROM.
pub const ROM_SIZE: usize = 0x1_0000;
/// Physical address of the ROM below 1 MiB.
pub const ROM_BASE: u32 = 0xF_0000;
/// Segment of the ROM.
pub const ROM_SEGMENT: u16 = 0xF000;
/// The port of the trapping OUT (unclaimed on the PC: writes to it are
/// dropped by the bus).
pub const TRAP_PORT: u8 = 0xEF;
/// `OUT imm8, AL`.
const OUT_IMM8_AL: u8 = 0xE6;
/// The UD2 marker after the OUT.
pub const TRAP_MARKER: [u8; 2] = [0x0F, 0x0B];
/// Bytes the machine skips after the trapping OUT: marker + id.
pub const TRAP_SKIP: u32 = 3;

/// Service ids that are not interrupt vectors (`rom/ox86bios.asm`).
pub mod service {
    pub const POST: u8 = 0xF0;
    pub const KBD_IRQ: u8 = 0xF1;
    pub const MOUSE_IRQ: u8 = 0xF3;
}

/// Physical address of the VGA option ROM stub (IBM PC option ROM
/// header: 55 AA, size in 512-byte units, init entry).
pub const VGA_ROM_BASE: u32 = 0xC_0000;

/// Is the CPU stopped on a trap? `bytes` are the 2 bytes before CS:IP and
/// the 3 at it (`[ip-2 .. ip+3]`); `linear` is CS:IP's linear address.
/// Returns the service id.
pub fn is_trap(linear: u32, bytes: [u8; 5]) -> Option<u8> {
    if !(ROM_BASE + 2..ROM_BASE + ROM_SIZE as u32 - 3).contains(&linear) {
        return None;
    }
    (bytes[0] == OUT_IMM8_AL && bytes[1] == TRAP_PORT && bytes[2..4] == TRAP_MARKER)
        .then_some(bytes[4])
}

/// What the firmware needs from the machine besides the registers.
pub trait Bus {
    /// Physical memory read (A20 applied by the machine).
    fn read(&mut self, addr: u32, buf: &mut [u8]);
    /// Physical memory write (ROM and open bus drop it).
    fn write(&mut self, addr: u32, data: &[u8]);
    /// Port input of `size` bytes (1, 2, 4).
    fn port_in(&mut self, port: u16, size: u8) -> u32;
    /// Port output.
    fn port_out(&mut self, port: u16, size: u8, value: u32);
    /// Guest time in nanoseconds.
    fn now_ns(&mut self) -> u64;
    /// The medium of IDE `channel`/`unit` (shared with the controller).
    fn ide_media(&mut self, _channel: u8, _unit: u8) -> Option<&mut devices::block::BlockDevice> {
        None
    }
    /// The medium in floppy drive `drive` (shared with the controller).
    fn fdc_media(&mut self, _drive: u8) -> Option<&mut devices::block::BlockDevice> {
        None
    }

    fn read_u8(&mut self, addr: u32) -> u8 {
        let mut b = [0];
        self.read(addr, &mut b);
        b[0]
    }
    fn read_u16(&mut self, addr: u32) -> u16 {
        let mut b = [0; 2];
        self.read(addr, &mut b);
        u16::from_le_bytes(b)
    }
    fn read_u32(&mut self, addr: u32) -> u32 {
        let mut b = [0; 4];
        self.read(addr, &mut b);
        u32::from_le_bytes(b)
    }
    fn write_u8(&mut self, addr: u32, v: u8) {
        self.write(addr, &[v]);
    }
    fn write_u16(&mut self, addr: u32, v: u16) {
        self.write(addr, &v.to_le_bytes());
    }
    fn write_u32(&mut self, addr: u32, v: u32) {
        self.write(addr, &v.to_le_bytes());
    }
    fn inb(&mut self, port: u16) -> u8 {
        self.port_in(port, 1) as u8
    }
    fn outb(&mut self, port: u16, v: u8) {
        self.port_out(port, 1, u32::from(v));
    }
}

/// The CPU's registers as a service sees them (real mode).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    pub eax: u32,
    pub ebx: u32,
    pub ecx: u32,
    pub edx: u32,
    pub esi: u32,
    pub edi: u32,
    pub ebp: u32,
    pub esp: u32,
    pub eip: u32,
    pub eflags: u32,
    pub cs: u16,
    pub ds: u16,
    pub es: u16,
    pub ss: u16,
    pub fs: u16,
    pub gs: u16,
}

/// EFLAGS bits.
pub mod flag {
    pub const CF: u32 = 1 << 0;
    pub const ZF: u32 = 1 << 6;
    pub const IF: u32 = 1 << 9;
}

macro_rules! reg16 {
    ($get:ident, $set:ident, $f:ident) => {
        pub fn $get(&self) -> u16 {
            self.$f as u16
        }
        pub fn $set(&mut self, v: u16) {
            self.$f = (self.$f & 0xFFFF_0000) | u32::from(v);
        }
    };
}
macro_rules! reg8 {
    ($lo:ident, $set_lo:ident, $hi:ident, $set_hi:ident, $f:ident) => {
        pub fn $lo(&self) -> u8 {
            self.$f as u8
        }
        pub fn $set_lo(&mut self, v: u8) {
            self.$f = (self.$f & !0xFF) | u32::from(v);
        }
        pub fn $hi(&self) -> u8 {
            (self.$f >> 8) as u8
        }
        pub fn $set_hi(&mut self, v: u8) {
            self.$f = (self.$f & !0xFF00) | u32::from(v) << 8;
        }
    };
}

impl Regs {
    reg16!(ax, set_ax, eax);
    reg16!(bx, set_bx, ebx);
    reg16!(cx, set_cx, ecx);
    reg16!(dx, set_dx, edx);
    reg16!(si, set_si, esi);
    reg16!(di, set_di, edi);
    reg16!(sp, set_sp, esp);
    reg8!(al, set_al, ah, set_ah, eax);
    reg8!(bl, set_bl, bh, set_bh, ebx);
    reg8!(cl, set_cl, ch, set_ch, ecx);
    reg8!(dl, set_dl, dh, set_dh, edx);

    /// Linear address of `seg:off` (real mode; may pass 1 MiB: the bus
    /// applies A20).
    pub fn linear(seg: u16, off: u16) -> u32 {
        (u32::from(seg) << 4) + u32::from(off)
    }

    /// Address of the saved FLAGS of the INT frame on top of the stack.
    fn frame_flags_addr(&self) -> u32 {
        Self::linear(self.ss, self.sp().wrapping_add(4))
    }

    /// Set or clear `bit` in the FLAGS image the stub's IRET restores.
    pub fn set_frame_flag(&self, bus: &mut dyn Bus, bit: u32, on: bool) {
        let a = self.frame_flags_addr();
        let f = u32::from(bus.read_u16(a));
        let f = if on { f | bit } else { f & !bit };
        bus.write_u16(a, f as u16);
    }

    /// Return from a BIOS call with CF = `error` and AH = `status`.
    pub fn finish(&mut self, bus: &mut dyn Bus, status: u8, error: bool) {
        self.set_ah(status);
        self.set_frame_flag(bus, flag::CF, error);
    }

    /// Success with AH = 0, CF = 0.
    pub fn ok(&mut self, bus: &mut dyn Bus) {
        self.finish(bus, 0, false);
    }

    /// Failure: AH = `status`, CF = 1.
    pub fn fail(&mut self, bus: &mut dyn Bus, status: u8) {
        self.finish(bus, status, true);
    }
}

/// What a service asks of its stub.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Return to the caller (IRET).
    Done,
    /// Wait for an interrupt (`sti; hlt`) and call the service again.
    Wait,
    /// The service changed CS:IP itself (boot, halt): go on there.
    Jump,
}

/// Boot devices for INT 19h, in `--boot` letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootDevice {
    /// `a`: the first floppy drive.
    Floppy,
    /// `c`: the first hard disk.
    HardDisk,
    /// `d`: the CD-ROM (El Torito).
    Cdrom,
}

impl BootDevice {
    /// From a `--boot` letter.
    pub fn from_letter(c: char) -> Option<Self> {
        match c.to_ascii_lowercase() {
            'a' => Some(BootDevice::Floppy),
            'c' => Some(BootDevice::HardDisk),
            'd' => Some(BootDevice::Cdrom),
            _ => None,
        }
    }
}

/// How the machine is configured, for POST.
#[derive(Clone, Debug)]
pub struct FirmwareConfig {
    /// RAM from address 0, bytes.
    pub ram_size: u64,
    /// The E820 map (as [`crate::memory_map::PcLayout::memory_map`]).
    pub memory_map: Vec<MemoryRegion>,
    /// ACPI tables to place in memory at POST (RSDP and region).
    pub acpi: Option<crate::boot::AcpiTables>,
    /// Boot order.
    pub boot_order: Vec<BootDevice>,
    /// Copy INT 10h teletype output to COM1.
    pub serial_console: bool,
    /// An x87 is present (equipment word bit 1).
    pub fpu: bool,
}

impl FirmwareConfig {
    /// A PC with `ram_size` bytes of RAM, no ACPI tables, booting the hard
    /// disk then the CD then the floppy.
    pub fn new(ram_size: u64) -> Self {
        let mut layout = crate::memory_map::PcLayout::new(ram_size);
        layout.apic_pages = false;
        layout.bios_rom_size = Some(ROM_SIZE as u64);
        FirmwareConfig {
            ram_size,
            memory_map: layout.memory_map(),
            acpi: None,
            boot_order: vec![BootDevice::HardDisk, BootDevice::Cdrom, BootDevice::Floppy],
            serial_console: false,
            fpu: true,
        }
    }
}

/// The firmware's state: configuration, drives, keyboard and El Torito
/// state.
#[derive(Debug)]
pub struct Firmware {
    pub config: FirmwareConfig,
    /// The disk images the firmware owns (others are on the IDE
    /// controller: [`DiskSlot::Ide`]).
    pub disks: Vec<Box<dyn BlockDisk + Send>>,
    /// BIOS drives over them (floppies 00h–, hard disks 80h–, the CD).
    pub drives: Vec<Drive>,
    /// The ROM header, parsed.
    pub header: RomHeader,
    /// Keyboard state (INT 16h / IRQ1).
    pub keyboard: int16::Keyboard,
    /// INT 15h AH=86h: guest time the current wait ends.
    pub wait_until: Option<u64>,
    /// El Torito: the boot catalog entry used, for INT 13h AX=4B01h.
    pub eltorito: Option<boot::EltoritoBoot>,
    /// Video state outside the BDA (the VBE mode).
    pub video: int10::VideoState,
}

impl Firmware {
    /// Firmware for `config` with no drives yet.
    pub fn new(config: FirmwareConfig) -> Self {
        Firmware {
            config,
            disks: Vec::new(),
            drives: Vec::new(),
            header: RomHeader::parse(ROM_IMAGE),
            keyboard: int16::Keyboard::default(),
            wait_until: None,
            eltorito: None,
            video: int10::VideoState::default(),
        }
    }

    /// The ROM image to map (the committed image; nothing is patched).
    pub fn rom_image() -> std::sync::Arc<[u8]> {
        std::sync::Arc::from(&ROM_IMAGE[..])
    }

    /// Run service `id` (a trap from the ROM).
    pub fn service(&mut self, id: u8, r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
        match id {
            service::POST => {
                post::post(self, r, bus);
                Outcome::Done
            }
            service::KBD_IRQ => {
                int16::irq1(self, r, bus);
                Outcome::Done
            }
            service::MOUSE_IRQ => mouse::irq12(self, r, bus),
            0x10 => int10::int10(self, r, bus),
            0x11 => misc::int11(r, bus),
            0x12 => misc::int12(r, bus),
            0x13 => int13::int13(self, r, bus),
            0x14 => misc::int14(r, bus),
            0x15 => int15::int15(self, r, bus),
            0x16 => int16::int16(self, r, bus),
            0x17 => misc::int17(r, bus),
            0x18 => boot::int18(self, r, bus),
            0x19 => boot::int19(self, r, bus),
            0x1A => int1a::int1a(r, bus),
            _ => Outcome::Done,
        }
    }

    /// Attach an image the firmware owns as the next drive of `kind`
    /// (hard disks 80h, 81h…, floppies 00h, 01h, CDs E0h…).
    pub fn attach(&mut self, kind: DriveKind, disk: Box<dyn BlockDisk + Send>) -> u8 {
        let bytes = disk.sector_count() * u64::from(disk.sector_size());
        self.disks.push(disk);
        self.attach_slot(kind, DiskSlot::Owned(self.disks.len() - 1), bytes)
    }

    /// Attach a drive whose image is elsewhere (an IDE medium of `bytes`).
    pub fn attach_slot(&mut self, kind: DriveKind, slot: DiskSlot, bytes: u64) -> u8 {
        let n = self.count(kind);
        let d = match kind {
            DriveKind::HardDisk => Drive::hard_disk(0x80 + n, slot, bytes),
            DriveKind::Floppy => Drive::floppy(n, slot, bytes),
            DriveKind::Cdrom => Drive::cdrom(boot::CDROM_DRIVE + n, slot, bytes),
        };
        let number = d.number;
        self.drives.push(d);
        number
    }

    /// Attach a hard disk image the firmware owns.
    pub fn attach_hard_disk(&mut self, disk: Box<dyn BlockDisk + Send>) -> u8 {
        self.attach(DriveKind::HardDisk, disk)
    }

    /// Attach a floppy image the firmware owns.
    pub fn attach_floppy(&mut self, disk: Box<dyn BlockDisk + Send>) -> u8 {
        self.attach(DriveKind::Floppy, disk)
    }

    /// Attach a CD image (2048-byte sectors) the firmware owns.
    pub fn attach_cdrom(&mut self, disk: Box<dyn BlockDisk + Send>) -> u8 {
        self.attach(DriveKind::Cdrom, disk)
    }

    /// Drop El Torito emulated drives and number the others again from
    /// 00h, 80h and E0h in attachment order (POST, INT 13h AX=4B00h).
    pub fn end_emulation(&mut self) {
        self.drives.retain(|d| !d.emulated);
        let mut next = [0u8, 0x80, boot::CDROM_DRIVE];
        for d in &mut self.drives {
            let k = match d.kind {
                DriveKind::Floppy => 0,
                DriveKind::HardDisk => 1,
                DriveKind::Cdrom => 2,
            };
            d.number = next[k];
            next[k] = next[k].wrapping_add(1);
        }
        self.eltorito = None;
    }

    fn count(&self, kind: DriveKind) -> u8 {
        self.drives.iter().filter(|d| d.kind == kind).count() as u8
    }

    /// Index of the drive with BIOS number `dl`.
    pub fn drive_index(&self, dl: u8) -> Option<usize> {
        self.drives.iter().position(|d| d.number == dl)
    }

    /// Read blocks of drive index `i`.
    pub fn read_blocks(
        &mut self,
        bus: &mut dyn Bus,
        i: usize,
        lba: u64,
        buf: &mut [u8],
    ) -> Result<(), DiskError> {
        let d = self.drives.get(i).ok_or(DiskError::Range)?;
        match d.disk {
            DiskSlot::Owned(n) => {
                let disk = self.disks.get_mut(n).ok_or(DiskError::Range)?;
                d.read(disk.as_mut(), lba, buf)
            }
            DiskSlot::Fdc { drive } => {
                let disk = bus.fdc_media(drive).ok_or(DiskError::Range)?;
                d.read(disk, lba, buf)
            }
            DiskSlot::Ide { channel, unit } => {
                let disk = bus.ide_media(channel, unit).ok_or(DiskError::Range)?;
                d.read(disk, lba, buf)
            }
        }
    }

    /// Write blocks of drive index `i`.
    pub fn write_blocks(
        &mut self,
        bus: &mut dyn Bus,
        i: usize,
        lba: u64,
        data: &[u8],
    ) -> Result<(), DiskError> {
        let d = self.drives.get(i).ok_or(DiskError::Range)?;
        match d.disk {
            DiskSlot::Owned(n) => {
                let disk = self.disks.get_mut(n).ok_or(DiskError::Range)?;
                d.write(disk.as_mut(), lba, data)
            }
            DiskSlot::Fdc { drive } => {
                let disk = bus.fdc_media(drive).ok_or(DiskError::Range)?;
                d.write(disk, lba, data)
            }
            DiskSlot::Ide { channel, unit } => {
                let disk = bus.ide_media(channel, unit).ok_or(DiskError::Range)?;
                d.write(disk, lba, data)
            }
        }
    }
}

/// The ROM header (offset 0 of `rom/ox86bios.asm`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RomHeader {
    /// (vector, handler offset in segment F000).
    pub vectors: Vec<(u8, u16)>,
    pub font8x16: u16,
    pub font8x8: u16,
    pub config_table: u16,
    pub diskette_params: u16,
    pub fixed_disk_params: u16,
    /// `iret`.
    pub default_iret: u16,
    /// `cli; hlt` forever.
    pub halt: u16,
    /// Header version 2 (video): the 8x14 font, the empty 9-dot alternate
    /// glyph list, the VBE OEM string, the VBE window far function and the
    /// INT 10h AH=1Bh static functionality table.
    pub font8x14: u16,
    pub font_alt: u16,
    pub vbe_oem: u16,
    pub vbe_window: u16,
    pub video_functionality: u16,
}

/// Magic at the start of the ROM.
pub const ROM_MAGIC: &[u8; 8] = b"OX86BIOS";

impl RomHeader {
    /// Parse the header of `rom` (the committed image: a bad image is a
    /// build defect, caught by the unit test; fields outside the image
    /// read as 0).
    pub fn parse(rom: &[u8]) -> Self {
        let w = |off: usize| -> u16 {
            rom.get(off..off + 2)
                .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
        };
        let table = usize::from(w(10));
        let mut vectors = Vec::new();
        let mut at = table;
        while at + 4 <= rom.len() && vectors.len() < 256 {
            let v = w(at);
            if v == 0xFFFF {
                break;
            }
            vectors.push((v as u8, w(at + 2)));
            at += 4;
        }
        RomHeader {
            vectors,
            font8x16: w(12),
            font8x8: w(14),
            config_table: w(16),
            diskette_params: w(18),
            fixed_disk_params: w(20),
            default_iret: w(22),
            halt: w(24),
            font8x14: w(26),
            font_alt: w(28),
            vbe_oem: w(30),
            vbe_window: w(32),
            video_functionality: w(34),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::MemDisk;

    #[test]
    fn rom_header_and_reset_vector() {
        assert_eq!(&ROM_IMAGE[..8], ROM_MAGIC);
        let h = RomHeader::parse(ROM_IMAGE);
        assert!(h.vectors.iter().any(|&(v, _)| v == 0x13));
        assert!(h.vectors.iter().any(|&(v, _)| v == 0x08));
        for &(_, off) in &h.vectors {
            assert!(off > 0 && usize::from(off) < ROM_SIZE - 16);
        }
        // JMP FAR F000:post at F000:FFF0.
        assert_eq!(ROM_IMAGE[0xFFF0], 0xEA);
        assert_eq!(&ROM_IMAGE[0xFFF3..0xFFF5], &[0x00, 0xF0]);
        assert_eq!(ROM_IMAGE[usize::from(h.default_iret)], 0xCF);
        assert_eq!(ROM_IMAGE[0xFFFE], 0xFC);
        // Version 2 fields: fonts and video tables inside the image.
        assert_eq!(&ROM_IMAGE[8..10], &[2, 0]);
        for off in [
            h.font8x14,
            h.font_alt,
            h.vbe_oem,
            h.vbe_window,
            h.video_functionality,
        ] {
            assert!(off > 0 && usize::from(off) < ROM_SIZE - 16);
        }
        assert_eq!(ROM_IMAGE[usize::from(h.font_alt)], 0);
        let a = usize::from(h.font8x14) + 0xDB * 14;
        assert_eq!(&ROM_IMAGE[a..a + 14], &[0xFF; 14], "8x14 full block");
        assert!(ROM_IMAGE[usize::from(h.vbe_oem)..].starts_with(b"ox86"));
    }

    #[test]
    fn every_service_stub_traps_to_its_vector() {
        let h = RomHeader::parse(ROM_IMAGE);
        for v in [
            0x10u8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A,
        ] {
            let off = h.vectors.iter().find(|e| e.0 == v).unwrap().1 as usize;
            let ip = off + 2;
            let b = [
                ROM_IMAGE[ip - 2],
                ROM_IMAGE[ip - 1],
                ROM_IMAGE[ip],
                ROM_IMAGE[ip + 1],
                ROM_IMAGE[ip + 2],
            ];
            assert_eq!(is_trap(ROM_BASE + ip as u32, b), Some(v), "vector {v:#x}");
        }
    }

    #[test]
    fn traps_outside_the_rom_or_without_the_out_are_ignored() {
        let b = [OUT_IMM8_AL, TRAP_PORT, 0x0F, 0x0B, 0x13];
        assert_eq!(is_trap(ROM_BASE + 0x100, b), Some(0x13));
        assert_eq!(is_trap(0x7C00, b), None);
        assert_eq!(is_trap(ROM_BASE + 0xFFFF, b), None);
        let mut nb = b;
        nb[1] = 0x80;
        assert_eq!(is_trap(ROM_BASE + 0x100, nb), None);
        nb = b;
        nb[3] = 0x90;
        assert_eq!(is_trap(ROM_BASE + 0x100, nb), None);
    }

    /// Random registers and memory into every service never panic (the
    /// host must survive any guest input).
    #[test]
    fn services_survive_random_input() {
        let (mut fw, mut bus, _) = testutil::setup();
        fw.attach_hard_disk(Box::new(MemDisk::new(vec![0x55; 512 * 40], 512)));
        fw.attach_floppy(Box::new(MemDisk::new(vec![0; 512 * 2880], 512)));
        fw.attach_cdrom(Box::new(MemDisk::new(vec![0; 2048 * 20], 2048)));
        let mut seed = 0x1234_5678_9ABC_DEF1u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        post::post(&mut fw, &mut Regs::default(), &mut bus);
        // Garbage in low memory (DAPs, buffers, the BDA's pointers).
        for i in 0..0x800u32 {
            bus.write_u8(0x400 + i, next() as u8);
        }
        let ids = [
            0x10u8,
            0x11,
            0x12,
            0x13,
            0x14,
            0x15,
            0x16,
            0x17,
            0x18,
            0x19,
            0x1A,
            0x40,
            0x99,
            service::KBD_IRQ,
            service::MOUSE_IRQ,
        ];
        for i in 0..20_000 {
            let v = next();
            let mut r = Regs {
                eax: v as u32,
                ebx: (v >> 32) as u32,
                ecx: next() as u32 & 0x0001_FFFF,
                edx: next() as u32,
                esi: next() as u32,
                edi: next() as u32,
                ebp: next() as u32,
                esp: next() as u32,
                ds: next() as u16,
                es: next() as u16,
                ss: next() as u16,
                ..Default::default()
            };
            // Common functions more often than chance would pick them.
            if i % 2 == 0 {
                let ah = [
                    0x02u8, 0x03, 0x08, 0x41, 0x42, 0x43, 0x48, 0x4B, 0x87, 0xE8, 0xB1,
                ];
                r.set_ah(ah[(v >> 40) as usize % ah.len()]);
                r.set_dl([0x00u8, 0x80, 0xE0, 0x81][(v >> 48) as usize % 4]);
            }
            let id = ids[(v >> 56) as usize % ids.len()];
            fw.service(id, &mut r, &mut bus);
        }
    }

    #[test]
    fn register_halves() {
        let mut r = Regs {
            eax: 0x1234_5678,
            ..Default::default()
        };
        assert_eq!((r.ah(), r.al(), r.ax()), (0x56, 0x78, 0x5678));
        r.set_ah(0xAB);
        assert_eq!(r.eax, 0x1234_AB78);
        r.set_ax(1);
        assert_eq!(r.eax, 0x1234_0001);
    }
}
