//! Power-on self test, the host part: what a PC BIOS sets up before INT 19h
//! (IBM PC/AT Technical Reference, "POST"):
//! - the interrupt vector table: every vector 00h–77h to an IRET, the
//!   ROM's handlers over that, the table pointers (1Dh video parameters
//!   (none), 1Eh diskette parameters, 1Fh/43h fonts, 41h/46h fixed disk
//!   parameters);
//! - the BIOS data area (COM ports, equipment word, 639 KiB base memory
//!   with a 1 KiB EBDA at 9FC00h, keyboard buffer, 80x25 colour text mode
//!   3, hard disk count, the tick count from the RTC's time of day);
//! - the 8237A pair (master clear, channel 4 in cascade mode, unmasked);
//! - the 8259A pair (ICW1–4: vectors 08h and 70h, cascade on IRQ2;
//!   IRQ0, IRQ1 and the cascade unmasked), the 8254 counter 0 in mode 3
//!   with count 0 (18.2 Hz), the 8042 command byte (keyboard interrupt,
//!   scan code translation), A20 enabled through port 92h, the chipset
//!   setup of `acpi::firmware_port_writes` (PIRQ routing, ELCR, the PIIX4
//!   PM block) without its PAM writes (the ROM stays visible), the PIIX
//!   IDE function 00:01.1 enabled (bus-master block at C000h, both
//!   channels decoded, I/O and bus mastering on), and the ACPI tables if
//!   given;
//! - the VGA's PCI function (1234:1111) given its framebuffer BAR0 and
//!   decoding on, the VGA in mode 3 (registers, font, palette, cleared
//!   text screen: [`int10::set_mode`]), the video ROM stub's signature at
//!   C0000h.

use super::bda::{self, at};
use super::{int10, Bus, Firmware, Regs, ROM_SEGMENT};
use crate::firmware::DriveKind;

/// The 8259A initialisation (ICW1: edge, cascade, ICW4 needed).
const PIC_ICW1: u8 = 0x11;
/// ICW4: 8086 mode.
const PIC_ICW4_8086: u8 = 0x01;
/// Master and slave vector bases.
pub const PIC_MASTER_BASE: u8 = 0x08;
pub const PIC_SLAVE_BASE: u8 = 0x70;
/// Masks after POST: IRQ0 (timer), IRQ1 (keyboard), IRQ2 (cascade) open.
const PIC_MASTER_MASK: u8 = 0xF8;
const PIC_SLAVE_MASK: u8 = 0xFF;
/// 8254 control word: counter 0, LSB then MSB, mode 3, binary.
const PIT_CTRL_C0_MODE3: u8 = 0x36;
/// 8042 command "write command byte", and the byte: keyboard interrupt
/// (bit 0), system flag (bit 2), translation to set 1 (bit 6).
const KBC_WRITE_CMD: u8 = 0x60;
const KBC_CMD_BYTE: u8 = 0x45;
/// 8237A pair: master clear (slave 0Dh, master DAh), the master's mode
/// register (D6h) and single-channel mask (D4h); mode C0h = cascade on
/// channel 4 (the slave's input), mask 00h = channel 4 unmasked.
const DMA1_MASTER_CLEAR: u16 = 0x0D;
const DMA2_MASTER_CLEAR: u16 = 0xDA;
const DMA2_MODE: u16 = 0xD6;
const DMA2_SINGLE_MASK: u16 = 0xD4;
const DMA_MODE_CASCADE_CH4: u8 = 0xC0;
const DMA_UNMASK_CH4: u8 = 0x00;
/// CMOS shutdown status byte.
const CMOS_SHUTDOWN: u8 = 0x0F;
/// Port 92h fast A20 bit.
const PORT92_A20: u8 = 0x02;

/// Vectors that hold table pointers rather than code.
const VEC_VIDEO_PARAMS: usize = 0x1D;
const VEC_DISKETTE_PARAMS: usize = 0x1E;
const VEC_FONT_HIGH: usize = 0x1F;
const VEC_HD0_PARAMS: usize = 0x41;
const VEC_FONT_8X8: usize = 0x43;
const VEC_HD1_PARAMS: usize = 0x46;

/// Run POST: the machine is in the state after reset (or a warm reset).
pub fn post(fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) {
    bus.outb(0x80, 0x01);
    // A reset after an El Torito emulation boot: the real drives again.
    fw.end_emulation();
    write_ivt(fw, bus);
    write_bda(fw, bus);
    init_devices(bus);
    if let Some(acpi) = &fw.config.acpi {
        for s in &acpi.segments {
            bus.write(s.addr, &s.data);
        }
    }
    write_vga_signature(bus);
    int10::set_mode(fw, bus, 3);
    fw.keyboard = Default::default();
    fw.wait_until = None;
    // The stub goes on with STI; INT 19h on the POST stack (0:7000h).
    r.ds = 0;
    r.es = 0;
    bus.outb(0x80, 0x02);
}

fn write_ivt(fw: &Firmware, bus: &mut dyn Bus) {
    let far = |off: u16| u32::from(ROM_SEGMENT) << 16 | u32::from(off);
    let mut ivt = [0u32; 256];
    for v in ivt.iter_mut().take(0x78) {
        *v = far(fw.header.default_iret);
    }
    ivt[0x60..0x70].fill(0);
    for &(v, off) in &fw.header.vectors {
        ivt[usize::from(v)] = far(off);
    }
    ivt[VEC_VIDEO_PARAMS] = 0;
    ivt[VEC_DISKETTE_PARAMS] = far(fw.header.diskette_params);
    ivt[VEC_FONT_8X8] = far(fw.header.font8x8);
    ivt[VEC_FONT_HIGH] = far(fw.header.font8x8.wrapping_add(128 * 8));
    ivt[VEC_HD0_PARAMS] = far(fw.header.fixed_disk_params);
    ivt[VEC_HD1_PARAMS] = far(fw.header.fixed_disk_params);
    let mut bytes = [0u8; 1024];
    for (i, v) in ivt.iter().enumerate() {
        bytes[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
    }
    bus.write(0, &bytes);
}

fn write_bda(fw: &Firmware, bus: &mut dyn Bus) {
    bus.write(bda::BDA, &[0u8; 256]);
    let ebda = u32::from(bda::EBDA_SEGMENT) << 4;
    bus.write(ebda, &[0u8; 1024]);
    bus.write_u8(ebda, bda::EBDA_KIB);
    for (i, p) in [0x3F8u16, 0x2F8, 0x3E8, 0x2E8].iter().enumerate() {
        bus.write_u16(at(bda::COM_PORTS) + 2 * i as u32, *p);
    }
    bus.write_u16(at(bda::EBDA_SEG), bda::EBDA_SEGMENT);
    let floppies = fw
        .drives
        .iter()
        .filter(|d| d.kind == DriveKind::Floppy && d.number < 0x80)
        .count() as u16;
    let hard_disks = fw
        .drives
        .iter()
        .filter(|d| d.kind == DriveKind::HardDisk && d.number >= 0x80)
        .count() as u8;
    // Equipment word: bit 0 diskette drives, bit 1 x87, bits 4-5 = 10b
    // (80x25 colour), bits 6-7 diskette count - 1, bits 9-11 serial ports.
    let mut equip: u16 = 0b10 << 4 | 4 << 9;
    if floppies > 0 {
        equip |= 1 | (floppies.min(4) - 1) << 6;
    }
    if fw.config.fpu {
        equip |= 2;
    }
    bus.write_u16(at(bda::EQUIPMENT), equip);
    let base_kib = (fw.config.ram_size.min(0xA_0000) / 1024) as u16;
    bus.write_u16(
        at(bda::MEMORY_KIB),
        base_kib.saturating_sub(u16::from(bda::EBDA_KIB)),
    );
    bus.write_u16(at(bda::KBD_HEAD), bda::KBD_BUFFER);
    bus.write_u16(at(bda::KBD_TAIL), bda::KBD_BUFFER);
    bus.write_u16(at(bda::KBD_START), bda::KBD_BUFFER);
    bus.write_u16(at(bda::KBD_END), bda::KBD_BUFFER_END);
    bus.write_u8(at(bda::KBD_FLAGS3), 0x10);
    bus.write_u8(at(bda::HD_COUNT), hard_disks);
    let ticks = ticks_from_rtc(bus);
    bus.write_u32(at(bda::TICKS), ticks);
}

/// Ticks since midnight from the RTC's time of day (BCD or binary per
/// status register B).
fn ticks_from_rtc(bus: &mut dyn Bus) -> u32 {
    let (h, m, s) = super::int1a::rtc_time(bus);
    let secs = u64::from(h) * 3600 + u64::from(m) * 60 + u64::from(s);
    // 1193182 / 65536 ticks per second.
    ((secs * 1_193_182 / 65_536) as u32).min(bda::TICKS_PER_DAY - 1)
}

fn init_devices(bus: &mut dyn Bus) {
    // 8259A pair.
    bus.outb(0x20, PIC_ICW1);
    bus.outb(0xA0, PIC_ICW1);
    bus.outb(0x21, PIC_MASTER_BASE);
    bus.outb(0xA1, PIC_SLAVE_BASE);
    bus.outb(0x21, 0x04);
    bus.outb(0xA1, 0x02);
    bus.outb(0x21, PIC_ICW4_8086);
    bus.outb(0xA1, PIC_ICW4_8086);
    bus.outb(0x21, PIC_MASTER_MASK);
    bus.outb(0xA1, PIC_SLAVE_MASK);
    // 8254 counter 0: 65536 → 18.2 Hz.
    bus.outb(0x43, PIT_CTRL_C0_MODE3);
    bus.outb(0x40, 0);
    bus.outb(0x40, 0);
    // 8237A pair: both cleared, channel 4 cascades the slave. The floppy
    // controller is left in reset (DOR 0): INT 13h does not use it and
    // an OS driver resets it itself.
    bus.outb(DMA1_MASTER_CLEAR, 0);
    bus.outb(DMA2_MASTER_CLEAR, 0);
    bus.outb(DMA2_MODE, DMA_MODE_CASCADE_CH4);
    bus.outb(DMA2_SINGLE_MASK, DMA_UNMASK_CH4);
    // 8042 command byte.
    bus.outb(0x64, KBC_WRITE_CMD);
    bus.outb(0x60, KBC_CMD_BYTE);
    // Drop what the keyboard and mouse sent at power-on (BAT codes): a
    // mouse byte left in the output buffer would block the keyboard.
    for _ in 0..32 {
        if bus.inb(0x64) & 1 == 0 {
            break;
        }
        bus.inb(0x60);
    }
    // CMOS shutdown byte: normal POST next time.
    bus.outb(0x70, CMOS_SHUTDOWN);
    bus.outb(0x71, 0);
    // A20 on (port 92h, keeping the reset bit clear).
    let p92 = bus.inb(0x92);
    bus.outb(0x92, (p92 | PORT92_A20) & !1);
    // Chipset: PIRQ routing, ELCR, PM block, SCI_EN; not the PAM
    // registers (i440FX 59h–5Fh), which would hide this ROM.
    let writes = crate::acpi::firmware_port_writes();
    let mut skip_next = false;
    for w in writes {
        if skip_next {
            skip_next = false;
            continue;
        }
        if w.port == 0xCF8 && is_pam_address(w.value) {
            skip_next = true;
            continue;
        }
        bus.port_out(w.port, w.size, w.value);
    }
    setup_ide(bus);
    int10::vbe::assign_lfb(bus);
}

/// PCI bus 0 device 1 function 1: the PIIX IDE controller.
const IDE_DEV: u32 = 1;
const IDE_FUNC: u32 = 1;

/// Enable the PIIX IDE function as a PC BIOS leaves it.
fn setup_ide(bus: &mut dyn Bus) {
    use devices::pci::config::{PCI_COMMAND, PCI_COMMAND_IO, PCI_COMMAND_MASTER};
    use devices::pci::ide::{
        FIRMWARE_BMIBA, IDETIM_IDE_DECODE, PIIX_IDE_BMIBA, PIIX_IDE_IDETIM_PRI, PIIX_IDE_IDETIM_SEC,
    };
    let mut write = |reg: u8, size: u8, v: u32| {
        let addr = 0x8000_0000 | IDE_DEV << 11 | IDE_FUNC << 8 | u32::from(reg & 0xFC);
        bus.port_out(0xCF8, 4, addr);
        bus.port_out(0xCFC + u16::from(reg & 3), size, v);
    };
    write(PIIX_IDE_BMIBA, 4, u32::from(FIRMWARE_BMIBA) | 1);
    write(PIIX_IDE_IDETIM_PRI, 2, u32::from(IDETIM_IDE_DECODE));
    write(PIIX_IDE_IDETIM_SEC, 2, u32::from(IDETIM_IDE_DECODE));
    write(
        PCI_COMMAND,
        2,
        u32::from(PCI_COMMAND_IO | PCI_COMMAND_MASTER),
    );
    bus.port_out(0xCF8, 4, 0);
}

/// CONFIG_ADDRESS of an i440FX (bus 0, device 0, function 0) PAM register.
fn is_pam_address(addr: u32) -> bool {
    addr & 0x80FF_FF00 == 0x8000_0000 && (0x58..=0x5F).contains(&(addr & 0xFC))
}

/// The option ROM header of a video BIOS at C0000h (55 AA, 32 KiB, a
/// RETF at the init entry) in the RAM there: ox86's VGA has no option ROM
/// of its own (this BIOS is its video BIOS, INT 10h stays vectored here),
/// and software that probes for a video BIOS finds one.
fn write_vga_signature(bus: &mut dyn Bus) {
    bus.write(super::VGA_ROM_BASE, &[0x55, 0xAA, 0x40, 0xCB]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::testutil::TestBus;
    use crate::firmware::{FirmwareConfig, MemDisk};

    #[test]
    fn post_fills_ivt_and_bda() {
        let mut fw = Firmware::new(FirmwareConfig::new(32 << 20));
        fw.attach_hard_disk(Box::new(MemDisk::new(vec![0; 512 * 100], 512)));
        fw.attach_floppy(Box::new(MemDisk::new(vec![0; 1_474_560], 512)));
        let mut bus = TestBus::new();
        let mut r = Regs::default();
        post(&mut fw, &mut r, &mut bus);
        let vec13 = bus.read_u32(0x13 * 4);
        assert_eq!(vec13 >> 16, 0xF000);
        let off13 = fw.header.vectors.iter().find(|e| e.0 == 0x13).unwrap().1;
        assert_eq!(vec13 & 0xFFFF, u32::from(off13));
        // Unused vectors: the IRET; 60h–67h: 0.
        assert_eq!(
            bus.read_u32(0x05 * 4),
            0xF000_0000 | u32::from(fw.header.default_iret)
        );
        assert_eq!(bus.read_u32(0x60 * 4), 0);
        assert_eq!(bus.read_u16(at(bda::MEMORY_KIB)), 639);
        assert_eq!(bus.read_u16(at(bda::EBDA_SEG)), 0x9FC0);
        assert_eq!(bus.read_u16(at(bda::COM_PORTS)), 0x3F8);
        assert_eq!(bus.read_u8(at(bda::HD_COUNT)), 1);
        let equip = bus.read_u16(at(bda::EQUIPMENT));
        assert_eq!(equip & 0xC1, 0x01, "one floppy");
        assert_eq!(equip & 0x30, 0x20, "80x25 colour");
        assert_eq!(bus.read_u8(at(bda::VIDEO_MODE)), 3);
        assert_eq!(bus.read_u16(0xC0000), 0xAA55);
        // The PIC got ICW1 and vector bases; the PAM registers were not
        // written.
        assert!(bus.outs.contains(&(0x20, PIC_ICW1 as u32)));
        assert!(bus.outs.contains(&(0xA1, PIC_SLAVE_BASE as u32)));
        assert!(bus
            .outs
            .contains(&(DMA2_MODE, u32::from(DMA_MODE_CASCADE_CH4))));
        assert!(!bus
            .outs
            .iter()
            .any(|&(p, v)| p == 0xCF8 && is_pam_address(v)));
        assert!(bus
            .outs
            .iter()
            .any(|&(p, v)| p == 0xCF8 && v == 0x8000_0860));
    }

    #[test]
    fn pam_addresses() {
        assert!(is_pam_address(0x8000_0058));
        assert!(is_pam_address(0x8000_005C));
        assert!(!is_pam_address(0x8000_0060));
        assert!(!is_pam_address(0x8000_0858));
    }
}
