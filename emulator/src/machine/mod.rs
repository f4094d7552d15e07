//! The PC board: CPU, memory, devices and firmware wired together, and the
//! run loop used by the frontend.
//!
//! The machine has RAM, an optional ROM image (mapped at the top of the
//! first MiB and aliased just below 4 GiB, as a PC BIOS is), and on the
//! I/O bus the debug ports and the PC platform devices (dual 8259A, 8254
//! PIT, CMOS/RTC, 8042, port 0x92, COM1–COM4; see [`devices::io_bus`]).
//! One virtual clock ([`devices::clock`]) drives them; the scheduler in
//! [`Machine::run_slice`] (module `schedule`) runs the CPU up to the next
//! device event, passes the interrupt lines to the PIC, and skips (or
//! sleeps through) the time the CPU spends halted. A kernel can be booted
//! directly, without firmware, from a [`bios::BootImage`]
//! ([`Machine::load_boot_image`]).

mod dma;
mod firmware;
mod firmware_roms;
mod schedule;

use crate::cpu::flags::Flags;
use crate::cpu::state::{attr, cr0, Segment, TableReg};
use crate::cpu::{Cpu, CpuModel, SegReg};
use crate::engine::{BlockCache, Tier};
use crate::memory::{Memory, MemoryError};
use devices::{ClockMode, CmosLayout, DebugPorts, DebugPortsConfig, IoBus, PlatformConfig};
use std::sync::Arc;
use std::time::Instant;
use thiserror::Error;

pub use firmware_roms::{check_option_rom, FirmwareError, FirmwareInterfaces};
pub use schedule::{INTERRUPT_WINDOW, IRQ_FERR, MAX_IDLE_SLEEP_NS};

/// The RTC's time at guest time 0 in deterministic runs (when
/// [`MachineConfig::rtc_unix_secs`] is not given):
/// 2024-01-01 00:00:00 UTC.
pub const RTC_DETERMINISTIC_EPOCH: i64 = 1_704_067_200;

/// Where RAM below 4 GiB ends at the latest (the PCI hole), for the CMOS
/// memory fields.
const BELOW_4G_RAM_LIMIT: u64 = 0xE000_0000;

/// Errors building a machine from a configuration.
#[derive(Debug, Error)]
pub enum MachineError {
    #[error(transparent)]
    Memory(#[from] MemoryError),
    #[error(transparent)]
    Firmware(#[from] FirmwareError),
    #[error("boot image segment {start:#x}–{end:#x} is outside RAM")]
    BootSegmentOutsideRam { start: u64, end: u64 },
}

/// What to build.
#[derive(Clone, Debug)]
pub struct MachineConfig {
    pub model: CpuModel,
    /// RAM in bytes (multiple of 4 KiB).
    pub ram_size: u64,
    /// ROM image (up to 256 KiB) mapped so that it ends at 4 GiB, its
    /// last 128 KiB also ending at 1 MiB (module `firmware_roms`).
    pub bios: Option<Arc<[u8]>>,
    /// VGA BIOS option ROM mapped at C0000.
    pub vga_bios: Option<Arc<[u8]>>,
    /// What real firmware such as SeaBIOS expects of the board: fw_cfg,
    /// the 0x402 log port, PAM shadow RAM (`None`: not present).
    pub firmware_interfaces: Option<FirmwareInterfaces>,
    /// isa-debug-exit port.
    pub exit_port: Option<u16>,
    /// Execution tier.
    pub tier: Tier,
    /// On a triple fault (CPU shutdown) end the run with
    /// [`RunOutcome::Shutdown`] instead of resetting the CPU as a PC board
    /// does (QEMU's `-no-reboot`).
    pub no_reboot: bool,
    /// How guest time runs: [`ClockMode::Deterministic`] (the default: a
    /// function of the instructions retired) or [`ClockMode::RealTime`]
    /// (the host's monotonic clock).
    pub clock: ClockMode,
    /// The RTC's time (Unix seconds, UTC) at power-on. `None`: the host's
    /// time in real-time mode, [`RTC_DETERMINISTIC_EPOCH`] in deterministic
    /// mode.
    pub rtc_unix_secs: Option<i64>,
    /// Give the board a local APIC and an IOAPIC ([`Machine::enable_apic`];
    /// off by default: the 8259A alone, nothing advertised).
    pub apic: bool,
    /// Put a VGA (with the Bochs VBE extension, PCI 00:02.0) on the board,
    /// as QEMU's `pc` machine has by default (`-vga std`); without it
    /// A0000–BFFFF is RAM (QEMU's `-vga none` leaves it unassigned).
    pub vga: bool,
}

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig {
            model: CpuModel::Pentium,
            ram_size: 32 << 20,
            bios: None,
            vga_bios: None,
            firmware_interfaces: None,
            exit_port: None,
            tier: Tier::Blocks,
            no_reboot: false,
            clock: ClockMode::Deterministic,
            rtc_unix_secs: None,
            apic: false,
            vga: true,
        }
    }
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// The guest wrote to the exit port; the host exit status is given.
    Exit(u32),
    /// The CPU halted for good: interrupts disabled, or enabled but no
    /// unmasked interrupt source will ever raise a request (and no host
    /// input is attached, [`Machine::host_input`]). A halted CPU that a
    /// device event will wake is not an outcome: the scheduler skips or
    /// sleeps to the event.
    Halted { interrupts_enabled: bool },
    /// Triple fault with [`MachineConfig::no_reboot`] (without it the
    /// machine resets and goes on).
    Shutdown,
    /// The guest asked for a reset (8042 command 0xFE / output port, port
    /// 0x92 bit 0) with [`MachineConfig::no_reboot`].
    ResetRequested,
    /// A device asked for power-off (`IoBus::power_off_requested`, e.g.
    /// ACPI S5).
    PowerOff,
    /// The slice's instruction budget was used up; the guest can go on.
    Budget,
}

/// A whole PC.
#[derive(Debug)]
pub struct Machine {
    pub cpu: Cpu,
    pub blocks: BlockCache,
    pub tier: Tier,
    /// End the run on a triple fault instead of resetting.
    pub no_reboot: bool,
    /// Resets caused by triple faults so far.
    pub resets: u64,
    /// Last FERR# level passed to the PIC as IRQ13.
    ferr_level: bool,
    /// A20 level last applied to memory from the devices.
    a20_line: bool,
    /// Host input may arrive (e.g. stdin feeding a UART): a halted CPU
    /// waits for it even when no timer can wake it, and real-time idle
    /// sleeps are cut short by `Thread::unpark` of the emulation thread.
    pub host_input: bool,
    /// Host monotonic time origin (real-time clock mode).
    host_epoch: Instant,
    /// The built-in BIOS's services, when it is the firmware (module
    /// `firmware`).
    firmware: Option<Box<bios::firmware::Firmware>>,
    /// The firmware does not assign the VGA's BAR itself
    /// ([`Machine::firmware_vga_setup`], again after each board reset).
    assign_vga_bar: bool,
}

impl Machine {
    /// Build a machine and reset it.
    pub fn new(cfg: &MachineConfig) -> Result<Self, MachineError> {
        let mut mem = Memory::new(cfg.ram_size)?;
        firmware_roms::map_roms(&mut mem, cfg)?;
        let rtc_unix_secs = cfg.rtc_unix_secs.unwrap_or(match cfg.clock {
            ClockMode::Deterministic => RTC_DETERMINISTIC_EPOCH,
            ClockMode::RealTime => host_unix_secs(),
        });
        let mut cmos = CmosLayout::from_ram_size(cfg.ram_size, BELOW_4G_RAM_LIMIT);
        cmos.fpu_present = cfg.model == CpuModel::Pentium;
        let io = IoBus::new(DebugPorts::new(DebugPortsConfig {
            exit_port: cfg.exit_port,
            ..Default::default()
        }))
        .with_pc_devices(&PlatformConfig {
            clock: cfg.clock,
            rtc_unix_secs,
            cmos,
        });
        let mut io = io;
        if cfg.vga {
            io.attach_vga();
            crate::memory::map_legacy_window(&mut mem)?;
        }
        let a20_line = io.a20();
        mem.set_a20(a20_line);
        let cpu = Cpu::new(cfg.model, mem, io);
        let mut m = Machine {
            cpu,
            blocks: BlockCache::new(),
            tier: cfg.tier,
            no_reboot: cfg.no_reboot,
            resets: 0,
            ferr_level: false,
            a20_line,
            host_input: false,
            host_epoch: Instant::now(),
            firmware: None,
            assign_vga_bar: cfg.firmware_interfaces.is_none(),
        };
        if cfg.apic {
            m.enable_apic();
        }
        m.install_firmware_interfaces(cfg)?;
        m.firmware_vga_setup();
        Ok(m)
    }

    /// What a BIOS does for the VGA's PCI function when the firmware is
    /// not one that enumerates PCI itself (the built-in BIOS, a directly
    /// booted kernel, the demo and test ROMs; not `--bios` firmware such as
    /// SeaBIOS): BAR0 = [`crate::memory::DEFAULT_LFB_BASE`], memory and I/O
    /// decoding on. Then the framebuffer is mapped there.
    fn firmware_vga_setup(&mut self) {
        if !self.assign_vga_bar {
            return;
        }
        if let Some(c) = self.cpu.io.pci.as_mut().and_then(|p| p.vga.as_mut()) {
            use devices::pci::config::{PCI_BASE_ADDRESS_0, PCI_COMMAND};
            c.write(
                PCI_BASE_ADDRESS_0,
                4,
                crate::memory::DEFAULT_LFB_BASE as u32,
            );
            c.write(PCI_COMMAND, 2, 0x0003);
        }
        self.cpu.sync_vga_lfb();
    }

    /// Give the board a local APIC and an 82093AA IOAPIC at their PC
    /// addresses (FEE00000h, FEC00000h; SDM Vol. 3A ch. 10), advertised in
    /// CPUID.1:EDX\[9\], in the state a PC BIOS leaves them: the local APIC
    /// software-enabled in virtual-wire mode (LINT0 = ExtINT, LINT1 = NMI:
    /// the 8259A still reaches the CPU), every IOAPIC pin masked. ISA IRQ
    /// lines drive the IOAPIC pins beside the 8259A (IRQ0 on pin 2). Without
    /// this call the machine has no APIC and the pages are open bus.
    pub fn enable_apic(&mut self) {
        let mut apic = devices::ApicBus::new();
        apic.lapic.set_virtual_wire();
        let pages = [apic.lapic.base(), apic.ioapic_base()];
        self.cpu.io.apic = Some(apic);
        for base in pages {
            // Page aligned and below 4 GiB: cannot fail.
            let _ = self
                .cpu
                .mem
                .map_mmio(u64::from(base), u64::from(devices::apic::APIC_PAGE_SIZE));
        }
    }

    /// Boot a kernel directly: write the image's segments to RAM and put the
    /// CPU in its protected-mode entry state — CR0.PE set and paging off,
    /// EFLAGS = 2 (interrupts off, not V86), CPL 0, A20 on, CS and the
    /// data segment registers loaded with flat 4 GiB 32-bit descriptors
    /// matching the image's GDT, GDTR pointing at it, registers as given.
    /// Every segment must lie in RAM.
    pub fn load_boot_image(&mut self, img: &bios::BootImage) -> Result<(), MachineError> {
        let ram = self.cpu.mem.ram_size();
        for s in &img.segments {
            if s.end() > ram {
                return Err(MachineError::BootSegmentOutsideRam {
                    start: u64::from(s.addr),
                    end: s.end(),
                });
            }
        }
        let zeros = [0u8; 4096];
        for s in &img.segments {
            self.cpu.mem.write_bytes(s.addr, &s.data);
            let mut at = u64::from(s.addr) + s.data.len() as u64;
            while at < s.end() {
                let n = (s.end() - at).min(zeros.len() as u64) as usize;
                self.cpu.mem.write_bytes(at as u32, &zeros[..n]);
                at += n as u64;
            }
        }
        let e = &img.entry;
        let st = &mut self.cpu.state;
        for (i, v) in e.regs.iter().enumerate() {
            st.regs[i] = u64::from(*v);
        }
        st.rip = u64::from(e.eip);
        st.flags = Flags::from_bits(0x2);
        st.cr0 = (st.cr0 | cr0::PE) & !cr0::PG;
        st.cpl = 0;
        st.halted = false;
        st.gdtr = TableReg {
            base: u64::from(e.gdt_base),
            limit: e.gdt_limit,
        };
        let flat = |selector, kind| Segment {
            selector,
            base: 0,
            limit: 0xFFFF_FFFF,
            attr: attr::P | attr::S | kind | attr::RW | attr::ACCESSED | attr::DB | attr::G,
        };
        for r in SegReg::ALL {
            st.seg[r as usize] = match r {
                SegReg::Cs => flat(e.code_selector, attr::CODE),
                _ => flat(e.data_selector, 0),
            };
        }
        self.cpu.mem.set_a20(true);
        self.cpu.tlb.flush_all();
        Ok(())
    }
}

/// The host's wall-clock time in Unix seconds (for the RTC in real-time
/// mode; 0 if the host clock is before 1970).
fn host_unix_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bios::{BootImage, LoadSegment, ProtectedModeEntry};

    /// A boot image whose code at 1 MiB checks EAX, prints "k" on COM1 and
    /// writes 0x10 to the exit port (0x11 if EAX is wrong).
    fn image(eax: u32) -> BootImage {
        let code = vec![
            0x3D, 0x02, 0xB0, 0xAD, 0x2B, // cmp eax, 0x2BADB002
            0x75, 0x0C, // jne fail
            0x66, 0xBA, 0xF8, 0x03, // mov dx, 0x3F8
            0xB0, b'k', // mov al, 'k'
            0xEE, // out dx, al
            0xB0, 0x10, 0xE6, 0xF4, // mov al, 0x10; out 0xF4, al
            0xF4, // hlt
            0xB0, 0x11, 0xE6, 0xF4, 0xF4, // fail: mov al, 0x11; out 0xF4, al; hlt
        ];
        let mut regs = [0; 8];
        regs[0] = eax;
        BootImage {
            segments: vec![
                LoadSegment {
                    addr: 0x10_0000,
                    data: code,
                    zero_len: 0x20,
                },
                LoadSegment {
                    addr: 0x800,
                    data: bios::boot::flat_gdt().to_vec(),
                    zero_len: 0,
                },
            ],
            entry: ProtectedModeEntry {
                eip: 0x10_0000,
                regs,
                gdt_base: 0x800,
                gdt_limit: 23,
                code_selector: 0x08,
                data_selector: 0x10,
            },
        }
    }

    #[test]
    fn boot_image_enters_flat_protected_mode_on_both_tiers() {
        for tier in [Tier::Blocks, Tier::Interpreter] {
            for (eax, status) in [(0x2BAD_B002, 0x21), (0, 0x23)] {
                let mut m = Machine::new(&MachineConfig {
                    exit_port: Some(0xF4),
                    tier,
                    ..Default::default()
                })
                .unwrap();
                // Garbage where the zero fill goes.
                m.cpu.mem.write_bytes(0x10_0018, &[0xAA; 0x20]);
                m.load_boot_image(&image(eax)).unwrap();
                let s = &m.cpu.state;
                assert!(s.protected() && s.code32() && s.stack32());
                assert_eq!(s.cr0 & cr0::PG, 0);
                assert!(!s.flags.if_() && !s.flags.vm());
                assert_eq!(s.sreg(SegReg::Cs).selector, 0x08);
                assert_eq!(s.sreg(SegReg::Ds).limit, 0xFFFF_FFFF);
                assert_eq!((s.gdtr.base, s.gdtr.limit), (0x800, 23));
                assert_eq!(m.cpu.mem.read_u8(0x10_0018 + 0x1F), 0, "zero fill");
                assert_eq!(m.run_slice(1000), RunOutcome::Exit(status), "{tier:?}");
                let out = m.cpu.io.take_serial_output();
                assert_eq!(out, if status == 0x21 { &b"k"[..] } else { b"" });
            }
        }
    }

    #[test]
    fn boot_image_outside_ram_is_an_error() {
        let mut m = Machine::new(&MachineConfig {
            ram_size: 1 << 20,
            ..Default::default()
        })
        .unwrap();
        assert!(matches!(
            m.load_boot_image(&image(0)),
            Err(MachineError::BootSegmentOutsideRam {
                start: 0x10_0000,
                ..
            })
        ));
    }
}
