//! Scheduler tests: hand-assembled real-mode programs at 0000:1000 with
//! an IRQ0 handler at 0000:1100 that counts in BX.

use super::*;
use crate::cpu::state::Segment;
use crate::cpu::SegReg;
use crate::MachineConfig;
use devices::pit8254::{ns_of_clock, PIT_CLOCK_HZ};

const CODE: u32 = 0x1000;
const HANDLER: u32 = 0x1100;
/// PIT count of the tests' periodic timer (≈ 1 ms).
const COUNT: u16 = 1193;

/// 8259A initialisation (vectors 8 and 0x70, only IRQ0 unmasked) and PIT
/// counter 0 in mode 2 with [`COUNT`]; BX = 0.
fn setup() -> Vec<u8> {
    let mut c = vec![0xFA]; // cli
    for (port, v) in [
        (0x20u8, 0x11u8),
        (0x21, 0x08),
        (0x21, 0x04),
        (0x21, 0x01),
        (0xA0, 0x11),
        (0xA1, 0x70),
        (0xA1, 0x02),
        (0xA1, 0x01),
        (0xA1, 0xFF),
        (0x21, 0xFE),
        (0x43, 0x34),
        (0x40, COUNT as u8),
        (0x40, (COUNT >> 8) as u8),
    ] {
        c.extend([0xB0, v, 0xE6, port]); // mov al, v ; out port, al
    }
    c.extend([0x31, 0xDB]); // xor bx, bx
    c
}

/// `sti; l: hlt; cmp bx, n; jb l; mov al, 0x10; out 0xF4, al; cli; hlt`.
fn count_ticks_with_hlt(n: u8) -> Vec<u8> {
    let mut c = setup();
    c.extend([0xFB, 0xF4, 0x83, 0xFB, n, 0x72, 0xFA]);
    c.extend([0xB0, 0x10, 0xE6, 0xF4, 0xFA, 0xF4]);
    c
}

/// The IRQ0 handler: `inc bx; push ax; mov al, 0x20; out 0x20, al; pop
/// ax; iret`.
const IRQ0_HANDLER: [u8; 8] = [0x43, 0x50, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF];

fn machine(code: &[u8], tier: Tier, clock: ClockMode) -> Machine {
    let mut m = Machine::new(&MachineConfig {
        tier,
        clock,
        exit_port: Some(0xF4),
        ram_size: 1 << 20,
        ..Default::default()
    })
    .unwrap();
    m.cpu.mem.write_bytes(CODE, code);
    m.cpu.mem.write_bytes(HANDLER, &IRQ0_HANDLER);
    // IVT entry 8 → 0000:1100.
    m.cpu.mem.write_bytes(8 * 4, &[0x00, 0x11, 0x00, 0x00]);
    let s = &mut m.cpu.state;
    for r in SegReg::ALL {
        s.seg[r as usize] = Segment::real(0, r == SegReg::Cs);
    }
    s.rip = u64::from(CODE);
    s.regs[4] = 0x8000;
    m
}

fn run(m: &mut Machine, limit: u64) -> RunOutcome {
    loop {
        let o = m.run_slice(1 << 20);
        if o != RunOutcome::Budget {
            return o;
        }
        assert!(m.cpu.icount < limit, "no end after {limit} instructions");
    }
}

/// Guest time of PIT period end `k` (k ≥ 1) for a count written at `t0`.
fn tick_ns(t0: u64, k: u64) -> u64 {
    let c0 = devices::pit8254::clocks_at(t0);
    // The count is loaded on the next CLK pulse, then counts COUNT pulses.
    ns_of_clock(c0 + 1 + k * u64::from(COUNT))
}

#[test]
fn hlt_skips_to_each_timer_interrupt_on_both_tiers() {
    let mut results = Vec::new();
    for tier in [Tier::Blocks, Tier::Interpreter] {
        let mut m = machine(&count_ticks_with_hlt(10), tier, ClockMode::Deterministic);
        assert_eq!(run(&mut m, 10_000), RunOutcome::Exit(0x21), "{tier:?}");
        assert_eq!(m.cpu.state.regs[3] & 0xFFFF, 10);
        // The control word sets OUT0 high (mode 2): the first interrupt
        // comes at once, then one per period. Time ran to the 9th period
        // end: the setup's ~30 instructions, then the skips (each wake-up
        // costs a handful of instructions).
        let now = m.now_ns();
        let t0 = 27; // icount of the last OUT to 0x40 (ns at 1 ns/insn)
        assert!(now >= tick_ns(t0, 9) && now < tick_ns(t0, 9) + 200, "{now}");
        assert!(m.cpu.icount < 200, "{}", m.cpu.icount);
        results.push((m.cpu.icount, now));
    }
    assert_eq!(results[0], results[1], "both tiers agree exactly");
}

#[test]
fn timer_interrupts_arrive_at_the_deadline_instruction_while_busy() {
    // sti; l: jmp l — IRQ0 counts in BX while the CPU spins.
    let mut code = setup();
    code.extend([0xFB, 0xEB, 0xFE]);
    let mut counts = Vec::new();
    for tier in [Tier::Blocks, Tier::Interpreter] {
        let mut m = machine(&code, tier, ClockMode::Deterministic);
        let mut tsc_at_ticks = Vec::new();
        let mut last = 0;
        while m.cpu.icount < 5_500_000 {
            assert_eq!(m.run_slice(1000), RunOutcome::Budget);
            let bx = m.cpu.state.regs[3] & 0xFFFF;
            if bx != last {
                tsc_at_ticks.push(m.cpu.tsc());
                last = bx;
            }
        }
        // 5.5 ms at 1 ns per instruction: the interrupt of the control
        // word (OUT0 rises in mode 2), then five ~1 ms periods.
        assert_eq!(last, 6, "{tier:?}");
        let period = u64::from(COUNT) * 1_000_000_000 / PIT_CLOCK_HZ;
        for w in tsc_at_ticks.windows(2) {
            let d = w[1] - w[0];
            assert!(d.abs_diff(period) <= 1000, "{d}");
        }
        counts.push(m.cpu.icount);
    }
    assert_eq!(counts[0], counts[1]);
}

#[test]
fn deterministic_runs_repeat_exactly() {
    let go = || {
        let mut m = machine(
            &count_ticks_with_hlt(25),
            Tier::Blocks,
            ClockMode::Deterministic,
        );
        let o = run(&mut m, 100_000);
        (o, m.cpu.icount, m.now_ns(), m.cpu.tsc())
    };
    let a = go();
    assert_eq!(a.0, RunOutcome::Exit(0x21));
    assert_eq!(a, go());
}

#[test]
fn halt_with_nothing_to_wake_ends_the_run() {
    for tier in [Tier::Blocks, Tier::Interpreter] {
        // sti; hlt with no timer programmed.
        let mut m = machine(&[0xFB, 0xF4], tier, ClockMode::Deterministic);
        assert_eq!(
            run(&mut m, 100),
            RunOutcome::Halted {
                interrupts_enabled: true
            }
        );
        // The timer runs but its IRQ is masked in the 8259A.
        let mut code = setup();
        code.extend([0xB0, 0xFF, 0xE6, 0x21, 0xFB, 0xF4]);
        let mut m = machine(&code, tier, ClockMode::Deterministic);
        assert_eq!(
            run(&mut m, 100),
            RunOutcome::Halted {
                interrupts_enabled: true
            }
        );
        // cli; hlt
        let mut m = machine(&[0xFA, 0xF4], tier, ClockMode::Deterministic);
        assert_eq!(
            run(&mut m, 100),
            RunOutcome::Halted {
                interrupts_enabled: false
            }
        );
    }
}

#[test]
fn real_time_halt_sleeps_until_the_timer() {
    let t = std::time::Instant::now();
    let mut m = machine(&count_ticks_with_hlt(5), Tier::Blocks, ClockMode::RealTime);
    assert_eq!(run(&mut m, 10_000), RunOutcome::Exit(0x21));
    // The control word's interrupt, then four ~1 ms periods of host time
    // (the guest clock follows it).
    assert!(
        t.elapsed() >= Duration::from_micros(3_900),
        "{:?}",
        t.elapsed()
    );
    assert!(m.now_ns() >= 3_900_000);
}

#[test]
fn reset_requests_reset_the_cpu_or_end_the_run() {
    // mov al, 0xFE; out 0x64, al; jmp $
    let code = [0xB0, 0xFE, 0xE6, 0x64, 0xEB, 0xFE];
    let mut m = machine(&code, Tier::Blocks, ClockMode::Deterministic);
    m.no_reboot = true;
    assert_eq!(m.run_slice(100), RunOutcome::ResetRequested);
    let mut m = machine(&code, Tier::Blocks, ClockMode::Deterministic);
    assert_eq!(m.run_slice(100), RunOutcome::Budget);
    assert_eq!(m.resets, 1);
    // Port 0x92 bit 0 (fast reset), with the A20 gate bit: the board reset
    // returns port 0x92 to its power-on value.
    let code = [0xB0, 0x03, 0xE6, 0x92, 0xEB, 0xFE];
    let mut m = machine(&code, Tier::Interpreter, ClockMode::Deterministic);
    m.no_reboot = true;
    assert_eq!(m.run_slice(100), RunOutcome::ResetRequested);
    let mut m = machine(&code, Tier::Interpreter, ClockMode::Deterministic);
    assert_eq!(m.run_slice(100), RunOutcome::Budget);
    assert_eq!(m.resets, 1);
    assert_eq!(m.cpu.io.read(0x92, devices::IoSize::Byte), 0);
}

#[test]
fn a20_follows_port_92_and_the_8042() {
    for tier in [Tier::Blocks, Tier::Interpreter] {
        // 8042: D1 ← DD (output port, A20 off); then port 0x92 = 2 (A20 on),
        // then 0 (off); hlt after each step.
        let code = [
            0xB0, 0xD1, 0xE6, 0x64, 0xB0, 0xDD, 0xE6, 0x60, 0xF4, // A20 off
            0xB0, 0x02, 0xE6, 0x92, 0xF4, // on
            0xB0, 0x00, 0xE6, 0x92, 0xF4, // off
            0xB0, 0xDF, 0xE6, 0x64, 0xF4, // 8042 A20 on
        ];
        let mut m = machine(&code, tier, ClockMode::Deterministic);
        assert!(m.cpu.mem.a20());
        for expected in [false, true, false, true] {
            assert_eq!(
                m.run_slice(100),
                RunOutcome::Halted {
                    interrupts_enabled: false
                }
            );
            // The line is applied before the next instruction runs.
            m.run_slice(0);
            assert_eq!(m.cpu.mem.a20(), expected, "{tier:?}");
            m.cpu.state.halted = false;
        }
    }
}

#[test]
fn power_off_request_ends_the_run() {
    let mut m = machine(&[0xEB, 0xFE], Tier::Blocks, ClockMode::Deterministic);
    assert_eq!(m.run_slice(100), RunOutcome::Budget);
    m.cpu.io.power_off_requested = true;
    assert_eq!(m.run_slice(100), RunOutcome::PowerOff);
}

#[test]
fn rdtsc_counts_the_skipped_time() {
    // Count 3 ticks with HLT, then rdtsc: the TSC includes the skips.
    let mut code = setup();
    code.extend([
        0xFB, 0xF4, 0x83, 0xFB, 3, 0x72, 0xFA, 0x0F, 0x31, 0xFA, 0xF4,
    ]);
    let mut m = machine(&code, Tier::Blocks, ClockMode::Deterministic);
    assert_eq!(
        run(&mut m, 10_000),
        RunOutcome::Halted {
            interrupts_enabled: false
        }
    );
    let tsc = m.cpu.state.regs[0] & 0xFFFF_FFFF;
    assert!(tsc >= tick_ns(27, 2), "{tsc}");
    assert!(m.cpu.icount < 100);
}

#[test]
fn host_input_keeps_a_halted_guest_waiting() {
    for clock in [ClockMode::Deterministic, ClockMode::RealTime] {
        // sti; hlt with no timer: only host input could wake the CPU.
        let mut m = machine(&[0xFB, 0xF4], Tier::Blocks, clock);
        m.host_input = true;
        // Another thread's unpark (what the stdin reader does) ends the
        // wait early; the slice then returns so the host can feed input.
        let me = std::thread::current();
        let waker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(2));
            me.unpark();
        });
        assert_eq!(m.run_slice(1000), RunOutcome::Budget, "{clock:?}");
        waker.join().unwrap();
        let icount = m.cpu.icount;
        assert_eq!(m.run_slice(1000), RunOutcome::Budget);
        assert_eq!(m.cpu.icount, icount, "still halted");
        // Input ended: nothing can wake the CPU any more.
        m.host_input = false;
        assert_eq!(
            m.run_slice(1000),
            RunOutcome::Halted {
                interrupts_enabled: true
            }
        );
    }
}

#[test]
fn the_sti_shadow_never_overruns_a_slice_budget() {
    // The PIT's control word leaves IRQ0 pending while IF = 0; STI then
    // lets it in after one more instruction.
    let mut code = setup();
    let setup_len = 28; // cli, 13 × (mov al; out), xor bx, bx
    code.extend([0xFB, 0x90, 0x90, 0xEB, 0xFE]); // sti; nop; nop; jmp $
    for tier in [Tier::Blocks, Tier::Interpreter] {
        let mut m = machine(&code, tier, ClockMode::Deterministic);
        // The budget ends right after STI: the shadowed NOP must wait.
        assert_eq!(m.run_slice(setup_len + 1), RunOutcome::Budget);
        assert_eq!(m.cpu.icount, setup_len + 1, "{tier:?}");
        assert_eq!(m.cpu.state.regs[3] & 0xFFFF, 0);
        // Next slice: the NOP, then the interrupt (the handler's INC BX).
        assert_eq!(m.run_slice(2), RunOutcome::Budget);
        assert_eq!(m.cpu.icount, setup_len + 3, "{tier:?}");
        assert_eq!(m.cpu.state.regs[3] & 0xFFFF, 1, "{tier:?}");
    }
}
