//! Task switches reached the way the CPU reaches them (IDT task gates from
//! exceptions and INT n) and under paging (CR3 load, faults before the
//! switch point). Fixture in [`super::tests`].

use super::tests::*;
use super::*;
use crate::cpu::flags::{CF, FIXED1, NT, ZF};
use crate::cpu::state::gpr::*;

/// Turn on paging with the first MiB identity-mapped through the page
/// directory at `pd` (page table at `pd` + 4 KiB); `absent` pages are not
/// present.
fn enable_paging(cpu: &mut Cpu, pd: u32, absent: &[u32]) {
    const P_RW_US: u64 = 0x7;
    let pt = pd + 0x1000;
    cpu.mem.write(pd, 4, u64::from(pt) | P_RW_US);
    for page in 0..256u32 {
        let pte = if absent.contains(&page) {
            0
        } else {
            u64::from(page << 12) | P_RW_US
        };
        cpu.mem.write(pt + 4 * page, 4, pte);
    }
    cpu.state.cr3 = u64::from(pd);
    cpu.state.cr0 |= cr0::PG;
}

#[test]
fn paging_old_tss_not_writable_faults_before_the_switch() {
    let mut cpu = pm_cpu();
    Tss32::default().write(&mut cpu, TSS_B);
    // Task A's TSS straddles 0x4000; the second page is not present, so
    // saving EIP…GS would fault part-way: the switch must not start.
    const A2: u32 = 0x3FB0; // the page boundary falls in the SS field
    set_gdt(&mut cpu, SEL_A, desc(A2, 0x67, 0x8B, 0));
    cpu.state.tr.base = A2;
    enable_paging(&mut cpu, 0x5_0000, &[4]);
    let state = cpu.state.clone();
    let want = Exception::PageFault {
        addr: 0x4000,
        code: 0x2, // write, not present, supervisor
    };
    assert_eq!(
        cpu.switch_tasks(SEL_B, TaskSwitchSource::Jmp),
        Err(SwitchFault::Before(want))
    );
    assert!(cpu.state == state);
    assert_eq!(gdt_type(&cpu, SEL_A), 0xB);
    assert_eq!(gdt_type(&cpu, SEL_B), 0x9);
    assert_eq!(cpu.mem.read(A2 + 0x20, 4), 0);
}

#[test]
fn paging_32_bit_tss_loads_cr3() {
    let mut cpu = pm_cpu();
    enable_paging(&mut cpu, 0x5_0000, &[]);
    // A second page directory with the same mappings.
    enable_paging(&mut cpu, 0x5_2000, &[]);
    cpu.state.cr3 = 0x5_0000;
    let b = Tss32 {
        cr3: 0x5_2000 | 0x18 | 0x7, // PCD, PWT kept; low bits dropped
        ..Default::default()
    };
    b.write(&mut cpu, TSS_B);
    cpu.task_switch(SEL_B, TaskSwitchSource::Jmp).unwrap();
    assert_eq!(cpu.state.cr3, 0x5_2018);
    assert_eq!(cpu.state.rip, 0x1234);
    // CR3 is static: the old TSS's CR3 field is not written.
    assert_eq!(cpu.mem.read(TSS_A + 0x1C, 4), 0);
}

/// Make IDT vector `v` a task gate to `tss` with DPL `dpl`.
fn set_task_gate(cpu: &mut Cpu, v: u32, tss: u16, dpl: u8) {
    let gate = (u64::from(tss) << 16) | (u64::from(0x85 | (dpl << 5)) << 40);
    cpu.mem.write(IDT + 8 * v, 8, gate);
}

#[test]
fn exception_through_an_idt_task_gate() {
    let mut cpu = pm_cpu();
    Tss32::default().write(&mut cpu, TSS_B);
    set_task_gate(&mut cpu, 13, SEL_B, 0);
    // A #GP(28h) raised by the instruction at 0x5555.
    cpu.raise(Exception::GeneralProtection(0x28));
    assert_eq!(cpu.state.tr.selector, SEL_B);
    assert_eq!(cpu.state.rip, 0x1234);
    // The error code on the new task's stack (32-bit TSS: a dword).
    assert_eq!(cpu.state.regs[RSP], 0xB000 - 4);
    assert_eq!(cpu.mem.read(0xB000 - 4, 4), 0x28);
    // Old task: saved at the faulting instruction, with RF set (a fault),
    // still busy; the new task nests.
    let (eip, eflags, _, _) = saved32(&cpu, TSS_A);
    assert_eq!(eip, 0x5555);
    assert_eq!(eflags, FIXED1 | CF | crate::cpu::flags::RF);
    assert_eq!(gdt_type(&cpu, SEL_A), 0xB);
    assert_eq!(cpu.mem.read(TSS_B, 2), u64::from(SEL_A));
    assert_eq!(cpu.state.flags.eflags(), FIXED1 | ZF | NT);
}

#[test]
fn int_n_through_an_idt_task_gate_and_back() {
    use crate::cpu::exec::testutil::step;
    let mut cpu = pm_cpu();
    // int 40h at 0x5555, in the flat ring-0 code segment.
    cpu.mem.write_bytes(0x5555, &[0xCD, 0x40]);
    // The handler task: iretd at 0x1234.
    cpu.mem.write_bytes(0x1234, &[0xCF]);
    Tss32::default().write(&mut cpu, TSS_B);
    set_task_gate(&mut cpu, 0x40, SEL_B, 0);
    step(&mut cpu);
    assert_eq!(cpu.state.tr.selector, SEL_B);
    assert_eq!(cpu.state.rip, 0x1234);
    assert_eq!(cpu.state.regs[RSP], 0xB000); // no error code
    let (eip, eflags, _, _) = saved32(&cpu, TSS_A);
    assert_eq!((eip, eflags), (0x5557, FIXED1 | CF)); // a trap: next insn
    step(&mut cpu); // iretd with NT: back to A
    assert_eq!(cpu.state.tr.selector, SEL_A);
    assert_eq!(cpu.state.rip, 0x5557);
    assert_eq!(cpu.state.flags.eflags(), FIXED1 | CF);
    assert_eq!(gdt_type(&cpu, SEL_B), 0x9);
    assert_eq!(saved32(&cpu, TSS_B).0, 0x1235);
    // A DPL-0 task gate is out of reach of INT n at CPL 3: #GP(vector·8+2).
    let mut cpu = pm_cpu();
    cpu.mem.write_bytes(0x5555, &[0xCD, 0x40]);
    Tss32::default().write(&mut cpu, TSS_B);
    set_task_gate(&mut cpu, 0x40, SEL_B, 0);
    cpu.state.cpl = 3;
    let raws: std::collections::HashMap<u16, u64> = gdt_entries().into_iter().collect();
    cpu.state.seg[SegReg::Cs as usize] = cache(raws[&CODE3], CODE3);
    let d = cpu.decode_at(cpu.linear_ip()).unwrap();
    cpu.state.rip += u64::from(d.len);
    assert_eq!(
        (d.handler)(&mut cpu, &d),
        Err(Exception::GeneralProtection(0x40 * 8 + 2))
    );
    assert_eq!(cpu.state.tr.selector, SEL_A);
}
