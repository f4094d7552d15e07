//! Firmware images on the board and what real firmware (SeaBIOS) expects
//! of a QEMU-style PC besides the chipset.
//!
//! ROM mapping, as on QEMU's `pc` machine:
//! - the system BIOS (`--bios`, up to 256 KiB) sits just below 4 GiB (the
//!   reset vector at FFFFFFF0h; below 16 MiB on the 80286's 24-bit bus),
//!   and its last 128 KiB (all of a smaller image) also ends at 1 MiB, in
//!   E0000–FFFFF ("isa-bios"). A 256 KiB SeaBIOS therefore shows its
//!   second half in the first MiB, leaving C0000–DFFFF to option ROMs.
//! - a VGA BIOS (`--vgabios`) is an ISA option ROM at C0000 (it must start
//!   with 55h AAh; a bad checksum is logged as a warning).
//!
//! Real firmware ([`MachineConfig::firmware_interfaces`]) also gets:
//! - QEMU's fw_cfg ([`devices::fw_cfg`]) with the RAM size, one CPU, the
//!   E820 map of the RAM (one entry from 0: firmware carves out its own
//!   holes, as with QEMU's `etc/e820`), the boot order and options, and
//!   the VGA BIOS again (SeaBIOS loads option ROMs from fw_cfg into shadow
//!   RAM it has just made writable, which hides the ROM mapped at C0000):
//!   as `pci1234,1111.rom`, the ROM of the PCI VGA function, when there is
//!   one — SeaBIOS then starts it with that function's bus/device/function
//!   in AX, and SeaBIOS's VGA BIOS reads the framebuffer address from its
//!   BAR0 (as `vgaroms/vgabios.bin`, a ROM of no device, it was started
//!   with 00:00.0 and reported the wrong PhysBasePtr: GRUB's gfxterm
//!   drew into nothing); as `vgaroms/vgabios.bin` with `--vga none`;
//! - a firmware log port (isa-debugcon, SeaBIOS writes to 0x402);
//! - PAM shadow RAM from power-on ([`crate::memory::Memory::set_pam`]):
//!   C0000–FFFFF start on the bus (ROM or open bus) and follow the
//!   i440FX's PAM registers, which SeaBIOS programs to copy itself to RAM.
//!
//! Without `firmware_interfaces` (the built-in BIOS, a test ROM, a directly
//! booted kernel) none of these are present and C0000–FFFFF is RAM where
//! no ROM is mapped.

use super::{Machine, MachineConfig};
use crate::cpu::CpuModel;
use crate::memory::Memory;
use devices::fw_cfg::{FwCfg, FwCfgConfig, FwCfgError, E820_RAM};
use std::sync::Arc;
use thiserror::Error;

/// Where a VGA BIOS option ROM is mapped.
pub const VGA_BIOS_BASE: u64 = 0xC_0000;
/// Largest VGA BIOS (C0000–DFFFF).
pub const VGA_BIOS_MAX: usize = 128 * 1024;
/// The part of the system BIOS also mapped below 1 MiB.
pub const ISA_BIOS_SIZE: usize = 128 * 1024;
/// Largest system BIOS image.
pub const BIOS_MAX: usize = 256 * 1024;
/// SeaBIOS's debug output port (QEMU `isa-debugcon,iobase=0x402`).
pub const FIRMWARE_LOG_PORT: u16 = devices::debugcon::FIRMWARE_LOG_PORT;
/// Option ROM signature (bytes 0–1).
pub const OPTION_ROM_SIGNATURE: [u8; 2] = [0x55, 0xAA];

/// What the board offers real firmware such as SeaBIOS (see the module
/// docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FirmwareInterfaces {
    /// Offer the firmware's boot menu (fw_cfg BOOT_MENU).
    pub boot_menu: bool,
    /// The `bootorder` file: OpenFirmware device paths, first first.
    pub bootorder: Vec<String>,
    /// `etc/boot-fail-wait` in ms (`u32::MAX`: never retry); `None` leaves
    /// the firmware's default (SeaBIOS: retry after 60 s).
    pub boot_fail_wait_ms: Option<u32>,
    /// Boot order as QEMU's `-boot order=` letters, first first: `a`
    /// floppy, `c` hard disk, `d` CD-ROM, `n` network; at most three are
    /// kept. Written to CMOS 3Dh (first two) and 38h bits 7–4 (third),
    /// where SeaBIOS on QEMU reads it. Empty: the firmware's default.
    pub boot_order: String,
}

/// CMOS byte holding the first (bits 3–0) and second (7–4) boot device.
pub const CMOS_BOOT_ORDER_1_2: usize = 0x3D;
/// CMOS byte holding the third boot device (bits 7–4); bit 0 set skips
/// the floppy boot-signature check.
pub const CMOS_BOOT_ORDER_3: usize = 0x38;

/// The CMOS boot-device code of a `-boot` letter (1 floppy, 2 hard disk,
/// 3 CD-ROM, 4 network).
pub fn boot_device_code(letter: char) -> Option<u8> {
    match letter.to_ascii_lowercase() {
        'a' => Some(1),
        'c' => Some(2),
        'd' => Some(3),
        'n' => Some(4),
        _ => None,
    }
}

/// A firmware image that cannot be mapped.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FirmwareError {
    #[error(
        "BIOS image is {0} bytes; it must be a non-zero multiple of 4 KiB and at most 256 KiB"
    )]
    BadBiosSize(usize),
    #[error("VGA BIOS is {0} bytes; it must be between 512 bytes and 128 KiB")]
    BadVgaBiosSize(usize),
    #[error("VGA BIOS does not start with the option ROM signature 55 AA")]
    NoOptionRomSignature,
    #[error("boot order {0:?}: use the letters a, c, d and n")]
    BadBootOrder(String),
    #[error(transparent)]
    FwCfg(#[from] FwCfgError),
}

/// Check an option ROM's header: 55 AA, then the length in 512-byte units
/// at byte 2, whose bytes must sum to 0 mod 256. Returns a warning for a
/// bad length or checksum (firmware may still run such a ROM; SeaBIOS
/// checks the checksum only on some builds).
pub fn check_option_rom(rom: &[u8]) -> Result<Option<String>, FirmwareError> {
    if rom.len() < 512 || rom.len() > VGA_BIOS_MAX {
        return Err(FirmwareError::BadVgaBiosSize(rom.len()));
    }
    if rom[..2] != OPTION_ROM_SIGNATURE {
        return Err(FirmwareError::NoOptionRomSignature);
    }
    let len = usize::from(rom[2]) * 512;
    if len == 0 || len > rom.len() {
        return Ok(Some(format!(
            "option ROM length byte says {len} bytes, the image has {}",
            rom.len()
        )));
    }
    let sum = rom[..len].iter().fold(0u8, |s, &b| s.wrapping_add(b));
    Ok((sum != 0).then(|| format!("option ROM checksum is {sum:#04x}, not 0")))
}

/// Map the system BIOS and the VGA BIOS of `cfg` (see the module docs).
pub(super) fn map_roms(mem: &mut Memory, cfg: &MachineConfig) -> Result<(), FirmwareError> {
    if let Some(rom) = &cfg.bios {
        let len = rom.len();
        if len == 0 || len % 4096 != 0 || len > BIOS_MAX {
            return Err(FirmwareError::BadBiosSize(len));
        }
        let low: Arc<[u8]> = if len > ISA_BIOS_SIZE {
            Arc::from(&rom[len - ISA_BIOS_SIZE..])
        } else {
            rom.clone()
        };
        // Sizes checked: page aligned and below 4 GiB, cannot fail.
        let _ = mem.map_rom(0x10_0000 - low.len() as u64, low);
        let top: u64 = match cfg.model {
            CpuModel::I80286 => 1 << 24,
            _ => 1 << 32,
        };
        let _ = mem.map_rom(top - len as u64, rom.clone());
    }
    if let Some(vga) = &cfg.vga_bios {
        if let Some(w) = check_option_rom(vga)? {
            log::warn!("VGA BIOS: {w}");
        }
        let _ = mem.map_rom(VGA_BIOS_BASE, vga.clone());
    }
    Ok(())
}

/// The fw_cfg contents for `cfg` (with `fw` its firmware options).
pub fn fw_cfg_config(cfg: &MachineConfig, fw: &FirmwareInterfaces) -> FwCfgConfig {
    FwCfgConfig {
        ram_size: cfg.ram_size,
        cpus: 1,
        boot_menu: fw.boot_menu,
        e820: vec![(0, cfg.ram_size, E820_RAM)],
        bootorder: fw.bootorder.clone(),
        boot_fail_wait_ms: fw.boot_fail_wait_ms,
        // With the PCI VGA the ROM is that function's (install_firmware_interfaces).
        vga_roms: cfg
            .vga_bios
            .iter()
            .filter(|_| !cfg.vga)
            .map(|r| ("vgabios.bin".to_string(), r.clone()))
            .collect(),
    }
}

impl Machine {
    /// Give real firmware its interfaces (fw_cfg, log port, PAM shadow
    /// RAM from power-on) when `cfg` asks for them.
    pub(super) fn install_firmware_interfaces(
        &mut self,
        cfg: &MachineConfig,
    ) -> Result<(), FirmwareError> {
        let Some(fw) = &cfg.firmware_interfaces else {
            return Ok(());
        };
        let mut codes = [0u8; 3];
        for (i, c) in fw.boot_order.chars().enumerate() {
            let code = boot_device_code(c)
                .ok_or_else(|| FirmwareError::BadBootOrder(fw.boot_order.clone()))?;
            if let Some(slot) = codes.get_mut(i) {
                *slot = code;
            }
        }
        if let Some(rtc) = self.cpu.io.rtc.as_mut() {
            if !fw.boot_order.is_empty() {
                rtc.set_ram_byte(CMOS_BOOT_ORDER_1_2, codes[0] | codes[1] << 4);
                rtc.set_ram_byte(CMOS_BOOT_ORDER_3, codes[2] << 4);
            }
        }
        let mut fw_cfg = FwCfg::for_pc(&fw_cfg_config(cfg, fw))?;
        if let (true, Some(rom)) = (cfg.vga, &cfg.vga_bios) {
            // SeaBIOS looks for a PCI device's ROM as "pciVVVV,DDDD.rom".
            use devices::vga::pci::{VGA_PCI_DEVICE, VGA_PCI_VENDOR};
            let name = format!("pci{VGA_PCI_VENDOR:04x},{VGA_PCI_DEVICE:04x}.rom");
            fw_cfg.add_file(&name, rom.to_vec())?;
        }
        self.cpu.io.fw_cfg = Some(fw_cfg);
        self.cpu.io.firmware_log = Some(devices::IsaDebugcon::new(FIRMWARE_LOG_PORT));
        self.cpu.sync_shadow_ram(true);
        Ok(())
    }

    /// Bytes the firmware wrote to its log port since the last call.
    pub fn take_firmware_log(&mut self) -> Vec<u8> {
        self.cpu
            .io
            .firmware_log
            .as_mut()
            .map(devices::IsaDebugcon::take_output)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::{MachineError, RunOutcome};
    use crate::memory::PamMode;

    /// A 128- or 256-KiB ROM whose bytes are their offset / 4 KiB, with
    /// `code` at the reset vector (FFFF0h in the image's last 16 bytes).
    fn rom(len: usize, code: &[u8]) -> Arc<[u8]> {
        let mut r: Vec<u8> = (0..len).map(|i| (i >> 12) as u8).collect();
        r[len - 16..len - 16 + code.len()].copy_from_slice(code);
        r.into()
    }

    fn option_rom(blocks: u8, fix_checksum: bool) -> Vec<u8> {
        let mut r = vec![0u8; usize::from(blocks) * 512];
        r[..3].copy_from_slice(&[0x55, 0xAA, blocks]);
        r[3] = 0xCB; // retf
        if fix_checksum {
            let sum = r.iter().fold(0u8, |s, &b| s.wrapping_add(b));
            r[5] = sum.wrapping_neg();
        }
        r
    }

    #[test]
    fn bios_images_are_mapped_below_4g_and_their_last_128k_below_1m() {
        for len in [64 << 10, 128 << 10, 256 << 10] {
            let m = Machine::new(&MachineConfig {
                bios: Some(rom(len, &[])),
                ..Default::default()
            })
            .unwrap();
            let mem = &m.cpu.mem;
            let last_page = ((len >> 12) - 1) as u64;
            assert_eq!(u64::from(mem.read_u8(0xFFFF_F000)), last_page, "{len}");
            assert_eq!(mem.read_u8(0u32.wrapping_sub(len as u32)), 0, "{len}");
            assert_eq!(u64::from(mem.read_u8(0xF_F000)), last_page, "{len}");
            let low_start = 0x10_0000 - len.min(ISA_BIOS_SIZE) as u32;
            let first_low_page = (len.saturating_sub(ISA_BIOS_SIZE) >> 12) as u8;
            assert_eq!(mem.read_u8(low_start), first_low_page, "{len}");
        }
        // 256 KiB: C0000–DFFFF is not the BIOS.
        let m = Machine::new(&MachineConfig {
            bios: Some(rom(256 << 10, &[])),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(m.cpu.mem.read_u8(0xC_0000), 0, "RAM");
    }

    #[test]
    fn bad_bios_and_vga_bios_images_are_errors() {
        for (bios, vga) in [
            (Some(vec![0u8; 300 << 10]), None),
            (Some(vec![0u8; 1000]), None),
            (None, Some(vec![0u8; 1024])),
            (None, Some(vec![0x55; 100])),
            (None, Some(vec![0x55; 200 << 10])),
        ] {
            let r = Machine::new(&MachineConfig {
                bios: bios.map(Arc::from),
                vga_bios: vga.map(Arc::from),
                ..Default::default()
            });
            assert!(r.is_err());
        }
    }

    #[test]
    fn option_rom_header_checks() {
        assert_eq!(check_option_rom(&option_rom(4, true)), Ok(None));
        assert!(check_option_rom(&option_rom(4, false)).unwrap().is_some());
        let mut short = option_rom(4, true);
        short[2] = 8;
        assert!(check_option_rom(&short)
            .unwrap()
            .unwrap()
            .contains("length"));
        assert_eq!(
            check_option_rom(&[0u8; 512]),
            Err(FirmwareError::NoOptionRomSignature)
        );
    }

    #[test]
    fn vga_bios_at_c0000_without_firmware_interfaces() {
        let m = Machine::new(&MachineConfig {
            vga_bios: Some(option_rom(4, true).into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(m.cpu.mem.read(0xC_0000, 2), 0xAA55);
        assert!(m.cpu.io.fw_cfg.is_none() && m.cpu.io.firmware_log.is_none());
        assert_eq!(m.cpu.mem.pam_mode(0xF_0000), None, "no shadow model");
    }

    /// Reset-vector code that logs "ok" on port 0x402, reads fw_cfg's
    /// signature byte 0 into the exit port, and exits.
    const LOG_AND_EXIT: &[u8] = &[
        0xBA, 0x02, 0x04, // mov dx, 0x402
        0xB0, b'o', 0xEE, // mov al, 'o'; out dx, al
        0xB0, b'k', 0xEE, // mov al, 'k'; out dx, al
        0xBA, 0x10, 0x05, // mov dx, 0x510
        0x31, 0xC0, 0xEF, // xor ax, ax; out dx, ax
        0x42, 0xEC, // inc dx; in al, dx
        0xE6, 0xF4, // out 0xf4, al
        0xF4, // hlt
    ];

    #[test]
    fn firmware_interfaces_give_fw_cfg_the_log_port_and_shadow_ram() {
        let vga = option_rom(4, true);
        let cfg = MachineConfig {
            bios: Some(rom(128 << 10, &[0xEA, 0x00, 0x00, 0x00, 0xF0])), // jmp f000:0000
            vga_bios: Some(vga.into()),
            exit_port: Some(0xF4),
            firmware_interfaces: Some(FirmwareInterfaces::default()),
            ..Default::default()
        };
        let m = Machine::new(&cfg).unwrap();
        // Power-on: the whole area on the bus; C8000 has nothing.
        assert_eq!(m.cpu.mem.read_u8(0xC_8000), 0xFF);
        assert_eq!(m.cpu.mem.pam_mode(0xF_0000), Some(PamMode::Bus));
        let names: Vec<_> = m.cpu.io.fw_cfg.as_ref().unwrap().file_names().collect();
        // The PCI VGA's ROM, which SeaBIOS runs with the VGA's BDF in AX (its
        // VGA BIOS reads BAR0 for the framebuffer address); with no PCI VGA,
        // a ROM of no device.
        assert_eq!(names, ["etc/e820", "pci1234,1111.rom"]);
        let no_vga = Machine::new(&MachineConfig {
            vga: false,
            ..cfg.clone()
        })
        .unwrap();
        let names: Vec<_> = no_vga
            .cpu
            .io
            .fw_cfg
            .as_ref()
            .unwrap()
            .file_names()
            .collect();
        assert_eq!(names, ["etc/e820", "vgaroms/vgabios.bin"]);
        // Run code at F0000 (the far jump at the reset vector goes there).
        let mut r = rom(128 << 10, &[0xEA, 0x00, 0x00, 0x00, 0xF0]).to_vec();
        r[0x1_0000..0x1_0000 + LOG_AND_EXIT.len()].copy_from_slice(LOG_AND_EXIT);
        let mut m = Machine::new(&MachineConfig {
            bios: Some(r.into()),
            ..cfg
        })
        .unwrap();
        assert_eq!(
            m.run_slice(1000),
            RunOutcome::Exit((u32::from(b'Q') << 1) | 1)
        );
        assert_eq!(m.take_firmware_log(), b"ok");
    }

    #[test]
    fn boot_order_letters_go_to_cmos() {
        let build = |order: &str| {
            Machine::new(&MachineConfig {
                firmware_interfaces: Some(FirmwareInterfaces {
                    boot_order: order.into(),
                    ..Default::default()
                }),
                ..Default::default()
            })
        };
        for (order, b3d, b38) in [("dca", 0x23, 0x10), ("C", 0x02, 0x00), ("ncda", 0x24, 0x30)] {
            let m = build(order).unwrap();
            let ram = m.cpu.io.rtc.as_ref().unwrap().ram();
            assert_eq!((ram[0x3D], ram[0x38]), (b3d, b38), "{order}");
        }
        let m = build("").unwrap();
        assert_eq!(m.cpu.io.rtc.as_ref().unwrap().ram()[0x3D], 0, "left alone");
        assert!(matches!(
            build("dx"),
            Err(MachineError::Firmware(FirmwareError::BadBootOrder(_)))
        ));
    }

    #[test]
    fn a_board_reset_puts_the_rom_back() {
        let mut m = Machine::new(&MachineConfig {
            bios: Some(rom(128 << 10, &[0xF4])),
            firmware_interfaces: Some(FirmwareInterfaces::default()),
            ..Default::default()
        })
        .unwrap();
        m.cpu.port_out(0xCF8, 4, 0x8000_0058).unwrap();
        m.cpu.port_out(0xCFD, 1, 0x30).unwrap();
        assert_eq!(m.cpu.mem.pam_mode(0xF_0000), Some(PamMode::ReadWrite));
        assert_eq!(m.cpu.mem.read_u8(0xF_FFF0), 0, "shadow RAM");
        m.cpu.port_out(0xCF9, 1, 0x06).unwrap(); // PIIX3 reset control
        m.run_slice(0);
        assert_eq!(m.resets, 1);
        assert_eq!(m.cpu.mem.pam_mode(0xF_0000), Some(PamMode::Bus));
        assert_eq!(m.cpu.mem.read_u8(0xF_FFF0), 0xF4, "the ROM again");
    }

    #[test]
    fn a_pam_write_by_the_cpu_switches_f0000_to_ram_at_once() {
        // At F0000 in ROM: enable RE|WE for F0000 (PAM0 = 30h), then write
        // a byte to F8000 and read it back: only shadow RAM keeps it.
        let code: &[u8] = &[
            0x66, 0xB8, 0x58, 0x00, 0x00, 0x80, // mov eax, 0x80000058
            0xBA, 0xF8, 0x0C, 0x66, 0xEF, // mov dx, 0xcf8; out dx, eax
            0xBA, 0xFD, 0x0C, 0xB0, 0x30,
            0xEE, // mov dx, 0xcfd; mov al, 0x30; out dx, al
                  // Now running from shadow RAM, which holds zeros: the next
                  // instructions come from the 4 GiB alias after a far jump.
        ];
        let mut r = vec![0u8; 128 << 10];
        let at = 0x1_0000; // F0000
        r[at..at + code.len()].copy_from_slice(code);
        let next = at + code.len();
        // jmp far to the same code in the high alias is not possible in
        // real mode; instead the code continues in RAM: plant it there.
        r[0x1_FFF0..0x1_FFF5].copy_from_slice(&[0xEA, 0x00, 0x00, 0x00, 0xF0]);
        let mut m = Machine::new(&MachineConfig {
            bios: Some(r.into()),
            exit_port: Some(0xF4),
            firmware_interfaces: Some(FirmwareInterfaces::default()),
            ..Default::default()
        })
        .unwrap();
        // Shadow RAM under F0000, below the PAM write: "mov al, 0x21; out
        // 0xf4, al" right where execution continues.
        m.cpu.mem.set_pam(&[0x30, 0, 0, 0, 0, 0, 0]);
        m.cpu.mem.write_bytes(
            0xF_0000 + next as u32 - at as u32,
            &[0xB0, 0x21, 0xE6, 0xF4],
        );
        m.cpu.mem.set_pam(&[0; 7]);
        assert_eq!(m.run_slice(1000), RunOutcome::Exit(0x43));
    }
}
