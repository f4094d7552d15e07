//! The machine side of the built-in BIOS ([`bios::firmware`]): the trap
//! dispatch and the [`bios::firmware::Bus`] the services use.
//!
//! A ROM stub executes `out 0xEF, al` followed by a UD2 marker and a
//! service id. OUT ends the CPU's block (it sets `Cpu::irq_check`), so
//! [`Machine::run_slice`] regains control with CS:IP on the marker; before
//! it looks at interrupts it calls [`Machine::firmware_trap`], which
//! recognises the marker (real mode, CS:IP in F0000h–FFFFFh, the OUT
//! before it), moves IP past the id byte, runs the service with the
//! registers copied into [`bios::firmware::Regs`] and copies them back.
//! A service's [`Outcome::Wait`] sets the live CF, which makes the stub
//! halt with interrupts enabled and call again.
//!
//! Disks: INT 13h reads and writes the media of the IDE controller
//! (`IoBus::ide`, [`devices::ide::Ide::media_mut`]) directly, so the BIOS
//! and an OS's IDE driver share one image (and one `--snapshot` overlay).
//! Floppies are owned by the firmware until the floppy controller exists.

use super::Machine;
use crate::cpu::flags::Flags;
use crate::cpu::{Cpu, SegReg};
use bios::firmware::{self, DiskSlot, DriveKind, Firmware, Outcome, Regs};
use devices::block::{BlockDevice, MediaKind};

/// The firmware's view of the CPU's memory and ports.
struct CpuBus<'a>(&'a mut Cpu);

impl CpuBus<'_> {
    /// Some page of `[addr, addr + len)` is memory-mapped I/O.
    fn touches_mmio(&self, addr: u32, len: usize) -> bool {
        const PAGE: u64 = 4096;
        let start = u64::from(addr) & !(PAGE - 1);
        let end = u64::from(addr) + len as u64;
        (start..end)
            .step_by(PAGE as usize)
            .any(|p| self.0.mem.is_mmio(p as u32))
    }
}

impl firmware::Bus for CpuBus<'_> {
    fn read(&mut self, addr: u32, buf: &mut [u8]) {
        if self.touches_mmio(addr, buf.len()) {
            // Device memory (e.g. a VGA window): CPU data accesses.
            for (i, b) in buf.iter_mut().enumerate() {
                *b = self.0.phys_load(addr.wrapping_add(i as u32), 1) as u8;
            }
        } else {
            self.0.mem.read_bytes(addr, buf);
        }
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        if self.touches_mmio(addr, data.len()) {
            for (i, &b) in data.iter().enumerate() {
                self.0
                    .phys_store(addr.wrapping_add(i as u32), 1, u64::from(b));
            }
        } else {
            self.0.mem.write_bytes(addr, data);
        }
    }
    fn port_in(&mut self, port: u16, size: u8) -> u32 {
        self.0.port_in(port, u32::from(size)).unwrap_or(u32::MAX)
    }
    fn port_out(&mut self, port: u16, size: u8, value: u32) {
        let _ = self.0.port_out(port, u32::from(size), value);
    }
    fn now_ns(&mut self) -> u64 {
        self.0.io.clock.now_ns(self.0.icount)
    }
    fn fdc_media(&mut self, drive: u8) -> Option<&mut BlockDevice> {
        self.0.io.fdc.as_mut()?.media_mut(usize::from(drive))
    }
    fn ide_media(&mut self, channel: u8, unit: u8) -> Option<&mut BlockDevice> {
        self.0
            .io
            .ide
            .as_mut()?
            .media_mut(usize::from(channel), usize::from(unit))
    }
}

const GPRS: usize = 8;
const SEGS: [SegReg; 6] = [
    SegReg::Cs,
    SegReg::Ds,
    SegReg::Es,
    SegReg::Ss,
    SegReg::Fs,
    SegReg::Gs,
];

fn regs_of(cpu: &Cpu) -> Regs {
    let s = &cpu.state;
    let g = |i: usize| s.regs[i] as u32;
    let sel = |r: SegReg| s.seg[r as usize].selector;
    Regs {
        eax: g(0),
        ecx: g(1),
        edx: g(2),
        ebx: g(3),
        esp: g(4),
        ebp: g(5),
        esi: g(6),
        edi: g(7),
        eip: s.rip as u32,
        eflags: s.flags.eflags(),
        cs: sel(SegReg::Cs),
        ds: sel(SegReg::Ds),
        es: sel(SegReg::Es),
        ss: sel(SegReg::Ss),
        fs: sel(SegReg::Fs),
        gs: sel(SegReg::Gs),
    }
}

fn set_regs(cpu: &mut Cpu, before: &Regs, r: &Regs) {
    let vals = [r.eax, r.ecx, r.edx, r.ebx, r.esp, r.ebp, r.esi, r.edi];
    for (i, v) in vals.iter().enumerate().take(GPRS) {
        cpu.state.regs[i] = u64::from(*v);
    }
    let sels = [r.cs, r.ds, r.es, r.ss, r.fs, r.gs];
    let old = [
        before.cs, before.ds, before.es, before.ss, before.fs, before.gs,
    ];
    for ((seg, new), old) in SEGS.iter().zip(sels).zip(old) {
        if new != old {
            // Real mode: cannot fault.
            let _ = cpu.load_seg(*seg, new);
        }
    }
    cpu.state.rip = u64::from(r.eip & 0xFFFF);
    if r.eflags != before.eflags {
        cpu.state.flags = Flags::from_bits(r.eflags);
    }
}

impl Machine {
    /// Run `f` with the firmware's view of memory and ports, from the host
    /// (e.g. what a BIOS leaves set up for a directly booted kernel:
    /// [`bios::linux::vga::set_text_mode`]).
    pub fn with_firmware_bus<R>(&mut self, f: impl FnOnce(&mut dyn firmware::Bus) -> R) -> R {
        f(&mut CpuBus(&mut self.cpu))
    }

    /// Attach the built-in BIOS (its ROM must be the machine's `bios`
    /// image: [`Firmware::rom_image`]).
    pub fn install_firmware(&mut self, fw: Firmware) {
        self.firmware = Some(Box::new(fw));
    }

    /// Attach the built-in BIOS, serving the floppy controller's drives
    /// (00h, 01h), then `floppies` (images it owns, for a board without the
    /// 82077AA), and the IDE controller's drives (hard disks from 80h in
    /// channel/unit order, the first CD-ROM as E0h).
    pub fn install_builtin_bios(
        &mut self,
        config: firmware::FirmwareConfig,
        floppies: Vec<BlockDevice>,
    ) {
        let mut fw = Firmware::new(config);
        if let Some(fdc) = self.cpu.io.fdc.as_mut() {
            for drive in 0..4u8 {
                if let Some(m) = fdc.media_mut(usize::from(drive)) {
                    let bytes = m.size_bytes();
                    fw.attach_slot(DriveKind::Floppy, DiskSlot::Fdc { drive }, bytes);
                }
            }
        }
        for f in floppies {
            fw.attach(DriveKind::Floppy, Box::new(f));
        }
        if let Some(ide) = self.cpu.io.ide.as_mut() {
            for channel in 0..2u8 {
                for unit in 0..2u8 {
                    let Some(m) = ide.media_mut(usize::from(channel), usize::from(unit)) else {
                        continue;
                    };
                    let kind = match m.kind() {
                        MediaKind::Cdrom => DriveKind::Cdrom,
                        MediaKind::Floppy => DriveKind::Floppy,
                        MediaKind::Disk => DriveKind::HardDisk,
                    };
                    let bytes = m.size_bytes();
                    fw.attach_slot(kind, DiskSlot::Ide { channel, unit }, bytes);
                }
            }
        }
        self.install_firmware(fw);
    }

    /// The built-in BIOS, if attached.
    pub fn firmware(&mut self) -> Option<&mut Firmware> {
        self.firmware.as_deref_mut()
    }

    /// If the CPU stopped on a firmware trap, run the service. Returns
    /// true if it did.
    pub(super) fn firmware_trap(&mut self) -> bool {
        let Some(fw) = self.firmware.as_deref_mut() else {
            return false;
        };
        let cpu = &mut self.cpu;
        if cpu.state.protected() {
            return false;
        }
        let lin = cpu.linear_ip();
        if !(firmware::ROM_BASE..firmware::ROM_BASE + firmware::ROM_SIZE as u32).contains(&lin) {
            return false;
        }
        let mut b = [0u8; 5];
        cpu.mem.read_bytes(lin.wrapping_sub(2), &mut b);
        let Some(id) = firmware::is_trap(lin, b) else {
            return false;
        };
        cpu.state.rip = (cpu.state.rip + u64::from(firmware::TRAP_SKIP)) & 0xFFFF;
        let before = regs_of(cpu);
        let mut r = before;
        let outcome = fw.service(id, &mut r, &mut CpuBus(cpu));
        match outcome {
            Outcome::Done => r.eflags &= !firmware::flag::CF,
            Outcome::Wait => r.eflags |= firmware::flag::CF,
            Outcome::Jump => {}
        }
        set_regs(cpu, &before, &r);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::{MachineConfig, RunOutcome};
    use bios::firmware::{FirmwareConfig, MemDisk};

    /// A machine with the built-in BIOS and a hard disk whose boot sector
    /// is `code` (signature added).
    fn machine(code: &[u8]) -> Machine {
        machine_on(crate::CpuModel::Pentium, code)
    }

    fn machine_on(model: crate::CpuModel, code: &[u8]) -> Machine {
        let mut m = Machine::new(&MachineConfig {
            model,
            bios: Some(Firmware::rom_image()),
            exit_port: Some(0xF4),
            ..Default::default()
        })
        .unwrap();
        let mut fw = Firmware::new(FirmwareConfig::new(32 << 20));
        let mut img = vec![0u8; 512 * 64];
        img[..code.len()].copy_from_slice(code);
        img[510] = 0x55;
        img[511] = 0xAA;
        img[512] = 0x77;
        fw.attach_hard_disk(Box::new(MemDisk::new(img, 512)));
        m.install_firmware(fw);
        m
    }

    #[test]
    fn boots_a_sector_that_uses_int13_and_int10() {
        // mov ax,0x0201; mov cx,2; mov dx,0x80; xor bx,bx; mov es,bx;
        // mov bx,0x600; int 13h; jc fail; mov al,[0x600]; out 0xF4,al;
        // fail: mov al,1; out 0xF4,al
        let code = [
            0xB8, 0x01, 0x02, 0xB9, 0x02, 0x00, 0xBA, 0x80, 0x00, 0x31, 0xDB, 0x8E, 0xC3, 0xBB,
            0x00, 0x06, 0xCD, 0x13, 0x72, 0x05, 0xA0, 0x00, 0x06, 0xE6, 0xF4, 0xB0, 0x01, 0xE6,
            0xF4,
        ];
        // The ROM is 8086 code: it runs on every CPU model.
        for model in [
            crate::CpuModel::Pentium,
            crate::CpuModel::I80286,
            crate::CpuModel::I8086,
        ] {
            let mut m = machine_on(model, &code);
            let out = m.run_slice(5_000_000);
            // Exit status (0x77 << 1) | 1.
            assert_eq!(out, RunOutcome::Exit(0xEF), "{model:?}");
            let screen = m.cpu.io.vga.as_ref().map(|v| v.text_screen());
            let top = screen.as_ref().and_then(|s| s.first().cloned());
            assert!(
                top.as_deref().is_some_and(|l| l.starts_with("Booting")),
                "{model:?}: 'Booting from hard disk' on the VGA's text screen: {screen:?}"
            );
        }
    }

    #[test]
    fn int16_waits_for_a_key_from_the_8042() {
        // xor ah,ah; int 16h; out 0xF4,al; hlt
        let code = [0x30, 0xE4, 0xCD, 0x16, 0xE6, 0xF4, 0xF4];
        let mut m = machine(&code);
        // No key: INT 16h keeps waiting (halting between timer ticks).
        for _ in 0..3 {
            assert_eq!(m.run_slice(1_000_000), RunOutcome::Budget);
        }
        // 'a' pressed and released (scan code set 2: 1C, F0 1C).
        let kbc = m.cpu.io.kbc.as_mut().unwrap();
        kbc.key_event(&[0x1C]);
        kbc.key_event(&[0xF0, 0x1C]);
        let mut out = RunOutcome::Budget;
        for _ in 0..50 {
            out = m.run_slice(1_000_000);
            if out != RunOutcome::Budget {
                break;
            }
        }
        assert_eq!(out, RunOutcome::Exit(u32::from(b'a') << 1 | 1));
    }

    #[test]
    fn ps2_mouse_packets_reach_the_int15_c2_handler() {
        // INT 15h C205h (3-byte packets), C207h (handler at 0:7C31),
        // C200h enable, print 'R', then sti/hlt forever; the handler
        // writes the X byte ([bp+10]) to the exit port.
        let code = [
            0x31, 0xC0, 0x8E, 0xD8, 0x8E, 0xC0, 0xB8, 0x05, 0xC2, 0xB7, 0x03, 0xCD, 0x15, 0x72,
            0x1B, 0xB8, 0x07, 0xC2, 0xBB, 0x31, 0x7C, 0xCD, 0x15, 0x72, 0x11, 0xB8, 0x00, 0xC2,
            0xB7, 0x01, 0xCD, 0x15, 0x72, 0x08, 0xB0, 0x52, 0xE6, 0xE9, 0xFB, 0xF4, 0xEB, 0xFC,
            0x88, 0xE0, 0x0C, 0x40, 0xE6, 0xF4, 0xF4, 0x55, 0x89, 0xE5, 0x8A, 0x46, 0x0A, 0xE6,
            0xF4, 0x5D, 0xCB,
        ];
        let mut m = machine(&code);
        for _ in 0..5 {
            assert_eq!(m.run_slice(1_000_000), RunOutcome::Budget);
        }
        assert_eq!(m.cpu.io.debug.take_console(), b"R", "services answered");
        m.cpu.io.kbc.as_mut().unwrap().mouse_motion(5, 0, 0, 0);
        let mut out = RunOutcome::Budget;
        for _ in 0..50 {
            out = m.run_slice(1_000_000);
            if out != RunOutcome::Budget {
                break;
            }
        }
        assert_eq!(out, RunOutcome::Exit(5 << 1 | 1));
    }
}
