//! Command-line syntax (clap derive).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "ox86", version, about = "A pure-software x86 PC emulator")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

// The options are parsed once per run; boxing them buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a machine (with no options: the built-in demo image).
    Run(RunArgs),
    /// Run CPU conformance suites.
    #[command(subcommand)]
    Conformance(ConformanceCommand),
}

impl Default for Command {
    fn default() -> Self {
        Command::Run(RunArgs::default())
    }
}

/// CPU model for `ox86 run`.
#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum RunCpu {
    /// Intel 8086 (20-bit address bus).
    #[value(name = "8086")]
    I8086,
    /// Intel 80286 (24-bit address bus).
    #[value(name = "286")]
    I286,
    /// Pentium-class integer core (the default).
    #[default]
    Pentium,
}

/// Options of `ox86 run`. Numbers are kept as text and parsed by the run
/// module, so that a malformed number gets ox86's one-line error (exit
/// status 2); they accept decimal or `0x` hexadecimal.
#[derive(Debug, Args, Default)]
pub struct RunArgs {
    /// Run without a window (the window is not implemented yet: ox86 always
    /// runs headless for now).
    #[arg(long)]
    pub headless: bool,
    /// ROM image mapped at the top of the first MiB and just below 4 GiB;
    /// the CPU starts at F000:FFF0. Without it ox86 runs its built-in demo.
    #[arg(long, value_name = "FILE")]
    pub bios: Option<PathBuf>,
    /// Where bytes written to port 0xE9 go: `stdio` (stdout, the default),
    /// `null`, or a file name.
    #[arg(long, value_name = "stdio|null|FILE")]
    pub debugcon: Option<String>,
    /// VGA BIOS option ROM mapped at C0000 (e.g. Debian's
    /// /usr/share/seabios/vgabios-stdvga.bin); with --bios it is also
    /// offered to the firmware through fw_cfg as the PCI VGA's ROM (pci1234,1111.rom).
    #[arg(long, value_name = "FILE")]
    pub vgabios: Option<PathBuf>,
    /// Where the log a --bios firmware writes to port 0x402 goes (SeaBIOS's
    /// debug output; QEMU's isa-debugcon at iobase 0x402): `null` (the
    /// default), `stdio` (stdout) or a file name.
    #[arg(long, value_name = "stdio|null|FILE")]
    pub firmware_log: Option<String>,
    /// Let a --bios firmware offer its boot menu (fw_cfg BOOT_MENU).
    #[arg(long)]
    pub boot_menu: bool,
    /// With --bios: milliseconds the firmware waits before retrying when
    /// nothing boots (fw_cfg etc/boot-fail-wait; `never` to wait forever).
    /// Default: the firmware's own (SeaBIOS: 60 s).
    #[arg(long, value_name = "MS|never")]
    pub boot_fail_wait: Option<String>,
    /// Boot a kernel directly, without firmware: a Linux bzImage (32-bit
    /// boot protocol: E820 map, command line, initrd) or a Multiboot (v1)
    /// ELF kernel. Not with --bios yet.
    #[arg(long, value_name = "FILE")]
    pub kernel: Option<PathBuf>,
    /// Command line for the --kernel.
    #[arg(long, value_name = "TEXT")]
    pub append: Option<String>,
    /// Initial RAM disk for a Linux --kernel, placed as high in RAM as the
    /// kernel allows.
    #[arg(long, value_name = "FILE")]
    pub initrd: Option<PathBuf>,
    /// Where bytes the guest sends on COM1 (16550A UART at 0x3F8, IRQ 4)
    /// go: `null` (the default), `stdio` (stdout) or a file name. The first
    /// port sent to `stdio` also receives what is typed on stdin (a line at
    /// a time: the terminal stays in line mode).
    #[arg(long, value_name = "stdio|null|FILE")]
    pub serial: Option<String>,
    /// COM2 (0x2F8, IRQ 3): like --serial.
    #[arg(long, value_name = "stdio|null|FILE")]
    pub serial2: Option<String>,
    /// COM3 (0x3E8, IRQ 4): like --serial.
    #[arg(long, value_name = "stdio|null|FILE")]
    pub serial3: Option<String>,
    /// COM4 (0x2E8, IRQ 3): like --serial.
    #[arg(long, value_name = "stdio|null|FILE")]
    pub serial4: Option<String>,
    /// Print each value written to POST port 0x80 or 0x190 on stderr as
    /// `POST 0xNN`.
    #[arg(long)]
    pub post_codes: bool,
    /// isa-debug-exit port: a write of v ends the run with exit status
    /// (v << 1) | 1.
    #[arg(long, value_name = "PORT")]
    pub exit_port: Option<String>,
    /// End with exit status 0 when the CPU halts with interrupts disabled,
    /// printing the registers on stderr.
    #[arg(long)]
    pub until_halt: bool,
    /// Stop after N instructions (exit status 6).
    #[arg(long, value_name = "N")]
    pub max_instructions: Option<String>,
    /// Stop after this many seconds of host time (exit status 8).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<String>,
    /// Write LEN bytes of physical memory from START to FILE when the run
    /// ends (repeatable).
    #[arg(long, value_name = "START:LEN:FILE")]
    pub dump_ram: Vec<String>,
    /// Write the screen (the VGA's display area: text, graphics or VBE) to
    /// FILE as an RGB PNG when the run ends. A blanked screen or a VGA with
    /// no mode set gives a black image (640x480 without a mode), with a
    /// note on stderr. On Unix, SIGUSR1 (`kill -USR1 PID`) writes it
    /// during the run too.
    #[arg(long, value_name = "FILE.png")]
    pub screenshot: Option<PathBuf>,
    /// Print the final text-mode screen on stdout when the run ends (every
    /// row, trailing spaces trimmed); in a graphics mode say so on stderr.
    #[arg(long)]
    pub text_dump: bool,
    /// While the guest runs, print text-screen rows that changed on stderr
    /// as `screen NN| text` (NN = row), looking every 20 ms of guest time;
    /// after a scroll only the rows that came in at the bottom are printed,
    /// so a console reads like a log (rows that scroll by between two
    /// looks are missed); a switch to a graphics mode prints
    /// `screen --| graphics mode WxH`.
    #[arg(long)]
    pub text_stream: bool,
    /// End the run with status 0 as soon as a row of the text screen
    /// contains TEXT. The screen is looked at between slices of up to 2^20
    /// instructions (at most every 1 ms of guest time), so with
    /// --deterministic the run stops at the same instruction every time; a
    /// guest that ends within the slice that showed TEXT ends as it would
    /// without this option.
    #[arg(long, value_name = "TEXT")]
    pub until_text: Option<String>,
    /// Log every instruction (log target `ox86::trace`, level trace; uses
    /// the step interpreter).
    #[arg(long)]
    pub trace: bool,
    /// CPU model.
    #[arg(long, value_enum, default_value_t)]
    pub cpu: RunCpu,
    /// RAM size in MiB (default 128, as QEMU; 32 with --cpu 8086/286 unless
    /// booting a Linux --kernel).
    #[arg(long, value_name = "MiB")]
    pub memory: Option<String>,
    /// Run on the step interpreter instead of the block cache.
    #[arg(long)]
    pub interpreter: bool,
    /// End the run on a triple fault (exit status of a triple fault) instead
    /// of resetting the CPU as a PC does.
    #[arg(long)]
    pub no_reboot: bool,
    /// Deterministic guest time: 1 ns per instruction retired (a 1000-MIPS
    /// virtual CPU, TSC at 1 GHz) plus the time skipped while the CPU is
    /// halted, and the RTC starting at 2024-01-01 00:00:00 UTC, so the same
    /// inputs give the same output and instruction count. Without it the
    /// guest clock follows the host's wall clock.
    #[arg(long)]
    pub deterministic: bool,
    /// The RTC's date and time at power-on, as Unix seconds (UTC), or `now`
    /// for the host's time. Default: the host's time, or 2024-01-01
    /// 00:00:00 UTC with --deterministic.
    #[arg(long, value_name = "SECONDS|now")]
    pub rtc_base: Option<String>,
    /// Give the PC a local APIC and an I/O APIC (advertised in CPUID and,
    /// for a Linux --kernel, in an ACPI MADT). Without it the 8259A PIC
    /// alone delivers interrupts.
    #[arg(long)]
    pub apic: bool,
    /// The display adapter (QEMU's `-vga`): `std` is a VGA with the Bochs
    /// VBE extension and a linear framebuffer (PCI 1234:1111 at 00:02.0);
    /// `none` leaves A0000–BFFFF as RAM and no display.
    #[arg(long, value_enum, default_value_t = VgaKind::Std, value_name = "std|none")]
    pub vga: VgaKind,
    /// No summary line at the end.
    #[arg(long, short)]
    pub quiet: bool,
    /// Disks and CD-ROMs (IMAGE, --hda, --cdrom, --snapshot...).
    #[command(flatten)]
    pub drives: crate::drives::DriveArgs,
    /// Floppy image for drive A: (360K to 2.88M, the type from its size),
    /// on the 82077AA floppy controller (IRQ 6, DMA 2) and in CMOS; the
    /// built-in BIOS's INT 13h serves it too. Honours --read-only and
    /// --snapshot.
    #[arg(long, value_name = "FILE")]
    pub fda: Option<PathBuf>,
    /// Floppy image for drive B: (as --fda).
    #[arg(long, value_name = "FILE")]
    pub fdb: Option<PathBuf>,
    /// Boot order of the built-in BIOS: letters `a` (floppy), `c` (hard
    /// disk), `d` (CD-ROM), e.g. `d` or `dc`. Default `cda`. With --bios
    /// the first three letters go to CMOS 3Dh/38h as on QEMU (SeaBIOS
    /// reads them there; `n` = network); default: the firmware's order.
    #[arg(long, value_name = "ORDER")]
    pub boot: Option<String>,
    /// Copy the built-in BIOS's text output (INT 10h teletype) to COM1.
    #[arg(long)]
    pub bios_serial_console: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConformanceCommand {
    /// SingleStepTests (MOO files, gzip'd): `ox86 conformance singlestep --cpu 286 DIR`.
    Singlestep(SingleStepArgs),
}

/// CPU generation a conformance suite was recorded on.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum CpuArg {
    #[value(name = "8086")]
    I8086,
    #[value(name = "286")]
    I286,
}

#[derive(Debug, Args)]
pub struct SingleStepArgs {
    /// CPU the tests were recorded on.
    #[arg(long, value_enum, default_value = "286")]
    pub cpu: CpuArg,
    /// MOO files (.MOO or .MOO.gz) or directories holding them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print only the per-file and total summaries, no failure details.
    #[arg(long, short)]
    pub quiet: bool,
    /// Run only files whose name starts with this opcode (e.g. `D0`, `D0.6`,
    /// `F7`); repeatable.
    #[arg(long, value_name = "OPCODE")]
    pub filter: Vec<String>,
    /// Print the details of at most N failures per file (default: all).
    #[arg(long, value_name = "N")]
    pub max_failures: Option<usize>,
}

/// `--vga`: the display adapter.
#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum VgaKind {
    /// VGA + Bochs VBE (QEMU's `-vga std`).
    #[default]
    Std,
    /// No display adapter.
    None,
}
