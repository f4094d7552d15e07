//! Boots `kernels/multiboot.elf` (see `kernels/multiboot.asm`) directly, as
//! `ox86 run --kernel` does — Multiboot loader, no BIOS — on both execution
//! tiers, and checks what it prints on COM1 and how it exits: every check
//! of the hand-over, the information structure and the UART passed, the
//! memory map is the one ox86 builds, the loader name and the command line
//! arrived, and the kernel wrote EXIT_PASS to port 0xF4 (host status 33).
//! A boot with a wrong EAX shows the kernel's checks can fail.
//!
//! The `ox86` command line (`--kernel`, `--append`, `--serial`) is tested
//! in `frontend/tests/kernel.rs`.

use bios::multiboot::{self, MultibootOptions};
use emulator::engine::Tier;
use emulator::RunOutcome;
use test_roms::harness::{Guest, Run, FAIL, PASS};

const KERNEL: &[u8] = include_bytes!("../kernels/multiboot.elf");
/// Checks the kernel makes.
const CHECKS: usize = 23;
const RAM: u64 = 32 << 20;
const LIMIT: u64 = 5_000_000;

/// The test kernel, loaded with `cmdline`, entered with EAX = `eax` when
/// given (instead of the Multiboot magic).
fn guest_image(cmdline: Option<&str>, eax: Option<u32>) -> bios::BootImage {
    let opts = MultibootOptions {
        ram_size: RAM,
        cmdline,
    };
    let mut kernel = multiboot::load(KERNEL, &opts).expect("the test kernel loads");
    if let Some(v) = eax {
        kernel.image.entry.regs[0] = v;
    }
    kernel.image
}

fn run(tier: Tier, cmdline: Option<&str>, eax: Option<u32>) -> Run {
    let image = guest_image(cmdline, eax);
    let r = Guest::kernel(&image, RAM).limit(LIMIT).run(tier);
    assert_no_console(&r);
    r
}

/// The kernel reports on COM1 only.
fn assert_no_console(r: &Run) {
    assert!(r.console.is_empty(), "{:?}: nothing on port 0xE9", r.tier);
}

fn check_pass(r: &Run) {
    let tier = r.tier;
    let fails: Vec<&str> = r.serial.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert!(fails.is_empty(), "{tier:?}: {}", fails.join("\n"));
    assert_eq!(r.outcome, RunOutcome::Exit(PASS), "{tier:?}:\n{}", r.serial);
    let oks = r.serial.lines().filter(|l| l.starts_with("ok   ")).count();
    assert_eq!(oks, CHECKS, "{tier:?}:\n{}", r.serial);
    assert!(
        r.serial
            .lines()
            .any(|l| l == format!("multiboot: {CHECKS} checks, 0 failed")),
        "{tier:?}:\n{}",
        r.serial
    );
}

#[test]
fn multiboot_kernel_passes_on_both_tiers_with_the_same_output() {
    let image = guest_image(Some("hello world"), None);
    Guest::kernel(&image, RAM)
        .limit(LIMIT)
        .run_both_tiers_checked(|r| {
            assert_no_console(r);
            check_pass(r);
        });
}

#[test]
fn kernel_sees_the_ox86_memory_map_loader_name_and_command_line() {
    let r = run(Tier::Blocks, Some("hello world"), None);
    let s = &r.serial;
    for line in [
        "multiboot: test kernel started",
        // memory, cmdline, mods, mmap, loader name
        "info flags 0x0000024d",
        "mem_lower 640 KiB, mem_upper 31744 KiB",
        "mmap: base=0x00000000 length=0x000a0000 type=1",
        "mmap: base=0x000a0000 length=0x00020000 type=2",
        "mmap: base=0x000c0000 length=0x00040000 type=2",
        "mmap: base=0x00100000 length=0x01f00000 type=1",
        "loader: ox86",
        "cmdline: hello world",
    ] {
        assert!(s.lines().any(|l| l == line), "no line {line:?} in:\n{s}");
    }
    // Lines come in order: the map before the loader name.
    assert!(s.find("mmap:").unwrap() < s.find("loader:").unwrap());
}

#[test]
fn without_append_there_is_no_command_line() {
    let r = run(Tier::Blocks, None, None);
    check_pass(&r);
    assert!(r.serial.contains("info flags 0x00000249\n"), "{}", r.serial);
    assert!(!r.serial.contains("cmdline:"), "{}", r.serial);
}

#[test]
fn a_wrong_boot_magic_fails_the_kernel() {
    for tier in [Tier::Blocks, Tier::Interpreter] {
        let r = run(tier, None, Some(0x1234_5678));
        assert_eq!(r.outcome, RunOutcome::Exit(FAIL), "{tier:?}:\n{}", r.serial);
        assert!(
            r.serial
                .contains("FAIL EAX holds the boot loader magic 0x2BADB002\n"),
            "{}",
            r.serial
        );
        assert!(r.serial.contains(&format!("{CHECKS} checks, 1 failed")));
    }
}
