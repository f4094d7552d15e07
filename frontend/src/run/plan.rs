//! Turning the command line into a [`Plan`]: the machine configuration
//! (CPU, RAM defaults, firmware and ROM images, boot image), outputs, limits
//! and dumps, with every input checked before the guest starts.

use super::*;

/// Validate the command line.
pub(super) fn plan(args: &RunArgs) -> anyhow::Result<Plan> {
    if args.kernel.is_some() && args.bios.is_some() {
        bail!("--kernel with --bios is not supported yet: a --kernel boots without firmware");
    }
    if args.append.is_some() && args.kernel.is_none() {
        bail!("--append needs --kernel");
    }
    if args.initrd.is_some() && args.kernel.is_none() {
        bail!("--initrd needs --kernel");
    }
    let no_firmware = args.bios.is_none() && args.kernel.is_none();
    let builtin = no_firmware && any_drive(args);
    let demo = no_firmware && !builtin;
    if !builtin {
        let builtin_only = [
            // With --bios the order goes to the firmware through CMOS.
            ("--boot", args.boot.is_some() && args.bios.is_none()),
            ("--bios-serial-console", args.bios_serial_console),
        ];
        if let Some((flag, _)) = builtin_only.iter().find(|f| f.1) {
            bail!(
                "{flag} is for the built-in BIOS (a disk, CD or floppy without --bios or --kernel)"
            );
        }
    }
    let rom: Option<Arc<[u8]>> = match &args.bios {
        Some(path) => Some(bios::load_rom_image(path)?.into()),
        None if demo => Some(bios::demo::DEMO_ROM.into()),
        None if builtin => Some(bios::firmware::Firmware::rom_image()),
        None => None,
    };
    let memory_mib = match &args.memory {
        Some(s) => parse_number(s).with_context(|| format!("--memory {s:?}"))?,
        None if args.cpu == RunCpu::Pentium => DEFAULT_MEMORY_MIB,
        None if args
            .kernel
            .as_deref()
            .is_some_and(bios::is_linux_kernel_file) =>
        {
            DEFAULT_MEMORY_MIB
        }
        None => LEGACY_CPU_DEFAULT_MEMORY_MIB,
    };
    if !(1..=MAX_MEMORY_MIB).contains(&memory_mib) {
        bail!("--memory {memory_mib}: RAM size must be 1 to {MAX_MEMORY_MIB} MiB");
    }
    let exit_port =
        match &args.exit_port {
            Some(s) => {
                let v = parse_number(s).with_context(|| format!("--exit-port {s:?}"))?;
                Some(u16::try_from(v).map_err(|_| {
                    anyhow::anyhow!("--exit-port {s:?}: port numbers go up to 0xffff")
                })?)
            }
            None => None,
        };
    let max_instructions = match &args.max_instructions {
        Some(s) => Some(parse_number(s).with_context(|| format!("--max-instructions {s:?}"))?),
        None => None,
    };
    let timeout = match &args.timeout {
        Some(s) => Some(parse_seconds(s).with_context(|| format!("--timeout {s:?}"))?),
        None => None,
    };
    let dumps = args
        .dump_ram
        .iter()
        .map(|s| parse_dump(s).with_context(|| format!("--dump-ram {s:?}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let debugcon =
        OutputTarget::parse("--debugcon", args.debugcon.as_deref(), OutputTarget::Stdout)?;
    let firmware_log = OutputTarget::parse(
        "--firmware-log",
        args.firmware_log.as_deref(),
        OutputTarget::Null,
    )?;
    let vga_bios = match &args.vgabios {
        Some(path) => Some(load_vga_bios(path)?),
        None => None,
    };
    let firmware_interfaces = firmware_interfaces(args)?;
    let serial = serial::parse_targets(
        [
            args.serial.as_deref(),
            args.serial2.as_deref(),
            args.serial3.as_deref(),
            args.serial4.as_deref(),
        ],
        &debugcon,
    )?;
    let kernel = match &args.kernel {
        Some(path) => {
            // The ACPI tables (reported to a Linux kernel) describe the
            // chipset that `firmware_port_writes` sets up in `main`.
            // With --apic they include a MADT for the board's APICs.
            let madt = bios::acpi::tables::MadtConfig {
                lapic_addr: devices::apic::APIC_DEFAULT_BASE,
                lapic_id: devices::apic::PC_LAPIC_ID,
                ioapic_id: devices::apic::PC_IOAPIC_ID,
                ioapic_addr: devices::apic::IOAPIC_DEFAULT_BASE,
                sci_irq: bios::acpi::SCI_IRQ,
                nmi_lint: 1,
            };
            let acpi = bios::acpi::build_with_madt(memory_mib << 20, args.apic.then_some(&madt));
            let opts = bios::KernelOptions {
                ram_size: memory_mib << 20,
                cmdline: args.append.as_deref(),
                initrd: args.initrd.as_deref(),
                acpi: Some(&acpi),
                // With a VGA, an 80x25 text screen (set up in `main`).
                console: if args.vga == crate::cli::VgaKind::Std {
                    bios::TextConsole::VGA_80X25
                } else {
                    bios::TextConsole::NONE
                },
            };
            Some(bios::load_kernel_file(path, &opts)?)
        }
        None => None,
    };
    let rtc_unix_secs = match args.rtc_base.as_deref() {
        None => None,
        Some("now") => Some(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        ),
        Some(s) => {
            let v = parse_number(s).with_context(|| format!("--rtc-base {s:?}"))?;
            Some(i64::try_from(v).map_err(|_| anyhow::anyhow!("--rtc-base {s:?}: too large"))?)
        }
    };
    let model = match args.cpu {
        RunCpu::I8086 => CpuModel::I8086,
        RunCpu::I286 => CpuModel::I80286,
        RunCpu::Pentium => CpuModel::Pentium,
    };
    let builtin_bios = if builtin {
        Some(builtin_bios_config(args, memory_mib << 20, model)?)
    } else {
        None
    };
    let tier = if args.interpreter || args.trace {
        Tier::Interpreter
    } else {
        Tier::Blocks
    };
    Ok(Plan {
        config: MachineConfig {
            model,
            ram_size: memory_mib << 20,
            bios: rom,
            vga_bios,
            firmware_interfaces,
            exit_port,
            tier,
            // Without firmware a reset has nothing to run.
            no_reboot: args.no_reboot || kernel.is_some(),
            clock: if args.deterministic {
                ClockMode::Deterministic
            } else {
                ClockMode::RealTime
            },
            rtc_unix_secs,
            apic: args.apic,
            vga: args.vga == crate::cli::VgaKind::Std,
        },
        demo,
        kernel,
        builtin_bios,
        debugcon,
        firmware_log,
        serial,
        post_codes: args.post_codes,
        until_halt: args.until_halt || demo,
        max_instructions,
        timeout,
        dumps,
        trace: args.trace,
        quiet: args.quiet,
        headless: args.headless,
        screen: crate::screen::Options::from_args(args)?,
    })
}

/// Some disk, CD or floppy image is given.
pub(super) fn any_drive(args: &RunArgs) -> bool {
    let d = &args.drives;
    d.image.is_some()
        || d.hda.is_some()
        || d.hdb.is_some()
        || d.hdc.is_some()
        || d.hdd.is_some()
        || d.cdrom.is_some()
        || args.fda.is_some()
        || args.fdb.is_some()
}

/// The built-in BIOS's configuration: memory map with the ACPI tables at
/// the top of RAM (and the APIC pages with --apic), boot order from
/// `--boot` (default `cda`: hard disk, CD-ROM, floppy).
pub(super) fn builtin_bios_config(
    args: &RunArgs,
    ram_size: u64,
    model: CpuModel,
) -> anyhow::Result<bios::firmware::FirmwareConfig> {
    use bios::firmware::{BootDevice, FirmwareConfig, ROM_SIZE};
    let order = args.boot.as_deref().unwrap_or("cda");
    let boot_order = order
        .chars()
        .map(|c| {
            BootDevice::from_letter(c)
                .ok_or_else(|| anyhow::anyhow!("--boot {order:?}: use the letters a, c and d"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if boot_order.is_empty() {
        bail!("--boot: give at least one of a, c, d");
    }
    let madt = bios::acpi::tables::MadtConfig {
        lapic_addr: devices::apic::APIC_DEFAULT_BASE,
        lapic_id: devices::apic::PC_LAPIC_ID,
        ioapic_id: devices::apic::PC_IOAPIC_ID,
        ioapic_addr: devices::apic::IOAPIC_DEFAULT_BASE,
        sci_irq: bios::acpi::SCI_IRQ,
        nmi_lint: 1,
    };
    let acpi = bios::acpi::build_with_madt(ram_size, args.apic.then_some(&madt));
    let layout = bios::memory_map::PcLayout {
        ram_size,
        ebda: true,
        acpi: Some((u64::from(acpi.region_base), u64::from(acpi.region_len))),
        apic_pages: args.apic,
        bios_rom_size: Some(ROM_SIZE as u64),
    };
    let mut cfg = FirmwareConfig::new(ram_size);
    cfg.memory_map = layout.memory_map();
    cfg.acpi = Some(acpi);
    cfg.boot_order = boot_order;
    cfg.serial_console = args.bios_serial_console;
    cfg.fpu = model == CpuModel::Pentium;
    Ok(cfg)
}

/// A number in decimal or with a `0x` prefix in hexadecimal (`_` allowed
/// between digits).
pub(super) fn parse_number(s: &str) -> anyhow::Result<u64> {
    let t = s.trim().replace('_', "");
    let (digits, radix) = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => (h, 16),
        None => (t.as_str(), 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        bail!("not a number (use decimal or 0x hexadecimal)");
    }
    u64::from_str_radix(digits, radix).map_err(|_| anyhow::anyhow!("number too large"))
}

/// Seconds as a positive decimal (fractions allowed).
pub(super) fn parse_seconds(s: &str) -> anyhow::Result<Duration> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("not a number of seconds"))?;
    if !(v.is_finite() && v > 0.0 && v < 1e9) {
        bail!("the timeout must be a positive number of seconds");
    }
    Ok(Duration::from_secs_f64(v))
}

/// `START:LEN:FILE`; the range must lie inside the 4 GiB physical space.
pub(super) fn parse_dump(s: &str) -> anyhow::Result<DumpSpec> {
    let mut parts = s.splitn(3, ':');
    let (Some(start), Some(len), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
        bail!("expected START:LEN:FILE");
    };
    let start = parse_number(start).context("START")?;
    let len = parse_number(len).context("LEN")?;
    if path.is_empty() {
        bail!("FILE is empty");
    }
    match start.checked_add(len) {
        Some(end) if len > 0 && end <= 1 << 32 => {}
        _ => bail!("the range must be non-empty and end at or below 4 GiB"),
    }
    Ok(DumpSpec {
        start: start as u32,
        len: len as u32,
        path: path.into(),
    })
}

/// Read a `--vgabios` option ROM and check its header (55 AA; a bad
/// length or checksum is only a warning).
pub(super) fn load_vga_bios(path: &std::path::Path) -> anyhow::Result<Arc<[u8]>> {
    let data =
        std::fs::read(path).with_context(|| format!("cannot read VGA BIOS {}", path.display()))?;
    let warning = emulator::machine::check_option_rom(&data)
        .with_context(|| format!("VGA BIOS {}", path.display()))?;
    if let Some(w) = warning {
        eprintln!("ox86: warning: VGA BIOS {}: {w}", path.display());
    }
    Ok(data.into())
}

/// What a `--bios` firmware gets besides its ROM (fw_cfg, the 0x402 log
/// port, shadow RAM); `None` without `--bios`.
pub(super) fn firmware_interfaces(
    args: &RunArgs,
) -> anyhow::Result<Option<emulator::machine::FirmwareInterfaces>> {
    let firmware_only = [
        ("--boot-menu", args.boot_menu),
        ("--boot-fail-wait", args.boot_fail_wait.is_some()),
        ("--firmware-log", args.firmware_log.is_some()),
    ];
    if args.bios.is_none() {
        if let Some((flag, _)) = firmware_only.iter().find(|f| f.1) {
            bail!("{flag} needs --bios");
        }
        return Ok(None);
    }
    let boot_fail_wait_ms = match args.boot_fail_wait.as_deref() {
        None => None,
        Some("never") => Some(u32::MAX),
        Some(s) => {
            let v = parse_number(s).with_context(|| format!("--boot-fail-wait {s:?}"))?;
            Some(
                u32::try_from(v)
                    .ok()
                    .filter(|&v| v != u32::MAX)
                    .ok_or_else(|| anyhow::anyhow!("--boot-fail-wait {s:?}: too large"))?,
            )
        }
    };
    Ok(Some(emulator::machine::FirmwareInterfaces {
        boot_menu: args.boot_menu,
        bootorder: Vec::new(),
        boot_fail_wait_ms,
        boot_order: args.boot.clone().unwrap_or_default(),
    }))
}
