use super::*;

#[test]
fn numbers_in_decimal_and_hex() {
    for (s, v) in [
        ("0", 0),
        ("42", 42),
        ("0xf4", 0xF4),
        ("0XF4", 0xF4),
        ("1_000_000", 1_000_000),
        (" 7 ", 7),
    ] {
        assert_eq!(parse_number(s).unwrap(), v, "{s}");
    }
    for s in [
        "",
        "0x",
        "-1",
        "12a",
        "0xg",
        "1e6",
        "99999999999999999999999",
    ] {
        assert!(parse_number(s).is_err(), "{s}");
    }
}

#[test]
fn seconds() {
    assert_eq!(parse_seconds("1.5").unwrap(), Duration::from_millis(1500));
    for s in ["0", "-1", "nan", "inf", "x", ""] {
        assert!(parse_seconds(s).is_err(), "{s}");
    }
}

#[test]
fn dump_specs() {
    assert_eq!(
        parse_dump("0x1000:256:out.bin").unwrap(),
        DumpSpec {
            start: 0x1000,
            len: 256,
            path: "out.bin".into()
        }
    );
    // The file name may contain colons.
    assert_eq!(parse_dump("0:1:a:b").unwrap().path, PathBuf::from("a:b"));
    assert_eq!(parse_dump("0xffffffff:1:f").unwrap().start, 0xFFFF_FFFF);
    for s in [
        "",
        "0:1",
        "0:1:",
        "x:1:f",
        "0:0:f",
        "0xffffffff:2:f",
        "0:0x100000001:f",
    ] {
        assert!(parse_dump(s).is_err(), "{s}");
    }
}

#[test]
fn plan_defaults_to_the_demo() {
    let p = plan(&RunArgs::default()).unwrap();
    assert!(p.demo && p.until_halt);
    assert_eq!(p.debugcon, OutputTarget::Stdout);
    assert!(p.serial.iter().all(|t| *t == OutputTarget::Null));
    assert!(p.kernel.is_none() && p.config.bios.is_some());
    assert_eq!(p.config.ram_size, 128 << 20);
    assert_eq!(p.config.model, CpuModel::Pentium);
    assert_eq!(p.config.tier, Tier::Blocks);
}

#[test]
fn drives_without_firmware_use_the_builtin_bios() {
    let with_image = |boot: Option<&str>| RunArgs {
        drives: crate::drives::DriveArgs {
            cdrom: Some("x.iso".into()),
            ..Default::default()
        },
        boot: boot.map(str::to_owned),
        ..Default::default()
    };
    let p = plan(&with_image(Some("dC"))).unwrap();
    assert!(!p.demo && !p.until_halt && p.kernel.is_none());
    let fw = p.builtin_bios.expect("built-in BIOS");
    assert_eq!(
        fw.boot_order,
        [
            bios::firmware::BootDevice::Cdrom,
            bios::firmware::BootDevice::HardDisk
        ]
    );
    assert!(fw.acpi.is_some());
    assert_eq!(
        p.config.bios.as_deref(),
        Some(&bios::firmware::ROM_IMAGE[..])
    );
    assert_eq!(
        plan(&with_image(None))
            .unwrap()
            .builtin_bios
            .unwrap()
            .boot_order
            .len(),
        3
    );
    for bad in ["x", "", "c,d"] {
        let Err(e) = plan(&with_image(Some(bad))) else {
            panic!("--boot {bad:?} accepted");
        };
        let e = e.to_string();
        assert!(e.contains("--boot"), "{e}");
    }
    // Built-in BIOS options without a drive (or with --bios) are errors.
    for args in [
        RunArgs {
            boot: Some("c".into()),
            ..Default::default()
        },
        RunArgs {
            bios_serial_console: true,
            ..Default::default()
        },
    ] {
        let Err(e) = plan(&args) else {
            panic!("accepted without a drive");
        };
        let e = e.to_string();
        assert!(e.contains("built-in BIOS"), "{e}");
    }
}

impl Outputs {
    fn null() -> Self {
        Outputs {
            console: Output::Null,
            firmware_log: Output::Null,
            serial: Vec::new(),
            input: None,
            screen: Default::default(),
        }
    }
}

#[test]
fn clock_mode_and_rtc_base() {
    let p = plan(&RunArgs::default()).unwrap();
    assert_eq!(p.config.clock, ClockMode::RealTime);
    assert_eq!(p.config.rtc_unix_secs, None);
    let p = plan(&RunArgs {
        deterministic: true,
        rtc_base: Some("1700000000".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(p.config.clock, ClockMode::Deterministic);
    assert_eq!(p.config.rtc_unix_secs, Some(1_700_000_000));
    let p = plan(&RunArgs {
        rtc_base: Some("now".into()),
        ..Default::default()
    })
    .unwrap();
    assert!(p.config.rtc_unix_secs.is_some_and(|t| t > 1_700_000_000));
}

#[test]
fn plan_rejects_bad_input_with_one_line_errors() {
    let cases: Vec<RunArgs> = vec![
        RunArgs {
            rtc_base: Some("yesterday".into()),
            ..Default::default()
        },
        RunArgs {
            bios: Some("/nonexistent/rom.bin".into()),
            ..Default::default()
        },
        // Firmware options without --bios; a VGA BIOS that is no
        // option ROM, or missing.
        RunArgs {
            boot_menu: true,
            ..Default::default()
        },
        RunArgs {
            firmware_log: Some("stdio".into()),
            ..Default::default()
        },
        RunArgs {
            vgabios: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml").into()),
            ..Default::default()
        },
        RunArgs {
            vgabios: Some("/nonexistent/vgabios.bin".into()),
            ..Default::default()
        },
        RunArgs {
            memory: Some("0".into()),
            ..Default::default()
        },
        RunArgs {
            memory: Some("lots".into()),
            ..Default::default()
        },
        RunArgs {
            exit_port: Some("0x10000".into()),
            ..Default::default()
        },
        RunArgs {
            max_instructions: Some("1O".into()),
            ..Default::default()
        },
        RunArgs {
            dump_ram: vec!["0:16".into()],
            ..Default::default()
        },
        RunArgs {
            kernel: Some("/nonexistent/kernel.elf".into()),
            ..Default::default()
        },
        RunArgs {
            kernel: Some(KERNEL.into()),
            bios: Some(KERNEL.into()),
            ..Default::default()
        },
        RunArgs {
            append: Some("console=ttyS0".into()),
            ..Default::default()
        },
        RunArgs {
            serial: Some(String::new()),
            ..Default::default()
        },
        RunArgs {
            debugcon: Some("same.txt".into()),
            serial: Some("same.txt".into()),
            ..Default::default()
        },
        RunArgs {
            kernel: Some(KERNEL.into()),
            append: Some("a\0b".into()),
            ..Default::default()
        },
        RunArgs {
            initrd: Some(KERNEL.into()),
            ..Default::default()
        },
        RunArgs {
            kernel: Some(KERNEL.into()),
            initrd: Some(KERNEL.into()),
            ..Default::default()
        },
        // Neither a bzImage nor a Multiboot kernel.
        RunArgs {
            kernel: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml").into()),
            ..Default::default()
        },
    ];
    for a in cases {
        let e = plan(&a).expect_err(&format!("{a:?}"));
        let msg = format!("{e:#}");
        assert!(!msg.contains('\n'), "{msg}");
    }
}

/// A tiny ROM: `out 0xE9, al` for "ok", then `cli; hlt`, with the reset
/// vector jumping to it. Built by hand so the runner is tested without
/// depending on which instruction families exist.
fn tiny_rom(tail: &[u8]) -> Arc<[u8]> {
    let mut rom = vec![0xF4u8; 4096];
    // At offset 0 (F000:F000 → linear FF000).
    let mut code = vec![
        0xB0, b'o', 0xE6, 0xE9, // mov al,'o'; out 0xE9,al
        0xB0, b'k', 0xE6, 0xE9, // mov al,'k'; out 0xE9,al
    ];
    code.extend_from_slice(tail);
    rom[..code.len()].copy_from_slice(&code);
    // Reset vector at FFFF0: jmp far F000:F000.
    rom[0xFF0..0xFF5].copy_from_slice(&[0xEA, 0x00, 0xF0, 0x00, 0xF0]);
    rom.into()
}

fn test_plan(rom: Arc<[u8]>, tier: Tier) -> Plan {
    Plan {
        config: MachineConfig {
            bios: Some(rom),
            exit_port: Some(0xF4),
            tier,
            ..Default::default()
        },
        demo: false,
        kernel: None,
        builtin_bios: None,
        debugcon: OutputTarget::Null,
        firmware_log: OutputTarget::Null,
        serial: std::array::from_fn(|_| OutputTarget::Null),
        post_codes: false,
        until_halt: true,
        max_instructions: None,
        timeout: None,
        dumps: Vec::new(),
        trace: false,
        quiet: true,
        headless: true,
        screen: Default::default(),
    }
}

#[test]
fn runs_to_halt_and_to_the_exit_port() {
    for tier in [Tier::Blocks, Tier::Interpreter] {
        let p = test_plan(tiny_rom(&[0xFA, 0xF4]), tier);
        let mut m = Machine::new(&p.config).unwrap();
        let end = drive(&mut m, &p, &mut Outputs::null(), Instant::now()).unwrap();
        assert_eq!(
            end,
            End::Halted {
                interrupts_enabled: false
            }
        );
        assert_eq!(report(&m.cpu, &p, end), status::SUCCESS);

        // mov al,0x10; out 0xF4,al → status 0x21.
        let p = test_plan(tiny_rom(&[0xB0, 0x10, 0xE6, 0xF4, 0xFA, 0xF4]), tier);
        let mut m = Machine::new(&p.config).unwrap();
        let end = drive(&mut m, &p, &mut Outputs::null(), Instant::now()).unwrap();
        assert_eq!(end, End::ExitPort(0x21));
        assert_eq!(report(&m.cpu, &p, end), 0x21);
    }
}

/// The Multiboot test kernel.
const KERNEL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../test-roms/kernels/multiboot.elf"
);

#[test]
fn memory_defaults_are_qemus_except_on_the_legacy_cpus() {
    // A minimal bzImage: setup header (boot.rst) + 4 KiB of code.
    let mut bz = vec![0u8; 5 * 512 + 0x1000];
    let mut put = |at: usize, b: &[u8]| bz[at..at + b.len()].copy_from_slice(b);
    put(0x1F1, &[4]); // setup_sects
    put(0x1F4, &0x100u32.to_le_bytes()); // syssize
    put(0x1FE, &[0x55, 0xAA, 0xEB, 0x6A]); // boot_flag, jump
    put(0x202, b"HdrS\x0f\x02"); // protocol 2.15
    put(0x211, &[1]); // LOADED_HIGH
    put(0x214, &0x10_0000u32.to_le_bytes()); // code32_start
    put(0x238, &2047u32.to_le_bytes()); // cmdline_size
    put(0x260, &0x10_0000u32.to_le_bytes()); // init_size
    let path = std::env::temp_dir().join(format!("ox86-run-bz-{}", std::process::id()));
    std::fs::write(&path, &bz).unwrap();
    let p = plan(&RunArgs {
        kernel: Some(path.clone()),
        append: Some("console=ttyS0".into()),
        ..Default::default()
    });
    std::fs::remove_file(&path).unwrap();
    let p = p.unwrap();
    assert_eq!(p.config.ram_size, DEFAULT_MEMORY_MIB << 20);
    assert_eq!(p.kernel.unwrap().kind, bios::KernelKind::Linux);
    // On the 286 a Linux kernel still gets QEMU's default; anything else
    // the legacy models' default.
    let bz_path = std::env::temp_dir().join(format!("ox86-run-bz286-{}", std::process::id()));
    std::fs::write(&bz_path, &bz).unwrap();
    let p = plan(&RunArgs {
        kernel: Some(bz_path.clone()),
        cpu: RunCpu::I286,
        ..Default::default()
    });
    std::fs::remove_file(&bz_path).unwrap();
    assert_eq!(p.unwrap().config.ram_size, DEFAULT_MEMORY_MIB << 20);
    let p = plan(&RunArgs {
        kernel: Some(KERNEL.into()),
        cpu: RunCpu::I286,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(p.config.ram_size, LEGACY_CPU_DEFAULT_MEMORY_MIB << 20);
    // The Multiboot kernel on the default CPU: QEMU's default too.
    let p = plan(&RunArgs {
        kernel: Some(KERNEL.into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(p.config.ram_size, DEFAULT_MEMORY_MIB << 20);
}

#[test]
fn kernel_boots_without_firmware_and_prints_on_com1() {
    let args = RunArgs {
        kernel: Some(KERNEL.into()),
        append: Some("hello".into()),
        exit_port: Some("0xf4".into()),
        ..Default::default()
    };
    let p = plan(&args).unwrap();
    assert!(!p.demo && !p.until_halt && p.config.bios.is_none());
    assert!(p.config.no_reboot, "no firmware to reboot into");
    let mut m = Machine::new(&p.config).unwrap();
    m.load_boot_image(&p.kernel.as_ref().unwrap().image)
        .unwrap();
    let end = drive(&mut m, &p, &mut Outputs::null(), Instant::now()).unwrap();
    assert_eq!(end, End::ExitPort(33));
}

#[test]
fn instruction_limit_is_exact_on_both_tiers() {
    // jmp $ (a one-instruction block that never ends) after the output.
    for tier in [Tier::Blocks, Tier::Interpreter] {
        for max in [1, 5, 63, 64, 65, 1000, 100_003] {
            let mut p = test_plan(tiny_rom(&[0xEB, 0xFE]), tier);
            p.max_instructions = Some(max);
            let mut m = Machine::new(&p.config).unwrap();
            let end = drive(&mut m, &p, &mut Outputs::null(), Instant::now()).unwrap();
            assert_eq!(end, End::InstructionLimit);
            assert_eq!(m.cpu.icount, max, "{tier:?}");
        }
    }
}
