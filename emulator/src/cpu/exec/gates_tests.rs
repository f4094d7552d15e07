//! Tests of far JMP/CALL/RET across privilege levels (`gates.rs`): call
//! gates with and without a stack switch, returns to outer levels, and
//! the exact fault and untouched state of each check.

use super::NULL_SEGMENT;
use crate::cpu::exception::Exception;
use crate::cpu::exec::pm_fixture::*;
use crate::cpu::exec::testutil::step;
use crate::cpu::segment::sys_type;
use crate::cpu::state::{gpr, SegReg};
use crate::cpu::Cpu;

/// The call gate tests use (GDT slot [`FREE`]).
const GATE: u16 = FREE;
/// Where gate targets start.
const TARGET: u32 = 0x2_0000;
/// `call far GATE|3:0` in 32-bit code (the offset is ignored).
const CALL_GATE3: [u8; 7] = [0x9A, 0, 0, 0, 0, (GATE | 3) as u8, 0];
/// `jmp far GATE|3:0`.
const JMP_GATE3: [u8; 7] = [0xEA, 0, 0, 0, 0, (GATE | 3) as u8, 0];

fn sel(cpu: &Cpu, r: SegReg) -> u16 {
    cpu.state.seg[r as usize].selector
}

fn esp(cpu: &Cpu) -> u32 {
    cpu.state.regs[gpr::RSP] as u32
}

/// Ring 3 calls a 32-bit call gate to ring 0 with two parameters.
fn ring3_call_setup() -> Cpu {
    let mut cpu = pm_cpu(3, &CALL_GATE3);
    set_gdt(
        &mut cpu,
        GATE,
        gate_desc(CODE0, TARGET, sys_type::CALL_GATE32, 3, 2),
    );
    cpu.mem.write(START_ESP, 4, 0x1111_1111);
    cpu.mem.write(START_ESP + 4, 4, 0x2222_2222);
    cpu
}

#[test]
fn call_gate_to_ring0_copies_parameters_and_retf_returns() {
    let mut cpu = ring3_call_setup();
    cpu.mem.write_bytes(TARGET, &[0xCA, 0x08, 0x00]); // retf 8
    step(&mut cpu);
    assert_eq!((sel(&cpu, SegReg::Cs), cpu.state.cpl), (CODE0, 0));
    assert_eq!(cpu.state.rip, u64::from(TARGET));
    assert_eq!(cpu.state.seg[SegReg::Ss as usize], cache(&cpu, DATA0));
    assert_eq!(esp(&cpu), ESP0 - 24);
    // EIP, CS, parameter 0, parameter 1, ESP, SS (lowest address first).
    assert_eq!(
        dwords(&cpu, ESP0 - 24, 6),
        [
            CODE_AT + 7,
            u32::from(CODE3),
            0x1111_1111,
            0x2222_2222,
            START_ESP,
            u32::from(DATA3)
        ]
    );
    // Back in ring 0: DS holds a ring-0 segment, FS a conforming one.
    cpu.state.seg[SegReg::Ds as usize] = cache(&cpu, DATA0);
    cpu.state.seg[SegReg::Fs as usize] = cache(&cpu, CONF0);
    step(&mut cpu);
    assert_eq!((sel(&cpu, SegReg::Cs), cpu.state.cpl), (CODE3, 3));
    assert_eq!(cpu.state.rip, u64::from(CODE_AT + 7));
    assert_eq!(cpu.state.seg[SegReg::Ss as usize], cache(&cpu, DATA3));
    assert_eq!(
        esp(&cpu),
        START_ESP + 8,
        "retf 8 releases the parameters on both stacks"
    );
    assert_eq!(
        cpu.state.seg[SegReg::Ds as usize],
        NULL_SEGMENT,
        "DPL 0 data nulled"
    );
    assert_eq!(sel(&cpu, SegReg::Fs), CONF0, "conforming code kept");
    assert_eq!(sel(&cpu, SegReg::Es), DATA3, "DPL 3 data kept");
}

#[test]
fn call_gate_variants() {
    // (name, CPL, gate, CS out, CPL out, ESP out, words pushed (lowest
    // first); the caller's EIP is 10007h, a 16-bit gate pushes 0007h)
    type Case = (&'static str, u8, u64, u16, u8, u32, &'static [u16]);
    const RET_IP: u16 = (CODE_AT + 7) as u16;
    #[rustfmt::skip]
    let cases: [Case; 4] = [
        ("16-bit gate to ring 0: 16-bit pushes, one parameter", 3,
            gate_desc(CODE16_0, 0x1234, sys_type::CALL_GATE16, 3, 1), CODE16_0, 0, ESP0 - 10,
            &[RET_IP, CODE3, 0x1111, START_ESP as u16, DATA3]),
        ("32-bit gate to ring 3 code: no stack switch", 3,
            gate_desc(CODE3, TARGET, sys_type::CALL_GATE32, 3, 2), CODE3, 3, START_ESP - 8,
            &[RET_IP, 1, CODE3, 0]),
        ("gate to conforming ring-0 code: CPL stays 3", 3,
            gate_desc(CONF0, TARGET, sys_type::CALL_GATE32, 3, 0), CONF0 | 3, 3, START_ESP - 8,
            &[RET_IP, 1, CODE3, 0]),
        ("ring 1 to ring 0 takes SS0:ESP0 (ring-1 caller)", 1,
            gate_desc(CODE0, TARGET, sys_type::CALL_GATE32, 1, 0), CODE0, 0, ESP0 - 16,
            &[RET_IP, 1, CODE1, 0, START_ESP as u16, 0, DATA1, 0]),
    ];
    for (name, cpl, gate, cs_out, cpl_out, esp_out, pushed) in cases {
        let mut cpu = pm_cpu(cpl, &[0x9A, 0, 0, 0, 0, (GATE as u8) | cpl, 0]);
        set_gdt(&mut cpu, GATE, gate);
        cpu.mem.write(START_ESP, 4, 0x2222_1111);
        let before = cpu.state.clone();
        step(&mut cpu);
        assert_eq!(sel(&cpu, SegReg::Cs), cs_out, "{name}: CS");
        assert_eq!(cpu.state.cpl, cpl_out, "{name}: CPL");
        assert_eq!(esp(&cpu), esp_out, "{name}: ESP");
        assert_eq!(
            words(&cpu, esp_out, pushed.len() as u32),
            pushed,
            "{name}: stack"
        );
        let g = super::Gate::from_raw(gate);
        assert_eq!(cpu.state.rip, u64::from(g.offset), "{name}: EIP");
        assert_eq!(
            cpu.state.flags.eflags(),
            before.flags.eflags(),
            "{name}: EFLAGS"
        );
    }
}

#[test]
fn jmp_through_call_gate_stays_at_cpl() {
    let mut cpu = pm_cpu(3, &JMP_GATE3);
    set_gdt(
        &mut cpu,
        GATE,
        gate_desc(CODE3, TARGET, sys_type::CALL_GATE32, 3, 5),
    );
    step(&mut cpu);
    assert_eq!(
        (sel(&cpu, SegReg::Cs), cpu.state.rip),
        (CODE3, u64::from(TARGET))
    );
    assert_eq!(esp(&cpu), START_ESP, "JMP pushes nothing, copies nothing");
    // JMP to a more privileged non-conforming segment is #GP(target).
    let mut cpu = pm_cpu(3, &JMP_GATE3);
    set_gdt(
        &mut cpu,
        GATE,
        gate_desc(CODE0, TARGET, sys_type::CALL_GATE32, 3, 0),
    );
    assert_eq!(
        run_handler(&mut cpu),
        Err(Exception::GeneralProtection(CODE0))
    );
    // ... but to a conforming one it is allowed, at CPL 3.
    let mut cpu = pm_cpu(3, &JMP_GATE3);
    set_gdt(
        &mut cpu,
        GATE,
        gate_desc(CONF0, TARGET, sys_type::CALL_GATE32, 3, 0),
    );
    step(&mut cpu);
    assert_eq!((sel(&cpu, SegReg::Cs), cpu.state.cpl), (CONF0 | 3, 3));
}

/// A not-present code segment DPL 0 / a not-present data segment DPL 0 /
/// a DPL 3 data segment with limit 7003h (32-bit).
const NP_CODE: u16 = FREE + 0x08;
const NP_DATA: u16 = FREE + 0x10;
const SHORT3: u16 = FREE + 0x18 + 3;

#[test]
fn call_gate_faults_change_nothing() {
    // (name, CPL, setup on top of `ring3_call_setup`, fault)
    type Case = (&'static str, fn(&mut Cpu), Exception);
    #[rustfmt::skip]
    let cases: [Case; 13] = [
        ("gate DPL 2 < CPL 3", |c| set_gdt(c, GATE, gate_desc(CODE0, TARGET, sys_type::CALL_GATE32, 2, 2)),
            Exception::GeneralProtection(GATE)),
        ("gate not present", |c| set_gdt(c, GATE, gate_desc(CODE0, TARGET, sys_type::CALL_GATE32, 3, 2)
            & !(1 << 47)), Exception::SegmentNotPresent(GATE)),
        ("null target", |c| set_gdt(c, GATE, gate_desc(0, TARGET, sys_type::CALL_GATE32, 3, 2)),
            Exception::GeneralProtection(0)),
        ("target is data", |c| set_gdt(c, GATE, gate_desc(DATA0, TARGET, sys_type::CALL_GATE32, 3, 2)),
            Exception::GeneralProtection(DATA0)),
        ("target not present", |c| {
            set_gdt(c, NP_CODE, seg_desc(0, 0xF_FFFF, ACC_CODE & 0x7F, GD));
            set_gdt(c, GATE, gate_desc(NP_CODE, TARGET, sys_type::CALL_GATE32, 3, 2));
        }, Exception::SegmentNotPresent(NP_CODE)),
        ("SS0 null", |c| c.mem.write(TSS + 8, 2, 0), Exception::InvalidTss(0)),
        ("SS0 RPL 3", |c| c.mem.write(TSS + 8, 2, u64::from(DATA0 | 3)), Exception::InvalidTss(DATA0)),
        ("SS0 is code", |c| c.mem.write(TSS + 8, 2, u64::from(CODE0)), Exception::InvalidTss(CODE0)),
        ("SS0 has DPL 3", |c| c.mem.write(TSS + 8, 2, u64::from(DATA3 & !3)),
            Exception::InvalidTss(DATA3 & !3)),
        ("SS0 not present", |c| {
            set_gdt(c, NP_DATA, seg_desc(0, 0xF_FFFF, ACC_DATA & 0x7F, GD));
            c.mem.write(TSS + 8, 2, u64::from(NP_DATA));
        }, Exception::StackFault(NP_DATA)),
        ("no room on the ring-0 stack", |c| {
            c.mem.write(TSS + 8, 2, u64::from(SMALL0));
            c.mem.write(TSS + 4, 4, 0x9010);
        }, Exception::StackFault(SMALL0)),
        ("entry point beyond the target's limit", |c| set_gdt(c, GATE,
            gate_desc(CODE16_0, 0x1_0000, sys_type::CALL_GATE32, 3, 2)), Exception::GeneralProtection(0)),
        ("parameters beyond the caller's stack", |c| {
            set_gdt(c, SHORT3, seg_desc(0, 0x7003, ACC_DATA | 0x60, 0x4));
            c.state.seg[SegReg::Ss as usize] = cache(c, SHORT3);
        }, Exception::StackFault(0)),
    ];
    for (name, setup, fault) in cases {
        let mut cpu = ring3_call_setup();
        setup(&mut cpu);
        let before = cpu.state.clone();
        assert_eq!(run_handler(&mut cpu), Err(fault), "{name}");
        assert_eq!(cpu.state, before, "{name}: state changed");
    }
    // The TSS too short to hold SS0: #TS(TR).
    let mut cpu = ring3_call_setup();
    cpu.state.tr.limit = 8;
    assert_eq!(run_handler(&mut cpu), Err(Exception::InvalidTss(TSS_SEL)));
}

#[test]
fn far_jmp_call_to_code_segments() {
    // (name, CPL, target selector, call?, fault or Ok)
    type Case = (&'static str, u8, u16, bool, Option<Exception>);
    #[rustfmt::skip]
    let cases: [Case; 8] = [
        ("jmp to own ring", 3, CODE3, false, None),
        ("call to own ring", 0, CODE0, true, None),
        ("call to conforming DPL 0 from ring 3", 3, CONF0 | 3, true, None),
        ("jmp to ring 0 from ring 3", 3, CODE0 | 3, false, Some(Exception::GeneralProtection(CODE0))),
        ("call with RPL 3 > CPL 0", 0, CODE0 | 3, true, Some(Exception::GeneralProtection(CODE0))),
        ("jmp to ring 3 from ring 0", 0, CODE3, false, Some(Exception::GeneralProtection(CODE3 & !3))),
        ("jmp to data", 0, DATA0, false, Some(Exception::GeneralProtection(DATA0))),
        ("jmp to null", 0, 0, false, Some(Exception::GeneralProtection(0))),
    ];
    for (name, cpl, target, call, fault) in cases {
        let op = if call { 0x9A } else { 0xEA };
        let mut cpu = pm_cpu(cpl, &[op, 0x00, 0x00, 0x02, 0x00, target as u8, 0]);
        let before = cpu.state.clone();
        let r = run_handler(&mut cpu);
        match fault {
            Some(e) => {
                assert_eq!(r, Err(e), "{name}");
                assert_eq!(cpu.state, before, "{name}: state changed");
            }
            None => {
                assert_eq!(r, Ok(()), "{name}");
                assert_eq!(cpu.state.rip, u64::from(TARGET), "{name}: EIP");
                assert_eq!(
                    sel(&cpu, SegReg::Cs),
                    (target & !3) | u16::from(cpl),
                    "{name}: CS"
                );
                assert_eq!(cpu.state.cpl, cpl, "{name}: CPL");
                let pushed = if call { 8 } else { 0 };
                assert_eq!(esp(&cpu), START_ESP - pushed, "{name}: ESP");
            }
        }
    }
}

#[test]
fn far_jmp_call_to_tasks_checks_the_callers_privilege() {
    const TSS2: u16 = FREE + 0x20;
    const TASK_GATE: u16 = FREE + 0x28;
    // (name, descriptor at TSS2 / TASK_GATE, selector jumped to, fault)
    type Case = (&'static str, u64, u16, Exception);
    #[rustfmt::skip]
    let cases: [Case; 5] = [
        ("TSS with DPL 0 from ring 3", seg_desc(0x4000, 0x67, 0x89, 0), TSS2 | 3,
            Exception::GeneralProtection(TSS2)),
        ("busy TSS", seg_desc(0x4000, 0x67, 0xEB, 0), TSS2 | 3, Exception::GeneralProtection(TSS2)),
        ("TSS not present", seg_desc(0x4000, 0x67, 0x69, 0), TSS2 | 3, Exception::SegmentNotPresent(TSS2)),
        ("task gate with DPL 0 from ring 3", gate_desc(TSS2, 0, sys_type::TASK_GATE, 0, 0), TASK_GATE | 3,
            Exception::GeneralProtection(TASK_GATE)),
        ("task gate not present", gate_desc(TSS2, 0, sys_type::TASK_GATE, 3, 0) & !(1 << 47), TASK_GATE | 3,
            Exception::SegmentNotPresent(TASK_GATE)),
    ];
    for (name, desc, target, fault) in cases {
        let mut cpu = pm_cpu(3, &[0xEA, 0, 0, 0, 0, target as u8, 0]);
        let slot = if target & !3 == TASK_GATE {
            TASK_GATE
        } else {
            TSS2
        };
        set_gdt(&mut cpu, slot, desc);
        let before = cpu.state.clone();
        assert_eq!(run_handler(&mut cpu), Err(fault), "{name}");
        assert_eq!(cpu.state, before, "{name}: state changed");
    }
}

/// Ring 0 with a far-return frame at START_ESP: EIP, CS, ESP, SS.
fn retf_setup(code: &[u8], frame: [u32; 4]) -> Cpu {
    let mut cpu = pm_cpu(0, code);
    for (i, v) in frame.iter().enumerate() {
        cpu.mem.write(START_ESP + 4 * i as u32, 4, u64::from(*v));
    }
    cpu
}

#[test]
fn retf_to_outer_level() {
    let mut cpu = retf_setup(
        &[0xCB],
        [0x1_2345, u32::from(CODE3), 0x6000, u32::from(DATA3)],
    );
    cpu.state.seg[SegReg::Fs as usize] = cache(&cpu, DATA3);
    cpu.state.seg[SegReg::Gs as usize] = cache(&cpu, CONF0);
    let flags = cpu.state.flags.eflags();
    step(&mut cpu);
    assert_eq!(
        (sel(&cpu, SegReg::Cs), cpu.state.cpl, cpu.state.rip),
        (CODE3, 3, 0x1_2345)
    );
    assert_eq!(cpu.state.seg[SegReg::Ss as usize], cache(&cpu, DATA3));
    assert_eq!(esp(&cpu), 0x6000);
    assert_eq!(cpu.state.seg[SegReg::Ds as usize], NULL_SEGMENT);
    assert_eq!(cpu.state.seg[SegReg::Es as usize], NULL_SEGMENT);
    assert_eq!(sel(&cpu, SegReg::Fs), DATA3);
    assert_eq!(sel(&cpu, SegReg::Gs), CONF0);
    assert_eq!(cpu.state.flags.eflags(), flags);
    // To a 16-bit outer stack only SP is loaded; ESP's upper half stays.
    let mut cpu = pm_cpu(0, &[0x66, 0xCB]);
    cpu.state.regs[gpr::RSP] = 0xF_0000;
    for (i, v) in [0x0123u16, CODE16_3, 0x5678, DATA16_3].iter().enumerate() {
        cpu.mem.write(0xF_0000 + 2 * i as u32, 2, u64::from(*v));
    }
    step(&mut cpu);
    assert_eq!((sel(&cpu, SegReg::Cs), cpu.state.rip), (CODE16_3, 0x0123));
    assert_eq!(esp(&cpu), 0x000F_5678);
}

#[test]
fn retf_to_outer_level_faults() {
    let cs3 = u32::from(CODE3);
    let ds3 = u32::from(DATA3);
    // (name, frame EIP CS ESP SS, fault)
    type Case = (&'static str, [u32; 4], Exception);
    #[rustfmt::skip]
    let cases: [Case; 9] = [
        ("SS null", [0, cs3, 0x6000, 3], Exception::GeneralProtection(0)),
        ("SS RPL 0 for CS RPL 3", [0, cs3, 0x6000, ds3 & !3], Exception::GeneralProtection(DATA3 & !3)),
        ("SS DPL 0", [0, cs3, 0x6000, u32::from(DATA0 | 3)], Exception::GeneralProtection(DATA0)),
        ("SS is code", [0, cs3, 0x6000, cs3], Exception::GeneralProtection(CODE3 & !3)),
        ("SS not present", [0, cs3, 0x6000, u32::from(NP_DATA | 3)], Exception::StackFault(NP_DATA)),
        ("CS DPL 0 with RPL 3", [0, u32::from(CODE0 | 3), 0x6000, ds3], Exception::GeneralProtection(CODE0)),
        ("CS null", [0, 0, 0x6000, ds3], Exception::GeneralProtection(0)),
        ("CS not present", [0, u32::from(NP_CODE), 0x6000, ds3], Exception::SegmentNotPresent(NP_CODE)),
        ("EIP beyond CS limit", [0x1_0000, u32::from(CODE16_3), 0x6000, ds3], Exception::GeneralProtection(0)),
    ];
    for (name, frame, fault) in cases {
        let mut cpu = retf_setup(&[0xCB], frame);
        set_gdt(
            &mut cpu,
            NP_CODE,
            seg_desc(0, 0xF_FFFF, ACC_CODE & 0x7F, GD),
        );
        set_gdt(
            &mut cpu,
            NP_DATA,
            seg_desc(0, 0xF_FFFF, (ACC_DATA | 0x60) & 0x7F, GD),
        );
        let before = cpu.state.clone();
        assert_eq!(run_handler(&mut cpu), Err(fault), "{name}");
        assert_eq!(cpu.state, before, "{name}: state changed");
    }
    // RET from ring 3 to a ring-0 selector: RPL < CPL.
    let mut cpu = pm_cpu(3, &[0xCB]);
    cpu.mem.write(START_ESP + 4, 4, u64::from(CODE0));
    assert_eq!(
        run_handler(&mut cpu),
        Err(Exception::GeneralProtection(CODE0))
    );
}

#[test]
fn call_gate_and_retf_with_paging() {
    // The ring-0 stack and the descriptor tables on supervisor pages: the
    // pushes on the inner stack are supervisor writes, the parameters are
    // read from the user stack at CPL 3.
    let mut cpu = ring3_call_setup();
    cpu.mem.write_bytes(TARGET, &[0xCA, 0x08, 0x00]);
    enable_paging(&mut cpu, &[ESP0 - 0x1000, GDT, TSS], &[]);
    step(&mut cpu);
    assert_eq!((cpu.state.cpl, esp(&cpu)), (0, ESP0 - 24));
    assert_eq!(dwords(&cpu, ESP0 - 16, 2), [0x1111_1111, 0x2222_2222]);
    step(&mut cpu);
    assert_eq!((cpu.state.cpl, esp(&cpu)), (3, START_ESP + 8));
    // A caller whose stack page is supervisor-only: reading the parameters
    // at CPL 3 is a user-mode read of a supervisor page (#PF, P and U set).
    let mut cpu = ring3_call_setup();
    enable_paging(&mut cpu, &[START_ESP, GDT, TSS], &[]);
    let before = cpu.state.clone();
    let code = crate::mmu::pf::P | crate::mmu::pf::U;
    assert_eq!(
        run_handler(&mut cpu),
        Err(Exception::PageFault {
            addr: u64::from(START_ESP),
            code
        })
    );
    assert_eq!(cpu.state, before);
}

/// A second 32-bit TSS at 4000h (GDT slot `sel`) whose task runs ring-0
/// code at TARGET with ESP 5000h.
fn add_task(cpu: &mut Cpu, sel: u16) {
    const AT: u32 = 0x4000;
    set_gdt(cpu, sel, seg_desc(AT, 0x67, 0x89, 0));
    for (off, v) in [
        (0x20, TARGET),
        (0x24, 2),
        (0x38, 0x5000),
        (0x48, u32::from(DATA0)),
        (0x4C, u32::from(CODE0)),
        (0x50, u32::from(DATA0)),
        (0x54, u32::from(DATA0)),
        (0x66, 0x68 << 16),
    ] {
        cpu.mem.write(AT + off, 4, u64::from(v));
    }
}

#[test]
fn call_through_task_gate_and_jmp_to_tss() {
    use crate::cpu::flags::NT;
    const TSS2: u16 = FREE + 0x20;
    const TGATE: u16 = FREE + 0x28;
    // CALL through a DPL 3 task gate from ring 3: a nested task; its IRET
    // returns to the caller.
    let mut cpu = pm_cpu(3, &[0x9A, 0, 0, 0, 0, (TGATE | 3) as u8, 0]);
    add_task(&mut cpu, TSS2);
    set_gdt(
        &mut cpu,
        TGATE,
        gate_desc(TSS2, 0, sys_type::TASK_GATE, 3, 0),
    );
    cpu.mem.write_bytes(TARGET, &[0xCF]);
    step(&mut cpu);
    assert_eq!(cpu.state.tr.selector, TSS2);
    assert_eq!(
        (sel(&cpu, SegReg::Cs), cpu.state.rip),
        (CODE0, u64::from(TARGET))
    );
    assert!(cpu.state.flags.get(NT));
    assert_eq!(cpu.mem.read(0x4000, 2), u64::from(TSS_SEL), "back link");
    step(&mut cpu);
    assert_eq!(cpu.state.tr.selector, TSS_SEL);
    assert_eq!(
        (sel(&cpu, SegReg::Cs), cpu.state.rip),
        (CODE3, u64::from(CODE_AT + 7))
    );
    // JMP to the TSS itself from ring 0: not nested, the old TSS is freed.
    let mut cpu = pm_cpu(0, &[0xEA, 0, 0, 0, 0, TSS2 as u8, 0]);
    add_task(&mut cpu, TSS2);
    step(&mut cpu);
    assert_eq!(cpu.state.tr.selector, TSS2);
    assert_eq!(cpu.state.rip, u64::from(TARGET));
    assert!(!cpu.state.flags.get(NT));
    let old = cpu.mem.read(GDT + u32::from(TSS_SEL) + 5, 1) as u8;
    assert_eq!(
        old & 0xF,
        sys_type::TSS32_AVAILABLE,
        "old TSS no longer busy"
    );
}
