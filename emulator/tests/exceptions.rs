//! Fault injection: each test makes the CPU raise one exception in flat
//! 32-bit protected mode and checks the exact vector, error code and the
//! frame the CPU pushed (EIP, CS, EFLAGS, and ESP/SS after a ring change),
//! on both execution tiers (SDM Vol. 3A §6.12 frames, §6.15 per-exception
//! error codes and saved state, Table 6-5 double faults, ch. 17 debug
//! exceptions). Triple faults shut the CPU down: the machine resets it, or
//! ends the run with `MachineConfig::no_reboot`.

use emulator::cpu::state::{cr0, Segment};
use emulator::cpu::{flags, CpuModel, SegReg};
use emulator::engine::Tier;
use emulator::{Machine, MachineConfig, RunOutcome};
use std::sync::Arc;

const GDT: u32 = 0x0800;
const IDT: u32 = 0x1000;
const TSS: u32 = 0x2000;
/// Handler of vector v: `hlt` at STUBS + 16·v.
const STUBS: u32 = 0x3000;
const COUNTER: u32 = 0x7000;
const ESP0: u32 = 0x8000;
const ESP3: u32 = 0x9000;
const CODE: u32 = 0x10000;
/// A word in RAM that a CPU reset must leave alone.
const MARKER: u32 = 0x6000;

const CODE0: u16 = 0x08;
const DATA0: u16 = 0x10;
const CODE3: u16 = 0x1B;
const DATA3: u16 = 0x23;
const TSS_SEL: u16 = 0x28;
/// A data segment that is not present.
const NOT_PRESENT: u16 = 0x30;

/// A code/data descriptor: base, limit (bytes or 4-KiB units with G), access byte, flags nibble.
fn seg_desc(base: u32, limit: u32, access: u8, fl: u8) -> u64 {
    u64::from(limit & 0xFFFF)
        | (u64::from(base & 0xFF_FFFF) << 16)
        | (u64::from(access) << 40)
        | (u64::from((limit >> 16) & 0xF) << 48)
        | (u64::from(fl & 0xF) << 52)
        | (u64::from(base >> 24) << 56)
}

/// A 32-bit interrupt gate (DPL 3 so INT n works from ring 3 too).
fn int_gate(offset: u32) -> u64 {
    u64::from(offset & 0xFFFF)
        | (u64::from(CODE0) << 16)
        | (0xEEu64 << 40)
        | (u64::from(offset >> 16) << 48)
}

/// The hidden part of a segment register for the descriptor `d`.
fn cache(selector: u16, d: u64) -> Segment {
    let limit = ((d & 0xFFFF) | ((d >> 32) & 0xF_0000)) as u32;
    let g = d & (1 << 55) != 0;
    Segment {
        selector,
        base: (((d >> 16) & 0xFF_FFFF) | ((d >> 32) & 0xFF00_0000)) as u32,
        limit: if g { (limit << 12) | 0xFFF } else { limit },
        attr: (((d >> 40) & 0xFF) | ((d >> 40) & 0xF000)) as u16,
    }
}

/// A ROM whose reset vector is `hlt`, so a reset machine halts at F000:FFF1.
fn rom() -> Arc<[u8]> {
    let mut r = vec![0xF4u8; 4096];
    r[0xFF0] = 0xF4;
    r.into()
}

/// A Pentium machine in flat 32-bit protected mode at privilege `cpl`,
/// with `code` at [`CODE`], every IDT vector 0–31 going to a `hlt` stub.
fn pm_machine(tier: Tier, cpl: u8, code: &[u8], no_reboot: bool) -> Machine {
    let cfg = MachineConfig {
        model: CpuModel::Pentium,
        ram_size: 1 << 20,
        bios: Some(rom()),
        tier,
        no_reboot,
        ..Default::default()
    };
    let mut m = Machine::new(&cfg).unwrap();
    let mem = &mut m.cpu.mem;
    let gdt = [
        0,
        seg_desc(0, 0xF_FFFF, 0x9B, 0xC),
        seg_desc(0, 0xF_FFFF, 0x93, 0xC),
        seg_desc(0, 0xF_FFFF, 0xFB, 0xC),
        seg_desc(0, 0xF_FFFF, 0xF3, 0xC),
        seg_desc(TSS, 0x67, 0x89, 0),
        seg_desc(0, 0xF_FFFF, 0x13, 0xC),
        seg_desc(0, 0xFFFF, 0x93, 0x4),
    ];
    for (i, d) in gdt.iter().enumerate() {
        mem.write(GDT + 8 * i as u32, 8, *d);
    }
    for v in 0..32u32 {
        mem.write(IDT + 8 * v, 8, int_gate(STUBS + 16 * v));
        mem.write_u8(STUBS + 16 * v, 0xF4);
    }
    mem.write(TSS + 4, 4, u64::from(ESP0));
    mem.write(TSS + 8, 2, u64::from(DATA0));
    mem.write(MARKER, 4, 0x1234_5678);
    mem.write_bytes(CODE, code);
    let s = &mut m.cpu.state;
    s.cr0 = cr0::PE | cr0::ET;
    s.gdtr.base = u64::from(GDT);
    s.gdtr.limit = (8 * gdt.len() - 1) as u16;
    s.idtr.base = u64::from(IDT);
    s.idtr.limit = 32 * 8 - 1;
    s.tr = cache(TSS_SEL, gdt[5]);
    let (cs, ds) = if cpl == 3 {
        (CODE3, DATA3)
    } else {
        (CODE0, DATA0)
    };
    for r in SegReg::ALL {
        let sel = if r == SegReg::Cs { cs } else { ds };
        s.seg[r as usize] = cache(sel, gdt[usize::from(sel >> 3)]);
    }
    s.cpl = cpl;
    s.rip = u64::from(CODE);
    s.regs[4] = u64::from(if cpl == 3 { ESP3 } else { ESP0 });
    m
}

fn run(m: &mut Machine) -> RunOutcome {
    for _ in 0..100 {
        let o = m.run_slice(1000);
        if o != RunOutcome::Budget {
            return o;
        }
    }
    RunOutcome::Budget
}

/// What the exception handler found on its stack.
#[derive(Debug, PartialEq, Eq)]
struct Frame {
    vector: u32,
    error: Option<u32>,
    eip: u32,
    cs: u32,
    eflags: u32,
    /// Outer ESP and SS when the exception came from ring 3.
    outer: Option<(u32, u32)>,
}

/// Read the frame of the exception whose `hlt` stub the CPU stopped in.
fn frame(m: &Machine, has_error: bool) -> Frame {
    let eip = m.cpu.state.rip as u32;
    assert!(
        (STUBS + 1..STUBS + 32 * 16).contains(&eip) && (eip - STUBS) % 16 == 1,
        "stopped at {eip:#x}, not in an exception stub"
    );
    let mut sp = m.cpu.state.regs[4] as u32;
    let mut pop = || {
        let v = m.cpu.mem.read(sp, 4) as u32;
        sp += 4;
        v
    };
    let error = has_error.then(&mut pop);
    let (eip_s, cs, eflags) = (pop(), pop(), pop());
    let outer = (cs & 3 == 3).then(|| (pop(), pop()));
    Frame {
        vector: (eip - STUBS - 1) / 16,
        error,
        eip: eip_s,
        cs,
        eflags,
        outer,
    }
}

/// One fault-injection case.
struct Case {
    name: &'static str,
    cpl: u8,
    code: &'static [u8],
    setup: fn(&mut Machine),
    vector: u32,
    error: Option<u32>,
    /// Saved EIP as an offset into the code.
    eip: u32,
    /// EFLAGS.RF in the pushed image (fault-class exceptions set it).
    rf: bool,
}

fn no_setup(_: &mut Machine) {}

fn dr7_enable(m: &mut Machine, n: usize, addr: u32, rw: u64, len: u64) {
    m.cpu.state.dr[n] = u64::from(addr);
    m.cpu.state.dr[7] |= (2 << (2 * n)) | (rw << (16 + 4 * n)) | (len << (18 + 4 * n));
    m.cpu.sync_debug();
}

const CASES: &[Case] = &[
    Case {
        name: "#DE: div ecx with ecx = 0",
        cpl: 0,
        code: &[0x31, 0xC9, 0xF7, 0xF1],
        setup: no_setup,
        vector: 0,
        error: None,
        eip: 2,
        rf: true,
    },
    Case {
        name: "#UD: ud2",
        cpl: 0,
        code: &[0x90, 0x0F, 0x0B],
        setup: no_setup,
        vector: 6,
        error: None,
        eip: 1,
        rf: true,
    },
    Case {
        name: "#UD: LOCK NOP",
        cpl: 3,
        code: &[0xF0, 0x90],
        setup: no_setup,
        vector: 6,
        error: None,
        eip: 0,
        rf: true,
    },
    Case {
        name: "#GP(sel): selector beyond the GDT limit",
        cpl: 0,
        code: &[0x66, 0xB8, 0x00, 0x01, 0x8E, 0xD8],
        setup: no_setup,
        vector: 13,
        error: Some(0x100),
        eip: 4,
        rf: true,
    },
    Case {
        name: "#NP(sel): data segment not present",
        cpl: 0,
        code: &[0x66, 0xB8, 0x30, 0x00, 0x8E, 0xD8],
        setup: no_setup,
        vector: 11,
        error: Some(NOT_PRESENT as u32),
        eip: 4,
        rf: true,
    },
    Case {
        name: "#SS(0): [ebp] beyond a 64-KiB stack segment",
        cpl: 0,
        code: &[0x66, 0xB8, 0x38, 0x00, 0x8E, 0xD0, 0x8B, 0x45, 0x00], // SS = 64-KiB segment
        setup: |m| m.cpu.state.regs[5] = 0x2_0000,
        vector: 12,
        error: Some(0),
        eip: 6,
        rf: true,
    },
    Case {
        name: "#GP(0): CLI at ring 3 with IOPL 0 (stack switch)",
        cpl: 3,
        code: &[0x90, 0xFA],
        setup: no_setup,
        vector: 13,
        error: Some(0),
        eip: 1,
        rf: true,
    },
    Case {
        name: "#AC(0): misaligned dword read at ring 3 with CR0.AM and AC",
        cpl: 3,
        code: &[0x8B, 0x05, 0x01, 0x90, 0x00, 0x00],
        setup: |m| {
            m.cpu.state.cr0 |= cr0::AM;
            m.cpu.state.flags.set(flags::AC, true);
        },
        vector: 17,
        error: Some(0),
        eip: 0,
        rf: true,
    },
    Case {
        name: "#AC(0): misaligned push at ring 3",
        cpl: 3,
        code: &[0x90, 0x50],
        setup: |m| {
            m.cpu.state.cr0 |= cr0::AM;
            m.cpu.state.flags.set(flags::AC, true);
            m.cpu.state.regs[4] = u64::from(ESP3 - 2);
        },
        vector: 17,
        error: Some(0),
        eip: 1,
        rf: true,
    },
    Case {
        name: "#BP: INT3 (trap)",
        cpl: 3,
        code: &[0x90, 0xCC],
        setup: no_setup,
        vector: 3,
        error: None,
        eip: 2,
        rf: false,
    },
    Case {
        name: "#DB: single step after the instruction following POPFD",
        cpl: 0,
        // pushfd ; or dword [esp], 0x100 ; popfd ; nop ; nop
        code: &[
            0x9C, 0x81, 0x0C, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9D, 0x90, 0x90,
        ],
        setup: no_setup,
        vector: 1,
        error: None,
        eip: 10,
        rf: false,
    },
    Case {
        name: "#DB: data write breakpoint (trap, DR0 LEN 4)",
        cpl: 3,
        // nop ; mov dword [0x7004], 1 ; nop
        code: &[
            0x90, 0xC7, 0x05, 0x04, 0x70, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x90,
        ],
        setup: |m| dr7_enable(m, 0, COUNTER + 4, 1, 3),
        vector: 1,
        error: None,
        eip: 11,
        rf: false,
    },
    Case {
        name: "#DB: instruction breakpoint (fault, RF clear)",
        cpl: 3,
        code: &[0x90, 0x43, 0xF4],
        setup: |m| dr7_enable(m, 1, CODE + 1, 0, 0),
        vector: 1,
        error: None,
        eip: 1,
        rf: false,
    },
    Case {
        name: "#DF(0): #GP whose gate is not present (#NP while delivering #GP)",
        cpl: 0,
        code: &[0x66, 0xB8, 0x00, 0x01, 0x8E, 0xD8],
        setup: |m| m.cpu.mem.write(IDT + 13 * 8 + 5, 1, 0x6E),
        vector: 8,
        error: Some(0),
        eip: 4,
        rf: false,
    },
    Case {
        name: "benign then contributory: #UD with its gate not present gives #NP(6·8+3)",
        cpl: 0,
        code: &[0x0F, 0x0B],
        setup: |m| m.cpu.mem.write(IDT + 6 * 8 + 5, 1, 0x6E),
        vector: 11,
        // IDT bit and EXT (the fault came while delivering an exception).
        error: Some(6 * 8 + 3),
        eip: 0,
        rf: true,
    },
    Case {
        name: "contributory then contributory: #DE beyond the IDT limit gives #DF",
        cpl: 0,
        code: &[0x31, 0xC9, 0xF7, 0xF1],
        setup: |m| m.cpu.mem.write(IDT + 5, 1, 0x6E),
        vector: 8,
        error: Some(0),
        eip: 2,
        rf: false,
    },
];

#[test]
fn fault_injection_frames() {
    for c in CASES {
        let mut states = Vec::new();
        for tier in [Tier::Interpreter, Tier::Blocks] {
            let mut m = pm_machine(tier, c.cpl, c.code, true);
            (c.setup)(&mut m);
            let start_flags = m.cpu.state.flags.eflags();
            let o = run(&mut m);
            assert_eq!(
                o,
                RunOutcome::Halted {
                    interrupts_enabled: false
                },
                "{}: {tier:?}",
                c.name
            );
            let f = frame(&m, c.error.is_some());
            let cs = u32::from(if c.cpl == 3 { CODE3 } else { CODE0 });
            assert_eq!(
                (f.vector, f.error, f.eip, f.cs),
                (c.vector, c.error, CODE + c.eip, cs),
                "{}: {tier:?}",
                c.name
            );
            assert_eq!(
                f.eflags & flags::RF != 0,
                c.rf,
                "{}: RF in {:#x}",
                c.name,
                f.eflags
            );
            if c.cpl == 3 {
                let esp = f.outer.map(|o| o.0);
                assert_eq!(f.outer.map(|o| o.1), Some(u32::from(DATA3)), "{}", c.name);
                assert!(esp.is_some_and(|e| e <= ESP3), "{}: outer ESP", c.name);
            } else {
                assert_eq!(f.outer, None, "{}", c.name);
            }
            // The rest of EFLAGS is what the code left (TF only in the
            // single-step case, set by its POPFD).
            let fixed = flags::RF | flags::TF;
            assert_eq!(
                f.eflags & !fixed,
                start_flags & !fixed & !flags::ARITH | (f.eflags & flags::ARITH),
                "{}: EFLAGS {:#x}",
                c.name,
                f.eflags
            );
            states.push(m.cpu.state.clone());
        }
        assert_eq!(states[0], states[1], "{}: tiers differ", c.name);
    }
}

#[test]
fn debug_status_bits() {
    // (setup, code, DR6 & 0xF00F after the #DB)
    type Setup = fn(&mut Machine);
    let cases: [(&str, Setup, &[u8], u64); 3] = [
        (
            "single step sets BS",
            |m| m.cpu.state.flags.set(flags::TF, true),
            &[0x90],
            1 << 14,
        ),
        (
            "data breakpoint on DR2 sets B2",
            |m| dr7_enable(m, 2, COUNTER, 3, 0),
            &[0xA0, 0x00, 0x70, 0x00, 0x00],
            1 << 2,
        ),
        (
            "instruction breakpoints on DR0 and DR3 at one address set B0 and B3",
            |m| {
                dr7_enable(m, 0, CODE, 0, 0);
                dr7_enable(m, 3, CODE, 0, 0);
            },
            &[0x90],
            0b1001,
        ),
    ];
    for (name, setup, code, want) in cases {
        for tier in [Tier::Interpreter, Tier::Blocks] {
            let mut m = pm_machine(tier, 0, code, true);
            setup(&mut m);
            run(&mut m);
            assert_eq!(frame(&m, false).vector, 1, "{name}");
            assert_eq!(m.cpu.state.dr[6] & 0xF00F, want, "{name}: {tier:?}");
        }
    }
}

#[test]
fn instruction_breakpoint_handler_resumes_with_rf() {
    // The #DB handler counts its calls and returns with RF set in the
    // stacked EFLAGS, so the instruction at the breakpoint runs once.
    // handler: inc dword [COUNTER] ; or dword [esp+8], RF ; iretd
    let handler = [
        0xFF, 0x05, 0x00, 0x70, 0x00, 0x00, 0x81, 0x4C, 0x24, 0x08, 0x00, 0x00, 0x01, 0x00, 0xCF,
    ];
    for tier in [Tier::Interpreter, Tier::Blocks] {
        // nop ; inc ebx (breakpoint) ; inc ebx ; hlt
        let mut m = pm_machine(tier, 0, &[0x90, 0x43, 0x43, 0xF4], true);
        m.cpu.mem.write(IDT + 8, 8, int_gate(0x5000));
        m.cpu.mem.write_bytes(0x5000, &handler);
        dr7_enable(&mut m, 0, CODE + 1, 0, 0);
        let o = run(&mut m);
        assert_eq!(
            o,
            RunOutcome::Halted {
                interrupts_enabled: false
            }
        );
        assert_eq!(m.cpu.state.rip, u64::from(CODE + 4), "{tier:?}");
        assert_eq!(m.cpu.mem.read(COUNTER, 4), 1, "{tier:?}: #DB count");
        assert_eq!(m.cpu.state.regs[3], 2, "{tier:?}: EBX");
        assert!(
            !m.cpu.state.flags.get(flags::RF),
            "RF cleared after the instruction"
        );
    }
}

#[test]
fn single_step_traces_every_instruction_on_both_tiers() {
    // The #DB handler appends the saved EIP to a list and returns.
    // handler: mov eax,[COUNTER] ; mov edx,[esp] ; mov [eax*4+0x7100],edx ;
    //          inc dword [COUNTER] ; iretd   (EAX/EDX are scratch here)
    let handler = [
        0xA1, 0x00, 0x70, 0x00, 0x00, 0x8B, 0x14, 0x24, 0x89, 0x14, 0x85, 0x00, 0x71, 0x00, 0x00,
        0xFF, 0x05, 0x00, 0x70, 0x00, 0x00, 0xCF,
    ];
    // mov ecx, 3 ; top: inc ebx ; loop top ; pushfd ;
    // and dword [esp], ~TF ; popfd ; hlt
    let code = [
        0xB9, 0x03, 0x00, 0x00, 0x00, 0x43, 0xE2, 0xFD, 0x9C, 0x81, 0x24, 0x24, 0xFF, 0xFE, 0xFF,
        0xFF, 0x9D, 0xF4,
    ];
    let mut lists = Vec::new();
    for tier in [Tier::Interpreter, Tier::Blocks] {
        let mut m = pm_machine(tier, 0, &code, true);
        m.cpu.mem.write(IDT + 8, 8, int_gate(0x5000));
        m.cpu.mem.write_bytes(0x5000, &handler);
        m.cpu.state.flags.set(flags::TF, true);
        run(&mut m);
        assert_eq!(
            m.cpu.state.rip,
            u64::from(CODE) + 18,
            "{tier:?}: halted at the end"
        );
        let n = m.cpu.mem.read(COUNTER, 4) as u32;
        let list: Vec<u32> = (0..n.min(64))
            .map(|i| (m.cpu.mem.read(0x7100 + 4 * i, 4) as u32).wrapping_sub(CODE))
            .collect();
        lists.push(list);
    }
    // A trap after every instruction, the one that clears TF (POPFD)
    // included; none after the HLT that runs with TF clear.
    let want = vec![5, 6, 5, 6, 5, 6, 8, 9, 16, 17];
    assert_eq!(lists[0], want);
    assert_eq!(lists[1], want);
}

#[test]
fn triple_fault_ends_the_run_with_no_reboot() {
    for tier in [Tier::Interpreter, Tier::Blocks] {
        // ud2 with an IDT too small for any vector: #UD → #GP → #DF → shutdown.
        let mut m = pm_machine(tier, 0, &[0x0F, 0x0B], true);
        m.cpu.state.idtr.limit = 0;
        assert_eq!(run(&mut m), RunOutcome::Shutdown, "{tier:?}");
        assert_eq!(m.resets, 0);
        assert_eq!(m.cpu.state.rip, u64::from(CODE), "{tier:?}: EIP stays");
        // The machine stays shut down.
        assert_eq!(m.run_slice(10), RunOutcome::Shutdown);
    }
}

#[test]
fn triple_fault_resets_the_cpu_without_no_reboot() {
    for tier in [Tier::Interpreter, Tier::Blocks] {
        let mut m = pm_machine(tier, 0, &[0x0F, 0x0B], false);
        m.cpu.state.idtr.limit = 0;
        m.cpu.state.regs[3] = 0xDEAD;
        let o = run(&mut m);
        // The ROM's reset vector is HLT.
        assert_eq!(
            o,
            RunOutcome::Halted {
                interrupts_enabled: false
            },
            "{tier:?}"
        );
        assert_eq!(m.resets, 1);
        let s = &m.cpu.state;
        assert_eq!(s.seg[SegReg::Cs as usize].selector, 0xF000);
        assert_eq!(s.rip, 0xFFF1);
        assert_eq!(s.cr0 & cr0::PE, 0, "real mode after reset");
        assert_eq!((s.regs[3], s.idtr.limit), (0, 0x3FF), "registers reset");
        assert_eq!(m.cpu.mem.read(MARKER, 4), 0x1234_5678, "RAM kept");
    }
}

#[test]
fn real_mode_triple_fault() {
    // Real mode: INT3 with an IVT limit of 0 → #GP → #GP → #DF → shutdown.
    for tier in [Tier::Interpreter, Tier::Blocks] {
        let mut m = pm_machine(tier, 0, &[0xCC], true);
        let s = &mut m.cpu.state;
        s.cr0 &= !cr0::PE;
        for r in SegReg::ALL {
            s.seg[r as usize] = Segment::real(0x1000, r == SegReg::Cs);
        }
        s.rip = 0;
        s.regs[4] = 0x100;
        s.idtr.base = 0;
        s.idtr.limit = 0;
        assert_eq!(run(&mut m), RunOutcome::Shutdown, "{tier:?}");
    }
}

#[test]
fn alignment_check_is_off_at_ring_0_and_without_am() {
    type Setup = fn(&mut Machine);
    let cases: [(&str, u8, Setup); 2] = [
        ("ring 0", 0, |m| {
            m.cpu.state.cr0 |= cr0::AM;
            m.cpu.state.flags.set(flags::AC, true);
        }),
        ("CR0.AM clear", 3, |m| {
            m.cpu.state.flags.set(flags::AC, true)
        }),
    ];
    for (name, cpl, setup) in cases {
        for tier in [Tier::Interpreter, Tier::Blocks] {
            // mov eax, [0x9001] ; hlt (CPL 3 HLT is #GP: look at EIP either way)
            let mut m = pm_machine(tier, cpl, &[0x8B, 0x05, 0x01, 0x90, 0x00, 0x00, 0xF4], true);
            setup(&mut m);
            run(&mut m);
            let halted_in_code = m.cpu.state.rip == u64::from(CODE + 7);
            let gp_at_hlt = frame_if_stub(&m).is_some_and(|f| f.vector == 13 && f.eip == CODE + 6);
            assert!(halted_in_code || gp_at_hlt, "{name}: {tier:?}: no #AC");
        }
    }
}

fn frame_if_stub(m: &Machine) -> Option<Frame> {
    let eip = m.cpu.state.rip as u32;
    ((STUBS + 1..STUBS + 32 * 16).contains(&eip) && (eip - STUBS) % 16 == 1)
        .then(|| frame(m, (eip - STUBS - 1) / 16 == 13))
}
