//! Boots `kernels/linux/boot_protocol.bin` (see `boot_protocol.asm`), a
//! tiny bzImage, through ox86's Linux loader (`bios::linux`, as
//! `ox86 run --kernel` does: no BIOS) on both execution tiers, and checks
//! what it prints on COM1: every check of the 32-bit boot protocol
//! hand-over passed (selectors, registers, boot_params fields), the command
//! line arrived, the E820 table is the one ox86 builds, the initrd's bytes
//! are where boot_params says, and the ACPI RSDP is found. A boot with a
//! wrong data selector shows the kernel's checks can fail.
//!
//! The real Debian kernel from the guest kit is booted by
//! `test-roms/guests/check.sh`.

use bios::linux::{self, LinuxOptions, TextConsole};
use bios::memory_map::PcLayout;
use emulator::engine::Tier;
use emulator::RunOutcome;
use test_roms::harness::{Guest, Run, FAIL, PASS};

const KERNEL: &[u8] = include_bytes!("../kernels/linux/boot_protocol.bin");
const RAM: u64 = 64 << 20;
const LIMIT: u64 = 20_000_000;
/// Checks the kernel always makes, and those for an initrd and for ACPI.
const BASE_CHECKS: usize = 23;
const INITRD_CHECKS: usize = 4;
const ACPI_CHECKS: usize = 1;

fn initrd() -> Vec<u8> {
    (0..100_000u32).map(|i| (i * 31 + 7) as u8).collect()
}

fn image(cmdline: Option<&str>, initrd: Option<&[u8]>, acpi: bool) -> bios::BootImage {
    let tables = bios::acpi::build(RAM);
    let opts = LinuxOptions {
        ram_size: RAM,
        cmdline,
        initrd,
        acpi: acpi.then_some(&tables),
        console: TextConsole::default(),
    };
    linux::load(KERNEL, &opts)
        .expect("the test kernel loads")
        .image
}

fn check_pass(r: &Run, checks: usize) {
    let tier = r.tier;
    let fails: Vec<&str> = r.serial.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert!(fails.is_empty(), "{tier:?}: {}", fails.join("\n"));
    assert_eq!(r.outcome, RunOutcome::Exit(PASS), "{tier:?}:\n{}", r.serial);
    let oks = r.serial.lines().filter(|l| l.starts_with("ok   ")).count();
    assert_eq!(oks, checks, "{tier:?}:\n{}", r.serial);
    let summary = format!("all {checks} checks passed");
    assert!(
        r.serial.lines().any(|l| l == summary),
        "{tier:?}:\n{}",
        r.serial
    );
}

/// The E820 lines the kernel prints for a map.
fn e820_lines(layout: PcLayout) -> Vec<String> {
    layout
        .memory_map()
        .iter()
        .map(|r| format!("e820: {:#010x} {:#010x} {}", r.base, r.len, r.kind))
        .collect()
}

#[test]
fn boot_protocol_hand_over_with_initrd_and_acpi_on_both_tiers() {
    let rd = initrd();
    let img = image(Some("console=ttyS0 hello"), Some(&rd), true);
    Guest::kernel(&img, RAM)
        .limit(LIMIT)
        .run_both_tiers_checked(|r| {
            check_pass(r, BASE_CHECKS + INITRD_CHECKS + ACPI_CHECKS);
            let s = &r.serial;
            assert!(
                s.lines().any(|l| l == "cmdline: console=ttyS0 hello"),
                "{s}"
            );
            let sum: u32 = rd.iter().map(|&b| u32::from(b)).sum();
            let want = format!("initrd: {} bytes, sum {sum:#010x}", rd.len());
            assert!(s.lines().any(|l| l == want), "no {want:?} in:\n{s}");
            let acpi = bios::acpi::build(RAM);
            let want = format!("acpi_rsdp_addr: {:#010x}", acpi.rsdp_addr);
            assert!(s.lines().any(|l| l == want), "no {want:?} in:\n{s}");
            let map = e820_lines(PcLayout {
                acpi: Some((u64::from(acpi.region_base), u64::from(acpi.region_len))),
                ..PcLayout::new(RAM)
            });
            let got: Vec<&str> = s.lines().filter(|l| l.starts_with("e820:")).collect();
            assert_eq!(got, map, "{s}");
        });
}

#[test]
fn without_initrd_acpi_or_command_line() {
    let img = image(None, None, false);
    let r = Guest::kernel(&img, RAM).limit(LIMIT).run(Tier::Blocks);
    check_pass(&r, BASE_CHECKS);
    let s = &r.serial;
    assert!(s.lines().any(|l| l == "cmdline: "), "{s}");
    assert!(
        !s.contains("initrd:") && !s.contains("acpi_rsdp_addr"),
        "{s}"
    );
    let got: Vec<&str> = s.lines().filter(|l| l.starts_with("e820:")).collect();
    assert_eq!(got, e820_lines(PcLayout::new(RAM)), "{s}");
}

#[test]
fn a_wrong_hand_over_fails_the_kernel_checks() {
    let mut img = image(Some("x"), None, false);
    img.entry.data_selector = 0x10; // __BOOT_CS instead of __BOOT_DS
    img.entry.regs[3] = 1; // EBX
    let r = Guest::kernel(&img, RAM).limit(LIMIT).run(Tier::Blocks);
    assert_eq!(r.outcome, RunOutcome::Exit(FAIL), "{}", r.serial);
    let fails: Vec<&str> = r.serial.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(
        fails,
        vec![
            "FAIL DS = __BOOT_DS (0x18)",
            "FAIL ES = __BOOT_DS (0x18)",
            "FAIL SS = __BOOT_DS (0x18)",
            "FAIL EBX, EBP and EDI are 0",
        ],
        "{}",
        r.serial
    );
}
