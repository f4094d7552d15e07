//! Tests of protected-mode and virtual-8086-mode interrupt delivery
//! (`interrupt.rs`): exact final state for each kind of gate, and the
//! exact fault, error code and untouched state for each check.

use crate::cpu::exception::Exception;
use crate::cpu::exec::gates::NULL_SEGMENT;
use crate::cpu::exec::pm_fixture::*;
use crate::cpu::exec::testutil::step;
use crate::cpu::flags::{IF, IOPL, NT, TF, VM};
use crate::cpu::interrupt::IntSource;
use crate::cpu::segment::sys_type::{
    CALL_GATE32, INTERRUPT_GATE16, INTERRUPT_GATE32, TASK_GATE, TRAP_GATE32,
};
use crate::cpu::state::{gpr, SegReg};
use crate::cpu::Cpu;

const HANDLER: u32 = 0x2_0000;
const VEC: u8 = 0x40;
/// `int 40h`.
const INT40: [u8; 2] = [0xCD, VEC];

fn sel(cpu: &Cpu, r: SegReg) -> u16 {
    cpu.state.seg[r as usize].selector
}

fn esp(cpu: &Cpu) -> u32 {
    cpu.state.regs[gpr::RSP] as u32
}

#[test]
fn int_n_from_ring3_switches_to_the_ring0_stack() {
    let mut cpu = pm_cpu(3, &INT40);
    cpu.state.flags.set(IF, true);
    cpu.state.flags.set(NT, true);
    let image = cpu.flags_image();
    set_idt(
        &mut cpu,
        VEC,
        gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 3, 0),
    );
    step(&mut cpu);
    assert_eq!(
        (sel(&cpu, SegReg::Cs), cpu.state.cpl, cpu.state.rip),
        (CODE0, 0, u64::from(HANDLER))
    );
    assert_eq!(cpu.state.seg[SegReg::Ss as usize], cache(&cpu, DATA0));
    assert_eq!(esp(&cpu), ESP0 - 20);
    assert_eq!(
        dwords(&cpu, ESP0 - 20, 5),
        [
            CODE_AT + 2,
            u32::from(CODE3),
            image,
            START_ESP,
            u32::from(DATA3)
        ]
    );
    assert_eq!(cpu.state.flags.eflags() & (IF | NT), 0, "IF and NT cleared");
    assert_eq!(sel(&cpu, SegReg::Ds), DATA3, "data segments untouched");
}

#[test]
fn gate_kinds() {
    // (name, CPL, gate, CS out, CPL out, ESP out, frame words (lowest first), IF after)
    type Case = (&'static str, u8, u64, u16, u8, u32, &'static [u16], bool);
    const IP: u16 = (CODE_AT + 2) as u16;
    const SP: u16 = START_ESP as u16;
    // EFLAGS before: IF and bit 1.
    const FL: u16 = 0x0202;
    #[rustfmt::skip]
    let cases: [Case; 5] = [
        ("trap gate keeps IF", 3, gate_desc(CODE0, HANDLER, TRAP_GATE32, 3, 0), CODE0, 0, ESP0 - 20,
            &[IP, 1, CODE3, 0, FL, 0, SP, 0, DATA3, 0], true),
        ("16-bit interrupt gate: 16-bit frame", 3, gate_desc(CODE16_0, 0x1234, INTERRUPT_GATE16, 3, 0),
            CODE16_0, 0, ESP0 - 10, &[IP, CODE3, FL, SP, DATA3], false),
        ("same level: no stack switch", 0, gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 0, 0),
            CODE0, 0, START_ESP - 12, &[IP, 1, CODE0, 0, FL, 0], false),
        ("conforming handler runs at CPL 3", 3, gate_desc(CONF0, HANDLER, INTERRUPT_GATE32, 3, 0),
            CONF0 | 3, 3, START_ESP - 12, &[IP, 1, CODE3, 0, FL, 0], false),
        ("ring 3 to ring 1 takes SS1:ESP1", 3, gate_desc(CODE1 & !3, HANDLER, INTERRUPT_GATE32, 3, 0),
            CODE1, 1, ESP1 - 20, &[IP, 1, CODE3, 0, FL, 0, SP, 0, DATA3, 0], false),
    ];
    for (name, cpl, gate, cs_out, cpl_out, esp_out, frame, if_after) in cases {
        let mut cpu = pm_cpu(cpl, &INT40);
        cpu.state.flags.set(IF, true);
        set_idt(&mut cpu, VEC, gate);
        step(&mut cpu);
        assert_eq!(sel(&cpu, SegReg::Cs), cs_out, "{name}: CS");
        assert_eq!(cpu.state.cpl, cpl_out, "{name}: CPL");
        assert_eq!(esp(&cpu), esp_out, "{name}: ESP");
        assert_eq!(
            words(&cpu, esp_out, frame.len() as u32),
            frame,
            "{name}: frame"
        );
        assert_eq!(cpu.state.flags.if_(), if_after, "{name}: IF");
        let g = crate::cpu::exec::gates::Gate::from_raw(gate);
        assert_eq!(cpu.state.rip, u64::from(g.offset), "{name}: EIP");
    }
}

#[test]
fn exceptions_push_their_error_code_and_skip_the_dpl_check() {
    // A #GP(1234h) raised at ring 3 through a DPL 0 gate (exceptions are
    // not subject to the gate DPL check).
    let mut cpu = pm_cpu(3, &[]);
    set_idt(
        &mut cpu,
        13,
        gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 0, 0),
    );
    // A fault pushes EFLAGS with RF set (SDM Vol. 3A §17.3.1.1).
    let image = cpu.flags_image() | crate::cpu::flags::RF;
    cpu.raise(Exception::GeneralProtection(0x1234));
    assert_eq!(
        (sel(&cpu, SegReg::Cs), cpu.state.rip),
        (CODE0, u64::from(HANDLER))
    );
    assert_eq!(
        dwords(&cpu, ESP0 - 24, 6),
        [
            0x1234,
            CODE_AT,
            u32::from(CODE3),
            image,
            START_ESP,
            u32::from(DATA3)
        ]
    );
    // An external interrupt through a DPL 0 gate from ring 3.
    let mut cpu = pm_cpu(3, &[]);
    set_idt(
        &mut cpu,
        0x20,
        gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 0, 0),
    );
    assert_eq!(cpu.interrupt(0x20, IntSource::External), Ok(()));
    assert_eq!(esp(&cpu), ESP0 - 20);
}

#[test]
fn software_int_through_a_dpl0_gate_is_gp_with_the_idt_error_code() {
    // int 40h at ring 3, gate DPL 0: #GP(40h·8+2) delivered through vector 13,
    // with the INT instruction's address saved.
    let mut cpu = pm_cpu(3, &INT40);
    set_idt(
        &mut cpu,
        VEC,
        gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 0, 0),
    );
    set_idt(
        &mut cpu,
        13,
        gate_desc(CODE0, HANDLER + 0x100, INTERRUPT_GATE32, 0, 0),
    );
    step(&mut cpu);
    assert_eq!(cpu.state.rip, u64::from(HANDLER + 0x100));
    assert_eq!(dwords(&cpu, ESP0 - 24, 2), [0x202, CODE_AT]);
}

/// Slots for descriptors the fault cases need.
const NP_CODE: u16 = FREE + 0x08;
const NP_DATA: u16 = FREE + 0x10;

#[test]
fn delivery_faults_have_exact_error_codes_and_change_nothing() {
    // (name, source, setup, fault). The setup starts from ring 3 with gate
    // 40h a 32-bit DPL 3 interrupt gate to CODE0:HANDLER.
    type Case = (&'static str, IntSource, fn(&mut Cpu), Exception);
    let sw = IntSource::Software;
    let ext = IntSource::External;
    let exc = IntSource::Exception(Some(0));
    #[rustfmt::skip]
    let cases: [Case; 20] = [
        ("vector beyond the IDT limit", sw, |c| c.state.idtr.limit = 0x1FF, Exception::GeneralProtection(0x202)),
        ("... external: EXT set", ext, |c| c.state.idtr.limit = 0x1FF, Exception::GeneralProtection(0x203)),
        ("call gate in the IDT", sw, |c| set_idt(c, VEC, gate_desc(CODE0, HANDLER, CALL_GATE32, 3, 0)),
            Exception::GeneralProtection(0x202)),
        ("gate DPL 0 < CPL 3", sw, |c| set_idt(c, VEC, gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 0, 0)),
            Exception::GeneralProtection(0x202)),
        ("gate not present", sw, |c| set_idt(c, VEC, gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 3, 0)
            & !(1 << 47)), Exception::SegmentNotPresent(0x202)),
        ("... exception: EXT set", exc, |c| set_idt(c, VEC, gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 3, 0)
            & !(1 << 47)), Exception::SegmentNotPresent(0x203)),
        ("null handler selector", sw, |c| set_idt(c, VEC, gate_desc(0, HANDLER, INTERRUPT_GATE32, 3, 0)),
            Exception::GeneralProtection(0)),
        ("... external", ext, |c| set_idt(c, VEC, gate_desc(0, HANDLER, INTERRUPT_GATE32, 3, 0)),
            Exception::GeneralProtection(1)),
        ("handler selector beyond the GDT", sw, |c| set_idt(c, VEC, gate_desc(0x400, HANDLER,
            INTERRUPT_GATE32, 3, 0)), Exception::GeneralProtection(0x400)),
        ("handler is data", ext, |c| set_idt(c, VEC, gate_desc(DATA0, HANDLER, INTERRUPT_GATE32, 3, 0)),
            Exception::GeneralProtection(DATA0 | 1)),
        ("handler not present", sw, |c| {
            set_gdt(c, NP_CODE, seg_desc(0, 0xF_FFFF, ACC_CODE & 0x7F, GD));
            set_idt(c, VEC, gate_desc(NP_CODE, HANDLER, INTERRUPT_GATE32, 3, 0));
        }, Exception::SegmentNotPresent(NP_CODE)),
        ("SS0 null", ext, |c| c.mem.write(TSS + 8, 2, 0), Exception::InvalidTss(1)),
        ("SS0 RPL 3", sw, |c| c.mem.write(TSS + 8, 2, u64::from(DATA0 | 3)), Exception::InvalidTss(DATA0)),
        ("SS0 not present", exc, |c| {
            set_gdt(c, NP_DATA, seg_desc(0, 0xF_FFFF, ACC_DATA & 0x7F, GD));
            c.mem.write(TSS + 8, 2, u64::from(NP_DATA));
        }, Exception::StackFault(NP_DATA | 1)),
        ("TSS too short for SS0", sw, |c| c.state.tr.limit = 8, Exception::InvalidTss(TSS_SEL)),
        ("no room on the ring-0 stack", ext, |c| {
            c.mem.write(TSS + 8, 2, u64::from(SMALL0));
            c.mem.write(TSS + 4, 4, 0x9010);
        }, Exception::StackFault(SMALL0 | 1)),
        ("no room for the error code", exc, |c| {
            c.mem.write(TSS + 8, 2, u64::from(SMALL0));
            c.mem.write(TSS + 4, 4, 0x9000 + 20);
        }, Exception::StackFault(SMALL0 | 1)),
        ("entry point beyond the handler's limit", ext, |c| set_idt(c, VEC,
            gate_desc(CODE16_0, 0x1_0000, INTERRUPT_GATE32, 3, 0)), Exception::GeneralProtection(1)),
        ("same level, no room", sw, |c| {
            set_idt(c, VEC, gate_desc(CODE3, HANDLER, INTERRUPT_GATE32, 3, 0));
            c.state.regs[gpr::RSP] = 8;
            let mut ss = cache(c, DATA16_3);
            ss.limit = 0xFFF;
            c.state.seg[SegReg::Ss as usize] = ss;
        }, Exception::StackFault(0)),
        ("handler DPL 3 from ring 0 (DPL > CPL)", sw, |c| {
            *c = pm_cpu(0, &[]);
            set_idt(c, VEC, gate_desc(CODE3, HANDLER, INTERRUPT_GATE32, 3, 0));
        }, Exception::GeneralProtection(CODE3 & !3)),
    ];
    for (name, src, setup, fault) in cases {
        let mut cpu = pm_cpu(3, &[]);
        set_idt(
            &mut cpu,
            VEC,
            gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 3, 0),
        );
        setup(&mut cpu);
        let before = cpu.state.clone();
        assert_eq!(cpu.interrupt(VEC, src), Err(fault), "{name}");
        assert_eq!(cpu.state, before, "{name}: state changed");
    }
}

#[test]
fn task_gate_needs_dpl_for_software_and_reaches_the_task_switch() {
    // A task gate with DPL 0 from ring 3: #GP(vector·8+2) for INT n.
    let mut cpu = pm_cpu(3, &[]);
    set_idt(&mut cpu, VEC, gate_desc(FREE, 0, TASK_GATE, 0, 0));
    assert_eq!(
        cpu.interrupt(VEC, IntSource::Software),
        Err(Exception::GeneralProtection(0x202))
    );
    // A gate naming a selector that is no TSS: the task switch refuses it
    // with #GP(selector), EXT set for an external interrupt.
    set_idt(&mut cpu, VEC, gate_desc(CODE0, 0, TASK_GATE, 3, 0));
    assert_eq!(
        cpu.interrupt(VEC, IntSource::External),
        Err(Exception::GeneralProtection(CODE0 | 1))
    );
}

#[test]
fn v86_interrupt_to_ring0_saves_and_nulls_the_segments() {
    let mut cpu = v86_cpu(3, &INT40);
    set_idt(
        &mut cpu,
        VEC,
        gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 3, 0),
    );
    cpu.state.flags.set(IF, true);
    let image = cpu.flags_image();
    assert_ne!(image & VM, 0);
    step(&mut cpu);
    assert_eq!(
        (sel(&cpu, SegReg::Cs), cpu.state.cpl, cpu.state.rip),
        (CODE0, 0, u64::from(HANDLER))
    );
    assert!(!cpu.state.v86(), "VM cleared");
    assert_eq!(sel(&cpu, SegReg::Ss), DATA0);
    assert_eq!(esp(&cpu), ESP0 - 36);
    assert_eq!(
        dwords(&cpu, ESP0 - 36, 9),
        [0x102, 0x1000, image, 0x0FFE, 0x2000, 0x3000, 0x3000, 0x3000, 0x3000]
    );
    for r in [SegReg::Es, SegReg::Ds, SegReg::Fs, SegReg::Gs] {
        assert_eq!(cpu.state.seg[r as usize], NULL_SEGMENT, "{r:?} nulled");
    }
    assert!(!cpu.state.flags.if_());
}

#[test]
fn v86_iopl_sensitive_instructions_fault_to_the_monitor() {
    // With IOPL 0, CLI is #GP(0): delivered through gate 13 with error code
    // 0 and the CLI's address saved (10 dwords).
    let mut cpu = v86_cpu(0, &[0xFA]);
    set_idt(
        &mut cpu,
        13,
        gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 0, 0),
    );
    step(&mut cpu);
    assert_eq!(cpu.state.rip, u64::from(HANDLER));
    assert_eq!(dwords(&cpu, ESP0 - 40, 3), [0, 0x100, 0x1000]);
    // INT n, IRET, PUSHF, POPF, STI, CLI with IOPL < 3: #GP(0), nothing changes.
    for code in [
        &[0xCD, 0x21][..],
        &[0xCF],
        &[0x9C],
        &[0x9D],
        &[0xFB],
        &[0xFA],
        &[0x66, 0xCF],
    ] {
        let mut cpu = v86_cpu(2, code);
        let before = cpu.state.clone();
        assert_eq!(
            run_handler(&mut cpu),
            Err(Exception::GeneralProtection(0)),
            "{code:x?}"
        );
        assert_eq!(cpu.state, before, "{code:x?}");
    }
    // INT3 is not IOPL-sensitive: it goes through the IDT, whose gate must
    // have DPL 3 (else #GP(3·8+2)).
    let mut cpu = v86_cpu(0, &[0xCC]);
    set_idt(&mut cpu, 3, gate_desc(CODE0, HANDLER, TRAP_GATE32, 3, 0));
    assert_eq!(run_handler(&mut cpu), Ok(()));
    assert_eq!((cpu.state.cpl, cpu.state.rip), (0, u64::from(HANDLER)));
    let mut cpu = v86_cpu(0, &[0xCC]);
    set_idt(&mut cpu, 3, gate_desc(CODE0, HANDLER, TRAP_GATE32, 0, 0));
    assert_eq!(
        run_handler(&mut cpu),
        Err(Exception::GeneralProtection(0x1A))
    );
}

#[test]
fn v86_interrupt_needs_a_ring0_nonconforming_handler() {
    for (target, fault) in [
        (CODE3 & !3, Exception::GeneralProtection(CODE3 & !3)),
        (CODE1 & !3, Exception::GeneralProtection(CODE1 & !3)),
        (CONF0, Exception::GeneralProtection(CONF0)),
    ] {
        let mut cpu = v86_cpu(3, &[]);
        set_idt(
            &mut cpu,
            VEC,
            gate_desc(target, HANDLER, INTERRUPT_GATE32, 3, 0),
        );
        let before = cpu.state.clone();
        assert_eq!(
            cpu.interrupt(VEC, IntSource::Software),
            Err(fault),
            "{target:#x}"
        );
        assert_eq!(cpu.state, before);
    }
}

#[test]
fn tf_rf_vm_cleared_by_delivery() {
    let mut cpu = pm_cpu(3, &[]);
    set_idt(&mut cpu, VEC, gate_desc(CODE0, HANDLER, TRAP_GATE32, 3, 0));
    cpu.state.flags.set_masked(
        TF | IF | IOPL | crate::cpu::flags::RF,
        TF | IF | IOPL | crate::cpu::flags::RF,
    );
    cpu.interrupt(VEC, IntSource::External).unwrap();
    let f = cpu.state.flags.eflags();
    assert_eq!(f & (TF | crate::cpu::flags::RF | VM | NT), 0);
    assert_eq!(f & (IF | IOPL), IF | IOPL, "trap gate: IF and IOPL kept");
}

#[test]
fn v86_interrupt_uses_the_ring0_stack_as_protected_mode_memory() {
    // An expand-down ring-0 stack (valid offsets above 0FFFh, B = 1): the
    // V86 frame goes on it as protected-mode memory, since VM is cleared
    // before the pushes.
    const DOWN0: u16 = FREE + 0x30;
    let mut cpu = v86_cpu(3, &INT40);
    set_gdt(&mut cpu, DOWN0, seg_desc(0, 0x0FFF, 0x96, 0x4));
    cpu.mem.write(TSS + 8, 2, u64::from(DOWN0));
    set_idt(
        &mut cpu,
        VEC,
        gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 3, 0),
    );
    step(&mut cpu);
    assert_eq!((cpu.state.cpl, cpu.state.rip), (0, u64::from(HANDLER)));
    assert_eq!(sel(&cpu, SegReg::Ss), DOWN0);
    assert_eq!(dwords(&cpu, ESP0 - 36, 2), [0x102, 0x1000]);
    // ... and a frame that would reach offset 0FFFh is #SS(SS0).
    let mut cpu = v86_cpu(3, &INT40);
    set_gdt(&mut cpu, DOWN0, seg_desc(0, 0x0FFF, 0x96, 0x4));
    cpu.mem.write(TSS + 8, 2, u64::from(DOWN0));
    cpu.mem.write(TSS + 4, 4, 0x1000 + 32);
    set_idt(
        &mut cpu,
        VEC,
        gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 3, 0),
    );
    let before = cpu.state.clone();
    assert_eq!(
        cpu.interrupt(VEC, IntSource::Software),
        Err(Exception::StackFault(DOWN0))
    );
    assert_eq!(cpu.state, before);
}

#[test]
fn int3_into_bound_int1_privilege_rules() {
    // At ring 3 with every gate DPL 0: INT3 and INTO are software
    // interrupts (#GP(vector·8+2)); INT1 and BOUND's #BR are not checked.
    // (name, code, OF, expected vector reached or #GP error code)
    type Case = (&'static str, &'static [u8], bool, Result<u8, u16>);
    let cases: [Case; 4] = [
        ("int3", &[0xCC], false, Err(3 * 8 + 2)),
        ("into with OF", &[0xCE], true, Err(4 * 8 + 2)),
        ("int1 (icebp)", &[0xF1], false, Ok(1)),
        (
            "bound out of range",
            &[0x62, 0x05, 0, 0x80, 0, 0],
            false,
            Ok(5),
        ),
    ];
    for (name, code, of, want) in cases {
        let mut cpu = pm_cpu(3, code);
        for v in 0..32u8 {
            set_idt(
                &mut cpu,
                v,
                gate_desc(CODE0, HANDLER + u32::from(v) * 0x10, INTERRUPT_GATE32, 0, 0),
            );
        }
        // BOUND eax, [0x8000]: bounds 1..2, EAX = 0.
        cpu.mem.write(0x8000, 4, 1);
        cpu.mem.write(0x8004, 4, 2);
        cpu.state.flags.set(crate::cpu::flags::OF, of);
        step(&mut cpu);
        let (vector, err) = match want {
            Ok(v) => (v, None),
            Err(e) => (13, Some(e)),
        };
        assert_eq!(
            cpu.state.rip,
            u64::from(HANDLER + u32::from(vector) * 0x10),
            "{name}: vector"
        );
        if let Some(e) = err {
            assert_eq!(
                dwords(&cpu, ESP0 - 24, 2),
                [u32::from(e), CODE_AT],
                "{name}: error code, EIP"
            );
        }
    }
}

#[test]
fn task_gate_in_the_idt_switches_tasks_and_iret_returns() {
    // A second 32-bit TSS at 4000h whose task runs ring-0 code at HANDLER.
    const TSS2: u16 = FREE + 0x38;
    const TSS2_AT: u32 = 0x4000;
    let mut cpu = pm_cpu(3, &INT40);
    set_gdt(&mut cpu, TSS2, seg_desc(TSS2_AT, 0x67, 0x89, 0));
    for (off, v) in [
        (0x20, HANDLER),          // EIP
        (0x24, 2),                // EFLAGS
        (0x38, 0x5000),           // ESP
        (0x48, u32::from(DATA0)), // ES
        (0x4C, u32::from(CODE0)), // CS
        (0x50, u32::from(DATA0)), // SS
        (0x54, u32::from(DATA0)), // DS
        (0x66, 0x68 << 16),       // I/O map base (high word)
    ] {
        cpu.mem.write(TSS2_AT + off, 4, u64::from(v));
    }
    set_idt(&mut cpu, VEC, gate_desc(TSS2, 0, TASK_GATE, 3, 0));
    cpu.mem.write_bytes(HANDLER, &[0xCF]); // iretd: NT set, back to the caller
    step(&mut cpu);
    assert_eq!(cpu.state.tr.selector, TSS2);
    assert_eq!(
        (sel(&cpu, SegReg::Cs), cpu.state.rip),
        (CODE0, u64::from(HANDLER))
    );
    assert!(cpu.state.flags.get(NT), "nested task");
    assert_eq!(cpu.mem.read(TSS2_AT, 2), u64::from(TSS_SEL), "back link");
    step(&mut cpu);
    assert_eq!(cpu.state.tr.selector, TSS_SEL);
    assert_eq!(
        (sel(&cpu, SegReg::Cs), cpu.state.rip),
        (CODE3, u64::from(CODE_AT + 2))
    );
    assert_eq!(esp(&cpu), START_ESP);
}

#[test]
fn with_paging_the_inner_stack_is_written_as_supervisor() {
    // The ring-0 stack, GDT, IDT and TSS are on supervisor pages; ring 3
    // reaches them only through the gate. INT 40h and the IRET back work.
    let sup = [ESP0 - 0x1000, GDT, IDT, TSS];
    let mut cpu = pm_cpu(3, &INT40);
    set_idt(
        &mut cpu,
        VEC,
        gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 3, 0),
    );
    cpu.mem.write_bytes(HANDLER, &[0xCF]);
    enable_paging(&mut cpu, &sup, &[]);
    step(&mut cpu);
    assert_eq!((cpu.state.cpl, cpu.state.rip), (0, u64::from(HANDLER)));
    assert_eq!(esp(&cpu), ESP0 - 20);
    step(&mut cpu);
    assert_eq!((cpu.state.cpl, cpu.state.rip), (3, u64::from(CODE_AT + 2)));
    assert_eq!(esp(&cpu), START_ESP);
    // A not-present page under ESP0: #PF for a supervisor write at the
    // first push (ESP0 - 4), and nothing changes.
    let mut cpu = pm_cpu(3, &[]);
    set_idt(
        &mut cpu,
        VEC,
        gate_desc(CODE0, HANDLER, INTERRUPT_GATE32, 3, 0),
    );
    enable_paging(&mut cpu, &sup[1..], &[ESP0 - 0x1000]);
    let before = cpu.state.clone();
    let r = cpu.interrupt(VEC, IntSource::External);
    assert_eq!(
        r,
        Err(Exception::PageFault {
            addr: u64::from(ESP0 - 4),
            code: crate::mmu::pf::W
        })
    );
    assert_eq!(cpu.state, before);
}
