//! Task-switch, TSS-stack and I/O-permission tests on a small protected-mode
//! machine built by hand (GDT, TSSs, LDT, IDT in the first 64 KiB).

use super::*;
use crate::cpu::flags::{CF, FIXED1, IF, NT, VM, ZF};
use crate::cpu::state::gpr::*;
use crate::memory::Memory;
use devices::IoBus;

pub(super) const GDT: u32 = 0x1000;
pub(super) const IDT: u32 = 0x1800;
pub(super) const TSS_A: u32 = 0x3000; // 32-bit, the current task
pub(super) const TSS_B: u32 = 0x3100; // 32-bit
pub(super) const TSS_C: u32 = 0x3200; // 16-bit
pub(super) const TSS_IO: u32 = 0x8000; // 32-bit with an I/O bitmap
pub(super) const LDT_BASE: u32 = 0x4000;

// Selectors.
pub(super) const CODE0: u16 = 0x08;
pub(super) const DATA0: u16 = 0x10;
pub(super) const CODE3: u16 = 0x1B;
pub(super) const DATA3: u16 = 0x23;
pub(super) const SEL_A: u16 = 0x28;
pub(super) const SEL_B: u16 = 0x30;
pub(super) const SEL_C: u16 = 0x38;
pub(super) const SEL_LDT: u16 = 0x40;
pub(super) const CODE16: u16 = 0x48;
pub(super) const DATA16: u16 = 0x50;
pub(super) const SEL_IO: u16 = 0x58;
pub(super) const DATA_NP: u16 = 0x60; // data segment, not present
pub(super) const CODE0_NC_DPL3: u16 = 0x68; // non-conforming code, DPL 3
pub(super) const DATA0_RO: u16 = 0x70; // read-only data, DPL 0
pub(super) const DATA1: u16 = 0x79; // data, DPL 1 (RPL 1)
pub(super) const SEL_B16_SMALL: u16 = 0x80; // 16-bit TSS with limit 2AH
pub(super) const GDT_LIMIT: u16 = 0x87;
/// In the LDT: data, DPL 0, base 0x10000.
pub(super) const LDT_DATA: u16 = 0x04;

/// A descriptor from base, byte limit (≤ FFFFF, or page-granular when
/// `flags` has G), access byte and flags nibble.
pub(super) fn desc(base: u32, limit: u32, access: u8, flags: u8) -> u64 {
    u64::from(limit & 0xFFFF)
        | (u64::from(base & 0xFF_FFFF) << 16)
        | (u64::from(access) << 40)
        | (u64::from((limit >> 16) & 0xF) << 48)
        | (u64::from(flags & 0xF) << 52)
        | (u64::from(base >> 24) << 56)
}

pub(super) fn cache(raw: u64, selector: u16) -> Segment {
    let d = Descriptor::from_raw(raw);
    Segment {
        selector,
        base: d.base,
        limit: d.limit,
        attr: d.attr,
    }
}

pub(super) fn gdt_entries() -> Vec<(u16, u64)> {
    vec![
        (CODE0, desc(0, 0xFFFFF, 0x9B, 0xC)),
        (DATA0, desc(0, 0xFFFFF, 0x93, 0xC)),
        (CODE3, desc(0, 0xFFFFF, 0xFB, 0xC)),
        (DATA3, desc(0, 0xFFFFF, 0xF3, 0xC)),
        (SEL_A, desc(TSS_A, 0x67, 0x8B, 0)), // busy: it is the current task
        (SEL_B, desc(TSS_B, 0x67, 0x89, 0)),
        (SEL_C, desc(TSS_C, 0x2B, 0x81, 0)),
        (SEL_LDT, desc(LDT_BASE, 0x0F, 0x82, 0)),
        (CODE16, desc(0x2_0000, 0xFFFF, 0x9B, 0)),
        (DATA16, desc(0x2_0000, 0xFFFF, 0x93, 0)),
        (SEL_IO, desc(TSS_IO, 0x68 + 0x2000, 0x89, 0)),
        (DATA_NP, desc(0, 0xFFFF, 0x13, 0)),
        (CODE0_NC_DPL3 & !3, desc(0, 0xFFFF, 0xFB, 0)),
        (DATA0_RO, desc(0, 0xFFFF, 0x91, 0)),
        (DATA1 & !3, desc(0, 0xFFFF, 0xB3, 0)),
        (SEL_B16_SMALL, desc(TSS_C, 0x2A, 0x81, 0)),
    ]
}

/// Write descriptor `raw` for `sel` into the GDT.
pub(super) fn set_gdt(cpu: &mut Cpu, sel: u16, raw: u64) {
    cpu.mem.write(GDT + u32::from(sel & !7), 8, raw);
}

pub(super) fn gdt_type(cpu: &Cpu, sel: u16) -> u8 {
    cpu.mem.read_u8(GDT + u32::from(sel & !7) + 5) & 0x0F
}

/// A Pentium in 32-bit protected mode at CPL 0 running task A (TR loaded,
/// A busy), flat CS/DS/ES/SS, ESP 0x9000, an IDT whose vectors 1 and 8–14
/// are ring-0 interrupt gates to 0x7000 + 16·vector.
pub(super) fn pm_cpu() -> Cpu {
    let mut cpu = Cpu::new(
        CpuModel::Pentium,
        Memory::new(0x10_0000).unwrap(),
        IoBus::default(),
    );
    for (sel, raw) in gdt_entries() {
        set_gdt(&mut cpu, sel, raw);
    }
    // LDT: one ring-0 data segment at 0x10000.
    cpu.mem.write(LDT_BASE, 8, desc(0x1_0000, 0xFFFF, 0x93, 0));
    for v in [1u32, 8, 10, 11, 12, 13, 14] {
        let off = 0x7000 + 16 * v;
        let gate = u64::from(off & 0xFFFF)
            | (u64::from(CODE0) << 16)
            | (0x8E << 40)
            | (u64::from(off >> 16) << 48);
        cpu.mem.write(IDT + 8 * v, 8, gate);
    }
    let s = &mut cpu.state;
    s.cr0 = cr0::PE | cr0::ET;
    s.gdtr.base = u64::from(GDT);
    s.gdtr.limit = GDT_LIMIT;
    s.idtr.base = u64::from(IDT);
    s.idtr.limit = 0x7FF;
    let raws: std::collections::HashMap<u16, u64> = gdt_entries().into_iter().collect();
    for r in SegReg::ALL {
        s.seg[r as usize] = cache(raws[&DATA0], DATA0);
    }
    s.seg[SegReg::Cs as usize] = cache(raws[&CODE0], CODE0);
    s.seg[SegReg::Fs as usize] = Segment::default();
    s.tr = cache(raws[&SEL_A], SEL_A);
    s.ldtr = Segment::default();
    s.cpl = 0;
    s.rip = 0x5555;
    s.regs[RSP] = 0x9000;
    s.flags = Flags::from_bits(FIXED1 | CF);
    for n in [RAX, RCX, RDX, RBX, RBP, RSI, RDI] {
        s.regs[n] = 0xA000_0000 + n as u64;
    }
    cpu
}

use crate::cpu::flags::Flags;

/// A 32-bit TSS image for a task at CPL 0 in the flat segments.
pub(super) struct Tss32 {
    pub(super) link: u16,
    pub(super) cr3: u32,
    pub(super) eip: u32,
    pub(super) eflags: u32,
    pub(super) regs: [u32; 8],
    pub(super) segs: [u16; 6],
    pub(super) ldt: u16,
    pub(super) t: bool,
    pub(super) iomap: u16,
}

impl Default for Tss32 {
    fn default() -> Self {
        Tss32 {
            link: 0,
            cr3: 0x0005_0000,
            eip: 0x1234,
            eflags: FIXED1 | ZF,
            regs: [0xB0, 0xB1, 0xB2, 0xB3, 0xB000, 0xB5, 0xB6, 0xB7],
            segs: [DATA0, CODE0, DATA0, DATA0, DATA3, 0],
            ldt: SEL_LDT,
            t: false,
            iomap: 0x68,
        }
    }
}

impl Tss32 {
    pub(super) fn write(&self, cpu: &mut Cpu, base: u32) {
        cpu.mem.write(base, 2, u64::from(self.link));
        cpu.mem.write(base + 0x1C, 4, u64::from(self.cr3));
        cpu.mem.write(base + 0x20, 4, u64::from(self.eip));
        cpu.mem.write(base + 0x24, 4, u64::from(self.eflags));
        for (n, v) in self.regs.iter().enumerate() {
            cpu.mem.write(base + 0x28 + 4 * n as u32, 4, u64::from(*v));
        }
        for (n, v) in self.segs.iter().enumerate() {
            cpu.mem.write(base + 0x48 + 4 * n as u32, 4, u64::from(*v));
        }
        cpu.mem.write(base + 0x60, 4, u64::from(self.ldt));
        cpu.mem.write(base + 0x64, 2, u64::from(self.t));
        cpu.mem.write(base + 0x66, 2, u64::from(self.iomap));
    }
}

/// The dynamic fields of a 32-bit TSS in memory: (EIP, EFLAGS, regs, segs).
pub(super) fn saved32(cpu: &Cpu, base: u32) -> (u32, u32, [u32; 8], [u16; 6]) {
    let r = |o: u32| cpu.mem.read(base + o, 4) as u32;
    let mut regs = [0; 8];
    for (n, v) in regs.iter_mut().enumerate() {
        *v = r(0x28 + 4 * n as u32);
    }
    let mut segs = [0; 6];
    for (n, v) in segs.iter_mut().enumerate() {
        *v = r(0x48 + 4 * n as u32) as u16;
    }
    (r(0x20), r(0x24), regs, segs)
}

pub(super) fn regs32(cpu: &Cpu) -> [u32; 8] {
    let mut r = [0; 8];
    for (n, v) in r.iter_mut().enumerate() {
        *v = cpu.state.regs[n] as u32;
    }
    r
}

pub(super) fn selectors(cpu: &Cpu) -> [u16; 6] {
    SegReg::ALL.map(|r| cpu.state.seg[r as usize].selector)
}

#[test]
fn jmp_saves_old_task_and_loads_new_one() {
    let mut cpu = pm_cpu();
    let b = Tss32::default();
    b.write(&mut cpu, TSS_B);
    cpu.mem.write(TSS_A + 0x1C, 4, 0xCCCC_CCCC); // CR3 field: static, untouched
    let old_regs = regs32(&cpu);
    let old_sels = selectors(&cpu);
    let old_flags = cpu.state.flags.eflags();
    cpu.task_switch(SEL_B, TaskSwitchSource::Jmp).unwrap();

    // Old TSS: dynamic fields saved, static fields and link untouched.
    let (eip, eflags, regs, segs) = saved32(&cpu, TSS_A);
    assert_eq!(eip, 0x5555);
    assert_eq!(eflags, old_flags);
    assert_eq!(regs, old_regs);
    assert_eq!(segs, old_sels);
    assert_eq!(cpu.mem.read(TSS_A + 0x1C, 4), 0xCCCC_CCCC);
    assert_eq!(cpu.mem.read(TSS_A, 2), 0);
    // Busy bits: JMP frees the old task, marks the new one.
    assert_eq!(gdt_type(&cpu, SEL_A), 0x9);
    assert_eq!(gdt_type(&cpu, SEL_B), 0xB);
    // No nesting: link of B unchanged, NT clear.
    assert_eq!(cpu.mem.read(TSS_B, 2), 0);
    // New state.
    assert_eq!(cpu.state.rip, 0x1234);
    assert_eq!(cpu.state.flags.eflags(), FIXED1 | ZF);
    assert_eq!(regs32(&cpu), b.regs);
    assert_eq!(selectors(&cpu), b.segs);
    assert_eq!(cpu.state.seg[SegReg::Cs as usize].limit, 0xFFFF_FFFF);
    assert!(cpu.state.code32());
    assert_eq!(cpu.state.seg[SegReg::Fs as usize].attr & 0xFF, 0xF3);
    assert_eq!(cpu.state.seg[SegReg::Gs as usize].attr, 0); // null
    assert_eq!(cpu.state.cpl, 0);
    assert_eq!(cpu.state.ldtr.selector, SEL_LDT);
    assert_eq!(cpu.state.ldtr.base, LDT_BASE);
    assert_eq!(cpu.state.ldtr.limit, 0x0F);
    assert_eq!(cpu.state.tr.selector, SEL_B);
    assert_eq!(cpu.state.tr.base, TSS_B);
    assert_eq!(cpu.state.tr.limit, 0x67);
    assert_eq!(cpu.state.tr.attr & 0x1F, 0xB);
    assert!(cpu.state.cr0 & cr0::TS != 0);
    // Paging is off: CR3 is not loaded.
    assert_eq!(cpu.state.cr3, 0);
}

#[test]
fn call_nests_and_iret_returns() {
    let mut cpu = pm_cpu();
    Tss32::default().write(&mut cpu, TSS_B);
    let before = cpu.state.clone();
    cpu.task_switch(SEL_B, TaskSwitchSource::Call).unwrap();
    // CALL: old task stays busy, back link written, NT set.
    assert_eq!(gdt_type(&cpu, SEL_A), 0xB);
    assert_eq!(gdt_type(&cpu, SEL_B), 0xB);
    assert_eq!(cpu.mem.read(TSS_B, 2), u64::from(SEL_A));
    assert_eq!(cpu.state.flags.eflags(), FIXED1 | ZF | NT);
    assert_eq!(cpu.state.tr.selector, SEL_B);
    // The called task runs a little, then IRETs (NT set → task return).
    cpu.state.regs[RAX] = 0x7777;
    cpu.state.rip = 0x1240;
    cpu.task_return().unwrap();
    // B saved with NT clear in its EFLAGS image, B freed, A still busy.
    let (eip, eflags, regs, _) = saved32(&cpu, TSS_B);
    assert_eq!((eip, eflags, regs[0]), (0x1240, FIXED1 | ZF, 0x7777));
    assert_eq!(gdt_type(&cpu, SEL_B), 0x9);
    assert_eq!(gdt_type(&cpu, SEL_A), 0xB);
    // A is back exactly as it was (IRET does not touch the link or NT of A).
    let mut want = before;
    want.cr0 |= cr0::TS;
    assert_eq!(cpu.state.regs, want.regs);
    assert_eq!(cpu.state.rip, want.rip);
    assert_eq!(cpu.state.flags.eflags(), want.flags.eflags());
    assert_eq!(selectors(&cpu), selectors_of(&want));
    assert_eq!(cpu.state.tr.selector, SEL_A);
    assert_eq!(cpu.state.cr0, want.cr0);
    // A second IRET from A (NT clear, link 0) has no task to go back to.
    assert_eq!(cpu.task_return(), Err(Exception::InvalidTss(0)));
}

fn selectors_of(s: &crate::cpu::CpuState) -> [u16; 6] {
    SegReg::ALL.map(|r| s.seg[r as usize].selector)
}

#[test]
fn interrupt_through_task_gate_pushes_error_code_on_new_stack() {
    let mut cpu = pm_cpu();
    let b = Tss32 {
        regs: [0, 0, 0, 0, 0xB000, 0, 0, 0],
        ..Default::default()
    };
    b.write(&mut cpu, TSS_B);
    cpu.task_switch(SEL_B, TaskSwitchSource::Event(Some(0x0018)))
        .unwrap();
    assert_eq!(cpu.state.tr.selector, SEL_B);
    assert_eq!(cpu.mem.read(TSS_B, 2), u64::from(SEL_A));
    assert_eq!(gdt_type(&cpu, SEL_A), 0xB);
    assert!(cpu.state.flags.get(NT));
    assert_eq!(cpu.state.regs[RSP], 0xAFFC);
    assert_eq!(cpu.mem.read(0xAFFC, 4), 0x18);
    assert_eq!(cpu.state.rip, 0x1234);
    // The source mapping used by IDT delivery.
    assert_eq!(
        TaskSwitchSource::for_interrupt(IntSource::Exception(Some(8))),
        TaskSwitchSource::Event(Some(8))
    );
    assert_eq!(
        TaskSwitchSource::for_interrupt(IntSource::Software),
        TaskSwitchSource::Interrupt(None)
    );
}

#[test]
fn sixteen_bit_tss_round_trip() {
    let mut cpu = pm_cpu();
    // 16-bit TSS C: IP 0x0100 in CODE16, SS:SP = DATA16:0x0800.
    let w = |cpu: &mut Cpu, off: u32, v: u16| cpu.mem.write(TSS_C + off, 2, u64::from(v));
    w(&mut cpu, 0x0E, 0x0100); // IP
    w(&mut cpu, 0x10, (FIXED1 | CF) as u16); // FLAGS
    for n in 0..8u16 {
        w(&mut cpu, 0x12 + 2 * u32::from(n), 0xC0 + n); // AX..DI
    }
    w(&mut cpu, 0x1A, 0x0800); // SP
    w(&mut cpu, 0x22, DATA16); // ES
    w(&mut cpu, 0x24, CODE16); // CS
    w(&mut cpu, 0x26, DATA16); // SS
    w(&mut cpu, 0x28, LDT_DATA); // DS (in the LDT)
    w(&mut cpu, 0x2A, SEL_LDT); // LDT
    cpu.state.seg[SegReg::Gs as usize] = cpu.state.seg[SegReg::Ds as usize];
    cpu.task_switch(SEL_C, TaskSwitchSource::Jmp).unwrap();
    assert_eq!(cpu.state.rip, 0x100);
    assert_eq!(cpu.state.flags.eflags(), FIXED1 | CF);
    assert_eq!(cpu.state.regs[RAX], 0xC0); // zero-extended
    assert_eq!(cpu.state.regs[RSP], 0x0800);
    assert!(!cpu.state.code32());
    assert_eq!(cpu.state.seg[SegReg::Cs as usize].base, 0x2_0000);
    assert_eq!(cpu.state.seg[SegReg::Ds as usize].base, 0x1_0000);
    assert_eq!(cpu.state.seg[SegReg::Fs as usize].selector, 0);
    assert_eq!(cpu.state.seg[SegReg::Gs as usize].selector, 0);
    assert_eq!(gdt_type(&cpu, SEL_C), 0x3);
    // Back to A by JMP (A was freed): C gets 16-bit fields.
    cpu.state.rip = 0x0123;
    cpu.state.regs[RBX] = 0xFFFF_4321;
    cpu.task_switch(SEL_A, TaskSwitchSource::Jmp).unwrap();
    assert_eq!(cpu.mem.read(TSS_C + 0x0E, 2), 0x0123);
    assert_eq!(cpu.mem.read(TSS_C + 0x10, 2), u64::from(FIXED1 | CF));
    assert_eq!(cpu.mem.read(TSS_C + 0x18, 2), 0x4321); // BX, low half only
    assert_eq!(cpu.mem.read(TSS_C + 0x1A, 2), 0x0800);
    assert_eq!(cpu.mem.read(TSS_C + 0x24, 2), u64::from(CODE16));
    assert_eq!(cpu.mem.read(TSS_C + 0x28, 2), u64::from(LDT_DATA));
    assert_eq!(cpu.mem.read(TSS_C + 0x2A, 2), u64::from(SEL_LDT)); // static
    assert_eq!(gdt_type(&cpu, SEL_C), 0x1);
    assert_eq!(gdt_type(&cpu, SEL_A), 0xB);
    assert_eq!(cpu.state.rip, 0x5555);
    assert!(cpu.state.code32());
}

#[test]
fn faults_before_the_switch_point_leave_everything_unchanged() {
    use TaskSwitchSource::*;
    // (name, setup, selector, source, exception)
    type Setup = fn(&mut Cpu);
    let none: Setup = |_| {};
    let cases: [(&str, Setup, u16, TaskSwitchSource, Exception); 16] = [
        (
            "busy TSS, JMP",
            none,
            SEL_A,
            Jmp,
            Exception::GeneralProtection(SEL_A),
        ),
        (
            "busy TSS, CALL",
            none,
            SEL_A,
            Call,
            Exception::GeneralProtection(SEL_A),
        ),
        (
            "busy TSS, INT",
            none,
            SEL_A,
            Interrupt(None),
            Exception::GeneralProtection(SEL_A),
        ),
        (
            "busy TSS, exception (EXT)",
            none,
            SEL_A,
            Event(Some(0)),
            Exception::GeneralProtection(SEL_A | 1),
        ),
        (
            "IRET to available TSS",
            none,
            SEL_B,
            Iret,
            Exception::InvalidTss(SEL_B),
        ),
        (
            "IRET to a code segment",
            none,
            CODE0,
            Iret,
            Exception::InvalidTss(CODE0),
        ),
        ("IRET to null", none, 0, Iret, Exception::InvalidTss(0)),
        (
            "not a TSS",
            none,
            DATA0,
            Jmp,
            Exception::GeneralProtection(DATA0),
        ),
        (
            "LDT descriptor",
            none,
            SEL_LDT,
            Call,
            Exception::GeneralProtection(SEL_LDT),
        ),
        (
            "null selector",
            none,
            0,
            Jmp,
            Exception::GeneralProtection(0),
        ),
        (
            "TI=1",
            none,
            SEL_B | 4 | 3,
            Jmp,
            Exception::GeneralProtection(SEL_B | 4),
        ),
        (
            "beyond GDT limit",
            none,
            0x88,
            Jmp,
            Exception::GeneralProtection(0x88),
        ),
        (
            "not present",
            |c| set_gdt(c, SEL_B, desc(TSS_B, 0x67, 0x09, 0)),
            SEL_B,
            Jmp,
            Exception::SegmentNotPresent(SEL_B),
        ),
        (
            "32-bit limit 66H",
            |c| set_gdt(c, SEL_B, desc(TSS_B, 0x66, 0x89, 0)),
            SEL_B,
            Call,
            Exception::InvalidTss(SEL_B),
        ),
        (
            "16-bit limit 2AH",
            none,
            SEL_B16_SMALL,
            Jmp,
            Exception::InvalidTss(SEL_B16_SMALL),
        ),
        (
            "old TSS unusable",
            |c| c.state.tr.limit = 0x50,
            SEL_B,
            Jmp,
            Exception::InvalidTss(SEL_A),
        ),
    ];
    for (name, setup, sel, src, want) in cases {
        let mut cpu = pm_cpu();
        Tss32::default().write(&mut cpu, TSS_B);
        setup(&mut cpu);
        let state = cpu.state.clone();
        let mut mem = vec![0u8; 0x10000];
        cpu.mem.read_bytes(0, &mut mem);
        assert_eq!(
            cpu.switch_tasks(sel, src),
            Err(SwitchFault::Before(want)),
            "{name}"
        );
        assert_eq!(cpu.task_switch(sel, src), Err(want), "{name}");
        assert!(cpu.state == state, "{name}: state changed");
        let mut after = vec![0u8; 0x10000];
        cpu.mem.read_bytes(0, &mut after);
        assert!(mem == after, "{name}: memory changed");
    }
}

#[test]
fn the_80286_knows_only_16_bit_tss() {
    let mut cpu = pm_cpu();
    cpu.model = CpuModel::I80286;
    cpu.state.tr = cache(desc(TSS_C, 0x2B, 0x83, 0), SEL_C);
    set_gdt(&mut cpu, SEL_C, desc(TSS_C, 0x2B, 0x83, 0));
    assert_eq!(
        cpu.task_switch(SEL_B, TaskSwitchSource::Jmp),
        Err(Exception::GeneralProtection(SEL_B))
    );
}

#[test]
fn faults_after_the_switch_point_belong_to_the_new_task() {
    // (name, change to B's TSS, exception)
    type Edit = fn(&mut Tss32);
    let cases: [(&str, Edit, Exception); 16] = [
        ("LDT in LDT", |t| t.ldt = 0x44, Exception::InvalidTss(0x44)),
        (
            "LDT not an LDT",
            |t| t.ldt = DATA0,
            Exception::InvalidTss(DATA0),
        ),
        (
            "LDT beyond GDT",
            |t| t.ldt = 0x90,
            Exception::InvalidTss(0x90),
        ),
        ("CS null", |t| t.segs[1] = 0, Exception::InvalidTss(0)),
        (
            "CS data",
            |t| t.segs[1] = DATA0,
            Exception::InvalidTss(DATA0),
        ),
        (
            "CS DPL != RPL",
            |t| t.segs[1] = CODE0_NC_DPL3 & !3,
            Exception::InvalidTss(CODE0_NC_DPL3 & !3),
        ),
        ("SS null", |t| t.segs[2] = 0, Exception::InvalidTss(0)),
        (
            "SS read-only",
            |t| t.segs[2] = DATA0_RO,
            Exception::InvalidTss(DATA0_RO),
        ),
        (
            "SS DPL 3 at CPL 0",
            |t| t.segs[2] = DATA3 & !3,
            Exception::InvalidTss(DATA3 & !3),
        ),
        (
            "SS RPL != CPL",
            |t| t.segs[2] = DATA0 | 1,
            Exception::InvalidTss(DATA0),
        ),
        (
            "SS not present",
            |t| t.segs[2] = DATA_NP,
            Exception::StackFault(DATA_NP),
        ),
        (
            "DS not present",
            |t| t.segs[3] = DATA_NP,
            Exception::SegmentNotPresent(DATA_NP),
        ),
        (
            "DS system",
            |t| t.segs[3] = SEL_C,
            Exception::InvalidTss(SEL_C),
        ),
        (
            "ES DPL 1 < CPL 3",
            |t| {
                t.segs = [DATA1, CODE3, DATA3, DATA3, 0, 0];
            },
            Exception::InvalidTss(DATA1 & !3),
        ),
        (
            "GS in LDT without LDT",
            |t| {
                t.ldt = 0;
                t.segs[5] = LDT_DATA;
            },
            Exception::InvalidTss(LDT_DATA),
        ),
        (
            "EIP beyond CS limit",
            |t| {
                t.segs[1] = CODE16;
                t.eip = 0x1_0000;
            },
            Exception::GeneralProtection(0),
        ),
    ];
    for (name, edit, want) in cases {
        let mut cpu = pm_cpu();
        let mut b = Tss32::default();
        edit(&mut b);
        b.write(&mut cpu, TSS_B);
        assert_eq!(
            cpu.switch_tasks(SEL_B, TaskSwitchSource::Jmp),
            Err(SwitchFault::After(want)),
            "{name}"
        );
        // The switch happened: TR, busy bits and the old TSS are updated.
        assert_eq!(cpu.state.tr.selector, SEL_B, "{name}");
        assert_eq!(gdt_type(&cpu, SEL_B), 0xB, "{name}");
        assert_eq!(gdt_type(&cpu, SEL_A), 0x9, "{name}");
        assert_eq!(saved32(&cpu, TSS_A).0, 0x5555, "{name}");
    }
    // With EXT for a switch caused by an exception.
    let mut cpu = pm_cpu();
    let mut b = Tss32::default();
    b.segs[3] = DATA_NP;
    b.write(&mut cpu, TSS_B);
    assert_eq!(
        cpu.switch_tasks(SEL_B, TaskSwitchSource::Event(None)),
        Err(SwitchFault::After(Exception::SegmentNotPresent(
            DATA_NP | 1
        )))
    );
    // The error-code push faults with #SS(EXT).
    let mut cpu = pm_cpu();
    let b = Tss32 {
        segs: [DATA0, CODE0, DATA16, DATA0, 0, 0],
        regs: [0, 0, 0, 0, 2, 0, 0, 0],
        ..Default::default()
    };
    b.write(&mut cpu, TSS_B);
    set_gdt(&mut cpu, DATA16, desc(0x2_0000, 0x0001, 0x93, 0)); // tiny stack
    assert_eq!(
        cpu.switch_tasks(SEL_B, TaskSwitchSource::Event(Some(0))),
        Err(SwitchFault::After(Exception::StackFault(1)))
    );
}

#[test]
fn fault_in_the_new_task_is_delivered_with_its_eip() {
    let mut cpu = pm_cpu();
    let b = Tss32 {
        segs: [DATA0, CODE0, DATA0, DATA_NP, 0, 0],
        ..Default::default()
    };
    b.write(&mut cpu, TSS_B);
    assert_eq!(cpu.task_switch(SEL_B, TaskSwitchSource::Jmp), Ok(()));
    // #NP handler (vector 11) entered on B's stack, B's EIP saved.
    assert_eq!(cpu.state.rip, 0x7000 + 16 * 11);
    assert_eq!(cpu.state.regs[RSP], 0xB000 - 16);
    assert_eq!(cpu.mem.read(0xB000 - 16, 4), u64::from(DATA_NP)); // error code
    assert_eq!(cpu.mem.read(0xB000 - 12, 4), 0x1234); // EIP of B
    assert_eq!(cpu.mem.read(0xB000 - 8, 4), u64::from(CODE0));
    assert_eq!(cpu.state.tr.selector, SEL_B);
}

#[test]
fn t_bit_raises_debug_trap_in_new_task() {
    let mut cpu = pm_cpu();
    let b = Tss32 {
        t: true,
        ..Default::default()
    };
    b.write(&mut cpu, TSS_B);
    cpu.task_switch(SEL_B, TaskSwitchSource::Jmp).unwrap();
    assert_eq!(cpu.state.rip, 0x7000 + 16);
    assert_eq!(cpu.mem.read(0xB000 - 12, 4), 0x1234);
    assert!(cpu.state.dr[6] & DR6_BT != 0);
}

#[test]
fn switch_into_virtual_8086_task() {
    let mut cpu = pm_cpu();
    let b = Tss32 {
        eflags: FIXED1 | VM | IF,
        segs: [0x1000, 0xF000, 0x2000, 0x3000, 0x4000, 0x5000],
        eip: 0xFFF0,
        ..Default::default()
    };
    b.write(&mut cpu, TSS_B);
    cpu.task_switch(SEL_B, TaskSwitchSource::Jmp).unwrap();
    assert!(cpu.state.v86());
    assert_eq!(cpu.state.cpl, 3);
    assert_eq!(cpu.state.seg[SegReg::Cs as usize].base, 0xF_0000);
    assert_eq!(cpu.state.seg[SegReg::Gs as usize].base, 0x5_0000);
    assert_eq!(cpu.state.seg[SegReg::Ss as usize].limit, 0xFFFF);
    assert_eq!(cpu.state.ldtr.selector, SEL_LDT);
    assert_eq!(cpu.linear_ip(), 0xF_FFF0);
}

#[test]
fn accessed_bits_are_set_on_the_new_task_segments() {
    let mut cpu = pm_cpu();
    set_gdt(&mut cpu, DATA3, desc(0, 0xFFFFF, 0xF2, 0xC)); // not accessed
    Tss32::default().write(&mut cpu, TSS_B);
    cpu.task_switch(SEL_B, TaskSwitchSource::Jmp).unwrap();
    assert_eq!(cpu.mem.read_u8(GDT + u32::from(DATA3 & !7) + 5), 0xF3);
}
