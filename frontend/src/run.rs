//! `ox86 run`: build a machine from the command line, run it in a window
//! or headless and turn the way the run ended into an exit status a CI can
//! read.
//!
//! Without `--headless` the machine's screen (the VGA) is shown in a
//! desktop window that takes the keyboard and mouse (module `window`); the
//! emulation then runs on a thread of its own. Closing the window ends the
//! run with status 0; a guest that halted for good keeps its window until
//! it is closed. With no display the run stops before it starts, with one
//! line suggesting `--headless` and status 2.
//!
//! With no `--bios` and no drive, ox86 runs its built-in demo ROM
//! (`bios::demo`), which prints to the debug console and halts; the run
//! then ends with status 0.
//!
//! With a disk, CD or floppy image (IMAGE, `--hda`…, `--cdrom`, `--fda`)
//! and neither `--bios` nor `--kernel`, ox86's built-in BIOS
//! (`bios::firmware`) boots it in the `--boot` order (default `cda`), with
//! ACPI tables at the top of RAM; `--bios-serial-console` copies its text
//! output to COM1.
//!
//! With `--kernel FILE` ox86 boots a Linux bzImage (`bios::linux`, with
//! `--initrd`) or a Multiboot kernel (`bios::multiboot`) directly, without
//! firmware: the kernel starts in protected mode with the chipset set up
//! as a BIOS leaves it and the ROM area empty but for the ACPI RSDP
//! (`bios::acpi`), `--append` gives its command line, and `--serial`
//! says where COM1's output goes. With no firmware to restart, a triple
//! fault ends such a run (as with `--no-reboot`). `--kernel` together with
//! `--bios` is not supported yet.
//!
//! With `--bios FILE` ox86 runs that firmware (up to 256 KiB, e.g.
//! Debian's SeaBIOS `bios.bin` or `bios-256k.bin`) on a board that offers
//! what SeaBIOS expects of QEMU's `pc` machine (`emulator::machine`
//! module `firmware_roms`): fw_cfg, PAM shadow RAM, and the log port 0x402,
//! whose bytes go where `--firmware-log` says (default `null`).
//! `--vgabios FILE` maps a VGA BIOS option ROM at C0000 and offers it to
//! the firmware through fw_cfg.
//!
//! `--serial` defaults to `null`. QEMU sends the first serial port to a
//! graphical console, or to stdio only with `-nographic`; ox86 runs
//! headless, so serial output is shown only when asked for
//! (`--serial stdio`, like QEMU's `-serial stdio`); `--serial2` …
//! `--serial4` do the same for COM2–COM4. The first port sent to `stdio`
//! receives host stdin (module `serial`). The debug console (`--debugcon`)
//! defaults to stdout. When several go to stdout their bytes are
//! interleaved per slice of instructions, not per byte.
//!
//! Guest time: by default the guest's clock (PIT, RTC, TSC) follows the
//! host's wall clock, as a user at a shell expects, and a halted CPU sleeps
//! until its next timer interrupt. With `--deterministic` guest time is a
//! function of the instructions retired (1 ns per instruction, a 1000-MIPS
//! virtual CPU; the TSC runs at 1 GHz) plus the time skipped while the CPU
//! is halted, and the RTC starts at 2024-01-01 00:00:00 UTC: the same
//! inputs give the same output and the same instruction count. The only
//! other wall-clock element is `--timeout`.
//!
//! # Exit statuses
//! ox86's own statuses are even; isa-debug-exit statuses (`(v << 1) | 1`)
//! are odd, so the two never collide. As with QEMU, the operating system
//! keeps only the low 8 bits of an exit-port status.
//!
//! | status | meaning |
//! |---|---|
//! | 0 | `--until-halt` (or the demo) and the CPU halted with interrupts disabled; the guest powered off (ACPI S5) or, with `--no-reboot` (implied by `--kernel`), asked for a reset; `--until-text TEXT` and the text screen shows TEXT |
//! | odd | the guest wrote `v` to the `--exit-port`: `(v << 1) \| 1` |
//! | 2 | bad command line or input file (one-line message on stderr) |
//! | 4 | triple fault (the CPU shut down) with `--no-reboot`; without it the CPU resets and the run goes on, as on a PC |
//! | 6 | `--max-instructions` reached |
//! | 8 | `--timeout` reached |
//! | 10 | the CPU halted and nothing can wake it (interrupts enabled but no unmasked timer or input can raise an interrupt, or interrupts disabled without `--until-halt`) |

use crate::cli::{RunArgs, RunCpu};
use crate::output::{Output, OutputTarget};
use crate::serial;
use anyhow::{bail, Context};
use devices::ClockMode;
use emulator::cpu::{Cpu, CpuModel, SegReg};
use emulator::engine::Tier;
use emulator::{Machine, MachineConfig, RunOutcome};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Exit statuses of `ox86 run` (see the module documentation).
pub mod status {
    /// Halted with interrupts disabled under `--until-halt` (or the demo).
    pub const SUCCESS: u8 = 0;
    // 2, bad command line or input, is what `main` returns for any error.
    /// Triple fault.
    pub const TRIPLE_FAULT: u8 = 4;
    /// `--max-instructions` reached.
    pub const INSTRUCTION_LIMIT: u8 = 6;
    /// `--timeout` reached.
    pub const TIMEOUT: u8 = 8;
    /// Halted for good: nothing can wake the CPU.
    pub const HALTED_FOREVER: u8 = 10;
}

/// Log target of `--trace` lines (`RUST_LOG=ox86::trace=trace`).
pub const TRACE_TARGET: &str = "ox86::trace";

/// Instructions per slice between output flushes and timeout checks.
const SLICE: u64 = 1 << 20;
/// Slice while tracing (every instruction is logged anyway).
const TRACE_SLICE: u64 = 4096;
/// Default RAM size in MiB (QEMU's): on the Pentium model (the default
/// CPU), and for a Linux `--kernel` on any model. A distribution kernel
/// needs about 33 MiB just to decompress, plus room for the initrd
/// (Debian's kernel booted from a CD with 32 MiB halts while decompressing).
const DEFAULT_MEMORY_MIB: u64 = 128;
/// Default RAM size in MiB on the 8086 and 286 models (whose address buses
/// reach 1 MiB and 16 MiB).
const LEGACY_CPU_DEFAULT_MEMORY_MIB: u64 = 32;
/// Largest RAM size in MiB (RAM must end below the PCI hole at 3.5 GiB).
const MAX_MEMORY_MIB: u64 = 3584;

/// One `--dump-ram START:LEN:FILE`.
#[derive(Debug, PartialEq, Eq)]
struct DumpSpec {
    start: u32,
    len: u32,
    path: PathBuf,
}

/// Everything `ox86 run` was asked to do, validated.
#[derive(Debug)]
struct Plan {
    config: MachineConfig,
    demo: bool,
    /// A kernel to boot instead of running firmware.
    kernel: Option<bios::LoadedKernel>,
    /// The built-in BIOS boots the drives (no --bios, no --kernel).
    builtin_bios: Option<bios::firmware::FirmwareConfig>,
    debugcon: OutputTarget,
    /// The firmware's log port (0x402).
    firmware_log: OutputTarget,
    /// COM1–COM4.
    serial: [OutputTarget; serial::PORTS],
    post_codes: bool,
    until_halt: bool,
    max_instructions: Option<u64>,
    timeout: Option<Duration>,
    dumps: Vec<DumpSpec>,
    trace: bool,
    quiet: bool,
    headless: bool,
    /// `--screenshot`, `--text-dump`, `--text-stream`, `--until-text`.
    screen: crate::screen::Options,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    ExitPort(u32),
    Halted {
        interrupts_enabled: bool,
    },
    TripleFault,
    InstructionLimit,
    Timeout,
    PowerOff,
    ResetRequested,
    /// The window was closed.
    WindowClosed,
    // `--until-text`: its text is on the screen.
    UntilText,
}

/// Entry point of `ox86 run`.
pub fn main(args: RunArgs) -> anyhow::Result<ExitCode> {
    let plan = plan(&args)?;
    // Open every output before running, so a bad path fails up front.
    let mut serial_out = Vec::with_capacity(serial::PORTS);
    for t in &plan.serial {
        serial_out.push(Output::open(t, "serial port")?);
    }
    let mut out = Outputs {
        console: Output::open(&plan.debugcon, "debug console")?,
        firmware_log: Output::open(&plan.firmware_log, "firmware log")?,
        serial: serial_out,
        input: serial::stdin_port(&plan.serial).map(serial::HostInput::stdin),
        screen: crate::screen::Watch::new(&plan.screen),
    };
    let mut dump_files = Vec::with_capacity(plan.dumps.len());
    for d in &plan.dumps {
        let f = File::create(&d.path)
            .with_context(|| format!("cannot create RAM dump file {}", d.path.display()))?;
        dump_files.push(f);
    }
    if plan.trace && !log::log_enabled!(target: TRACE_TARGET, log::Level::Trace) {
        eprintln!("ox86: --trace logs at trace level; set RUST_LOG={TRACE_TARGET}=trace to see it");
    }
    // Disk images are opened (and checked) before the guest starts.
    let drives = crate::drives::Drives::open(&args.drives)?;
    let mut machine = Machine::new(&plan.config)?;
    machine.cpu.io.ide = drives.into_controller()?;
    // Floppy images go on the 82077AA (drive A = --fda, B = --fdb), which
    // also sets the CMOS drive types.
    let floppy_paths = [&args.fda, &args.fdb];
    let open_floppy = |path: &PathBuf| {
        let opts = devices::block::OpenOptions {
            read_only: args.drives.read_only,
            snapshot: args.drives.snapshot,
        };
        devices::block::BlockDevice::open(path, devices::block::MediaKind::Floppy, opts)
    };
    if floppy_paths.iter().any(|p| p.is_some()) {
        let mut fdc = devices::fdc82077::Fdc82077::new();
        for (n, path) in floppy_paths.iter().enumerate() {
            if let Some(path) = path {
                fdc.insert(n, open_floppy(path)?);
            }
        }
        devices::fdc82077::attach(&mut machine.cpu.io, fdc);
    }
    if let Some(cfg) = &plan.builtin_bios {
        // INT 13h reaches the images through the FDC's and IDE's media.
        machine.install_builtin_bios(cfg.clone(), Vec::new());
    }
    if let Some(k) = &plan.kernel {
        machine.load_boot_image(&k.image)?;
        // What a BIOS would have set up in the chipset (PCI interrupt
        // routing, the ACPI PM block and SCI), as the ACPI tables say.
        for w in bios::acpi::firmware_port_writes() {
            let size = devices::IoSize::from_bytes(u32::from(w.size));
            machine.cpu.io.write(w.port, size, w.value);
        }
        if let Some(pci) = machine.cpu.io.pci.as_mut() {
            pci.ide.firmware_setup();
        }
        // A BIOS puts DMA channel 4 in cascade mode (8-bit DMA, floppy).
        if let Some(dma) = machine.cpu.io.dma.as_mut() {
            dma.firmware_setup();
        }
        // A BIOS leaves the VGA in mode 3 (80x25 text), which the kernel
        // was told about (screen_info) and vgacon takes over.
        if k.kind == bios::KernelKind::Linux && machine.cpu.io.vga.is_some() {
            let ram = plan.config.ram_size;
            machine.with_firmware_bus(|bus| bios::linux::vga::set_text_mode(bus, ram));
        }
        if !plan.quiet {
            for note in &k.notes {
                eprintln!("ox86: {note}");
            }
        }
    }
    if !plan.headless {
        // No display: one line suggesting --headless, status 2 (after the
        // command line and the files were checked).
        crate::window::check_display()?;
    }
    let started = Instant::now();
    let end = if plan.headless {
        drive(&mut machine, &plan, &mut out, started)?
    } else {
        // The window on this thread, the emulation on its own.
        let (m, p, o) = (&mut machine, &plan, &mut out);
        crate::window::run(move |link| {
            let end = drive_with(m, p, o, started, Some(link));
            use crate::window::RunState;
            let (state, keep_open) = match end {
                // A halted guest's last screen stays until closed.
                Ok(End::Halted { .. }) => (RunState::Halted, true),
                Ok(End::PowerOff) => (RunState::PoweredOff, false),
                _ => (RunState::Stopped, false),
            };
            link.finish(m, state, keep_open);
            end
        })??
    };
    let elapsed = started.elapsed();
    out.console.flush()?;
    out.firmware_log.flush()?;
    for s in &mut out.serial {
        s.flush()?;
    }

    for (d, f) in plan.dumps.iter().zip(dump_files) {
        let mut buf = vec![0u8; d.len as usize];
        machine.cpu.mem.read_bytes(d.start, &mut buf);
        let mut w = BufWriter::new(f);
        w.write_all(&buf)
            .and_then(|()| w.flush())
            .with_context(|| format!("cannot write RAM dump file {}", d.path.display()))?;
    }

    crate::screen::at_exit(&mut machine, &plan.screen, plan.quiet)?;

    let code = report(&machine.cpu, &plan, end);
    if !plan.quiet {
        let n = machine.cpu.icount;
        let secs = elapsed.as_secs_f64();
        let mips = if secs > 0.0 {
            n as f64 / secs / 1e6
        } else {
            0.0
        };
        eprintln!("ox86: {n} instructions in {secs:.3} s ({mips:.1} MIPS)");
    }
    Ok(ExitCode::from(code))
}

/// Run until the guest or a limit ends the run, pumping the debug ports.
fn drive(m: &mut Machine, plan: &Plan, out: &mut Outputs, started: Instant) -> anyhow::Result<End> {
    drive_with(m, plan, out, started, None)
}

/// [`drive`], and with a window, until the window ends the run too,
/// passing the window's input to the guest and its frames to the window.
fn drive_with(
    m: &mut Machine,
    plan: &Plan,
    out: &mut Outputs,
    started: Instant,
    mut window: Option<&mut crate::window::EmuLink>,
) -> anyhow::Result<End> {
    let slice = if plan.trace { TRACE_SLICE } else { SLICE };
    loop {
        let mut budget = slice;
        if let Some(max) = plan.max_instructions {
            let left = max.saturating_sub(m.cpu.icount);
            if left == 0 {
                return Ok(End::InstructionLimit);
            }
            budget = budget.min(left);
        }
        if let Some(input) = out.input.as_mut() {
            input.feed(m);
        }
        if let Some(w) = window.as_deref_mut() {
            if !w.before_slice(m) {
                return Ok(End::WindowClosed);
            }
        }
        // Both tiers stop exactly at the budget, so an instruction limit
        // is exact.
        let outcome = if plan.trace {
            crate::trace::traced_slice(m, budget)
        } else {
            m.run_slice(budget)
        };
        pump(m, plan, out)?;
        if let Some(w) = window.as_deref_mut() {
            w.after_slice(m);
        }
        match outcome {
            RunOutcome::Exit(s) => return Ok(End::ExitPort(s)),
            RunOutcome::Halted { interrupts_enabled } => {
                return Ok(End::Halted { interrupts_enabled })
            }
            RunOutcome::Shutdown => return Ok(End::TripleFault),
            RunOutcome::PowerOff => return Ok(End::PowerOff),
            RunOutcome::ResetRequested => return Ok(End::ResetRequested),
            RunOutcome::Budget => {}
        }
        if out.screen.found() {
            return Ok(End::UntilText);
        }
        if plan.timeout.is_some_and(|t| started.elapsed() >= t) {
            return Ok(End::Timeout);
        }
    }
}

/// Move debug console, firmware log and serial bytes and POST codes from
/// the machine to the host.
fn pump(m: &mut Machine, plan: &Plan, out: &mut Outputs) -> anyhow::Result<()> {
    let bytes = m.cpu.io.debug.take_console();
    if !bytes.is_empty() {
        out.console.write(&bytes)?;
    }
    let bytes = m.take_firmware_log();
    if !bytes.is_empty() {
        out.firmware_log.write(&bytes)?;
    }
    for (n, s) in out.serial.iter_mut().enumerate() {
        let bytes = m.cpu.io.take_com_output(n);
        if !bytes.is_empty() {
            s.write(&bytes)?;
        }
    }
    let posts = m.cpu.io.debug.take_post_codes();
    if plan.post_codes {
        for p in posts {
            eprintln!("POST 0x{p:02X}");
        }
    }
    out.screen.check(m);
    Ok(())
}

/// Print what the user needs to know about how the run ended; returns the
/// exit status.
fn report(cpu: &Cpu, plan: &Plan, end: End) -> u8 {
    match end {
        End::ExitPort(s) => (s & 0xFF) as u8,
        End::Halted {
            interrupts_enabled: false,
        } if plan.until_halt => {
            if !plan.demo {
                eprintln!("ox86: CPU halted with interrupts disabled");
                eprint!("{}", registers(cpu));
            }
            status::SUCCESS
        }
        End::Halted { interrupts_enabled } => {
            if interrupts_enabled {
                eprintln!("ox86: CPU halted with interrupts enabled, but no unmasked interrupt source can wake it");
            } else {
                eprintln!("ox86: CPU halted with interrupts disabled (pass --until-halt to treat this as success)");
            }
            eprint!("{}", registers(cpu));
            status::HALTED_FOREVER
        }
        End::PowerOff => {
            if !plan.quiet {
                eprintln!("ox86: the guest powered off");
            }
            status::SUCCESS
        }
        End::ResetRequested => {
            if !plan.quiet {
                eprintln!("ox86: the guest asked for a reset (not rebooting)");
            }
            status::SUCCESS
        }
        End::UntilText => {
            if !plan.quiet {
                let text = plan.screen.until_text.as_deref().unwrap_or_default();
                eprintln!("ox86: the screen shows {text:?}");
            }
            status::SUCCESS
        }
        End::WindowClosed => {
            if !plan.quiet {
                eprintln!("ox86: the window was closed");
            }
            status::SUCCESS
        }
        End::TripleFault => {
            eprintln!("ox86: triple fault: the CPU shut down");
            eprint!("{}", registers(cpu));
            status::TRIPLE_FAULT
        }
        End::InstructionLimit => {
            eprintln!(
                "ox86: instruction limit reached ({} instructions)",
                cpu.icount
            );
            eprint!("{}", registers(cpu));
            status::INSTRUCTION_LIMIT
        }
        End::Timeout => {
            eprintln!("ox86: timeout after {} instructions", cpu.icount);
            eprint!("{}", registers(cpu));
            status::TIMEOUT
        }
    }
}

/// The CPU registers, a few lines of text.
fn registers(cpu: &Cpu) -> String {
    let s = &cpu.state;
    let r = |n: usize| s.regs[n] as u32;
    let mut out = format!(
        "EAX={:08x} EBX={:08x} ECX={:08x} EDX={:08x}\n\
         ESI={:08x} EDI={:08x} EBP={:08x} ESP={:08x}\n\
         EIP={:08x} EFL={:08x} CPL={} CR0={:08x} CR2={:08x} CR3={:08x} CR4={:08x}\n",
        r(0),
        r(3),
        r(1),
        r(2),
        r(6),
        r(7),
        r(5),
        r(4),
        s.rip as u32,
        s.flags.eflags(),
        s.cpl,
        s.cr0 as u32,
        s.cr2 as u32,
        s.cr3 as u32,
        s.cr4 as u32
    );
    for (name, seg) in ["ES", "CS", "SS", "DS", "FS", "GS"].iter().zip(SegReg::ALL) {
        let g = s.sreg(seg);
        out.push_str(&format!(
            "{name} ={:04x} base={:08x} limit={:08x} attr={:04x}\n",
            g.selector, g.base, g.limit, g.attr
        ));
    }
    out.push_str(&format!(
        "GDT={:08x}:{:04x} IDT={:08x}:{:04x}\n",
        s.gdtr.base, s.gdtr.limit, s.idtr.base, s.idtr.limit
    ));
    out
}

/// The open outputs of a run.
struct Outputs {
    /// Debug console (port 0xE9).
    console: Output,
    /// Firmware log (port 0x402).
    firmware_log: Output,
    /// COM1–COM4.
    serial: Vec<Output>,
    /// Host input for a serial port's receiver.
    input: Option<serial::HostInput>,
    /// `--text-stream` / `--until-text`, looked at in `pump`.
    screen: crate::screen::Watch,
}

mod plan;
#[cfg(test)]
mod tests;

use plan::*;
