//! The step interpreter: fetch, decode and execute one instruction, and
//! [`execute`], which both tiers use to run a decoded instruction.
//!
//! [`step`] also implements the debug exceptions that belong to
//! instruction boundaries (SDM Vol. 3A §17.3.1, priorities in §6.9 Table
//! 6-2): instruction breakpoints (fault, before the instruction, suppressed
//! by EFLAGS.RF), single-step and data-breakpoint traps (after it), RF
//! clearing, and the MOV SS / POP SS inhibit (§6.8.3); see
//! [`crate::cpu::debug`] for the conditions. The block tier stays free of
//! these checks: before each block it asks [`enter_block`], and while TF or
//! RF is set or a breakpoint is enabled it runs [`step`] instead of a block.
//! That is exact because whatever sets TF, RF or DR7 (POPF, IRET, MOV DR,
//! MOV SS, exception delivery) ends a block.

use crate::cpu::debug::dr6;
use crate::cpu::{flags, Cpu, CpuModel, DecodedInsn, Exception};
use iced_x86::{Code, Register};

/// Execute one decoded instruction whose first byte is at CS:IP. Advances
/// IP, runs the handler and, on a fault, rolls IP back and delivers the
/// exception. Returns `false` if an exception was raised.
///
/// No debug checks: callers use it only when [`Cpu::debug_path`] is false
/// (the block tier, see [`enter_block`]); [`step`] handles the rest.
#[inline]
pub fn execute(cpu: &mut Cpu, d: &DecodedInsn) -> bool {
    let ip_mask = cpu.ip_mask();
    execute_masked(cpu, d, ip_mask)
}

/// [`execute`] with the IP mask of the current code segment already known
/// (the block tier computes it once per block: CS can only change at a
/// block's last instruction, after its IP was advanced).
#[inline(always)]
pub fn execute_masked(cpu: &mut Cpu, d: &DecodedInsn, ip_mask: u64) -> bool {
    let ip = cpu.state.rip;
    cpu.state.rip = ip.wrapping_add(u64::from(d.len)) & ip_mask;
    cpu.icount += 1;
    match (d.handler)(cpu, d) {
        Ok(()) => true,
        Err(e) => {
            fault(cpu, ip, e);
            false
        }
    }
}

/// Before the block tier runs a block: refresh the data-access hook flag
/// (EFLAGS.AC may have changed at the end of the previous block) and tell
/// whether the block may run ([`execute`] without debug checks). `false`:
/// TF or RF is set or a breakpoint is enabled, so run one [`step`].
#[inline(always)]
pub fn enter_block(cpu: &mut Cpu) -> bool {
    let sys = cpu.state.flags.system_bits();
    if (sys & (flags::TF | flags::RF | flags::AC)) | u32::from(cpu.debug.gate) == 0 {
        // Nothing to check and no hooks to clear (the common case).
        return true;
    }
    enter_block_slow(cpu)
}

#[cold]
#[inline(never)]
fn enter_block_slow(cpu: &mut Cpu) -> bool {
    cpu.refresh_access_hooks();
    !cpu.debug_path()
}

/// Roll IP back to the faulting instruction and deliver `e`.
#[inline]
fn fault(cpu: &mut Cpu, ip: u64, e: Exception) {
    // The 8086 pushes the address of the next instruction for #DE.
    if !(cpu.model == CpuModel::I8086 && e == Exception::DivideError) {
        cpu.state.rip = ip;
    }
    cpu.raise(e);
}

/// [`execute`] with TF or RF set or a breakpoint enabled.
#[inline(never)]
fn execute_debug(cpu: &mut Cpu, d: &DecodedInsn) -> bool {
    let start = cpu.state.flags.system_bits();
    let inhibited = cpu.debug.inhibit;
    let held = cpu.debug.held;
    cpu.debug.inhibit = false;
    cpu.debug.held = 0;
    cpu.debug.hits = 0;
    cpu.debug.rearm();
    // Instruction breakpoint: a fault before the instruction, unless RF
    // says the instruction is being restarted or MOV SS inhibits it.
    if !inhibited && start & flags::RF == 0 && cpu.debug.code_bps != 0 {
        let hits = cpu.code_breakpoint_hits(cpu.linear_ip());
        if hits != 0 {
            cpu.icount += 1;
            cpu.debug_exception(hits);
            return false;
        }
    }
    // RF is cleared at the start of the instruction, after the breakpoint
    // check (SDM Vol. 3A §17.3.1.1); IRETD loads it, a fault pushes it set.
    if start & flags::RF != 0 {
        cpu.state.flags.set(flags::RF, false);
    }
    let ip = cpu.state.rip;
    cpu.state.rip = ip.wrapping_add(u64::from(d.len)) & cpu.ip_mask();
    cpu.icount += 1;
    if let Err(e) = (d.handler)(cpu, d) {
        // Traps of a faulting instruction are discarded.
        cpu.debug.hits = 0;
        fault(cpu, ip, e);
        return false;
    }
    let mut bits = held | cpu.debug.hits;
    cpu.debug.hits = 0;
    if start & flags::TF != 0 {
        bits |= dr6::BS;
    }
    if loads_ss_with_inhibit(d) {
        // Debug traps wait until after the next instruction.
        cpu.debug.held = bits;
        cpu.debug.inhibit = true;
        cpu.debug.rearm();
        return true;
    }
    if bits == 0 || called_interrupt_handler(cpu, d) {
        // INT n, INT3, INTO and INT1 enter their handler with TF clear; the
        // traps of the instruction are discarded (they resume after IRET).
        return true;
    }
    // A trap: IP already points after the instruction.
    cpu.debug_exception(bits);
    false
}

/// MOV SS and POP SS inhibit interrupts and debug exceptions until the
/// instruction boundary after the next instruction (SDM Vol. 3A §6.8.3).
fn loads_ss_with_inhibit(d: &DecodedInsn) -> bool {
    match d.insn.code() {
        Code::Popw_SS | Code::Popd_SS => true,
        Code::Mov_Sreg_rm16 | Code::Mov_Sreg_r32m16 => d.insn.op0_register() == Register::SS,
        _ => false,
    }
}

/// Whether the instruction that just completed called an interrupt
/// handler itself (INT n, INT3, INT1, or INTO with OF set: INTO leaves OF
/// as it found it).
fn called_interrupt_handler(cpu: &Cpu, d: &DecodedInsn) -> bool {
    match d.insn.code() {
        Code::Int_imm8 | Code::Int3 | Code::Int1 => true,
        Code::Into => cpu.state.flags.of(),
        _ => false,
    }
}

/// Decode and execute the instruction at CS:IP (nothing if halted).
/// Returns the decoded instruction when it ran, for tracing.
///
/// An instruction breakpoint at CS:IP is taken before decoding, so it wins
/// over fetch and decode faults (SDM Vol. 3A Table 6-2).
pub fn step(cpu: &mut Cpu) -> Option<DecodedInsn> {
    if cpu.state.halted {
        return None;
    }
    let lin = cpu.linear_ip();
    if cpu.debug.code_bps != 0
        && !cpu.debug.inhibit
        && cpu.state.flags.system_bits() & flags::RF == 0
    {
        let hits = cpu.code_breakpoint_hits(lin);
        if hits != 0 {
            cpu.icount += 1;
            cpu.debug_exception(hits);
            return None;
        }
    }
    cpu.refresh_access_hooks();
    match cpu.decode_at(lin) {
        Ok(d) => {
            if cpu.debug_path() {
                execute_debug(cpu, &d);
            } else {
                execute(cpu, &d);
            }
            Some(d)
        }
        Err(e) => {
            cpu.icount += 1;
            cpu.debug.hits = 0;
            cpu.raise(e);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::debug::dr6;
    use crate::cpu::exec::testutil::cpu_with;

    /// Handler address for vector `v` in the tests' IVT: 0000:0300 + 0x10·v,
    /// each an IRET.
    fn handler_ip(v: u8) -> u64 {
        0x300 + 0x10 * u64::from(v)
    }

    /// Real-mode Pentium CPU with `code` at 0000:0100 and an IVT whose
    /// handlers are IRETs at [`handler_ip`].
    fn cpu(code: &[u8]) -> Cpu {
        let mut cpu = cpu_with(CpuModel::Pentium, code);
        for v in 0..=0x20u8 {
            let ip = handler_ip(v) as u32;
            cpu.mem.write(u32::from(v) * 4, 4, u64::from(ip));
            cpu.mem.write_u8(ip, 0xCF);
        }
        cpu
    }

    /// The frame of the last real-mode interrupt: (IP, CS, FLAGS).
    fn frame(cpu: &Cpu) -> (u64, u64, u32) {
        let sp = cpu.state.regs[4] as u32;
        (
            cpu.mem.read(sp, 2),
            cpu.mem.read(sp + 2, 2),
            cpu.mem.read(sp + 4, 2) as u32,
        )
    }

    fn set_breakpoint(cpu: &mut Cpu, n: usize, addr: u32, rw: u64, len: u64) {
        cpu.state.dr[n] = u64::from(addr);
        cpu.state.dr[7] |= (2 << (2 * n)) | (rw << (16 + 4 * n)) | (len << (18 + 4 * n));
        cpu.sync_debug();
    }

    #[test]
    fn single_step_traps_after_each_instruction() {
        let mut cpu = cpu(&[0x90, 0x90, 0xF4]);
        cpu.state.flags.set(flags::TF, true);
        step(&mut cpu); // nop, then #DB
        assert_eq!(cpu.state.rip, handler_ip(1));
        assert_eq!(
            frame(&cpu),
            (0x101, 0, cpu.state.flags.eflags() | flags::TF)
        );
        assert!(!cpu.state.flags.tf(), "handler runs with TF clear");
        assert_eq!(cpu.state.dr[6] & dr6::BS, dr6::BS);
        step(&mut cpu); // IRET from the handler: TF was clear, no trap
        assert_eq!(cpu.state.rip, 0x101);
        assert!(cpu.state.flags.tf());
        step(&mut cpu);
        assert_eq!((cpu.state.rip, frame(&cpu).0), (handler_ip(1), 0x102));
    }

    #[test]
    fn popf_setting_tf_traps_after_the_next_instruction() {
        // push 0x0100 (TF) ; popf ; nop ; nop
        let mut cpu = cpu(&[0x68, 0x00, 0x01, 0x9D, 0x90, 0x90]);
        for _ in 0..2 {
            step(&mut cpu);
        }
        assert_eq!(cpu.state.rip, 0x104, "no trap after the POPF that set TF");
        step(&mut cpu);
        assert_eq!((cpu.state.rip, frame(&cpu).0), (handler_ip(1), 0x105));
    }

    #[test]
    fn popf_clearing_tf_still_traps() {
        // popf (pops 0) ; nop
        let mut cpu = cpu(&[0x9D, 0x90]);
        cpu.state.regs[4] = 0xFFFC;
        cpu.mem.write(0xFFFC, 2, 0);
        cpu.state.flags.set(flags::TF, true);
        step(&mut cpu);
        assert_eq!((cpu.state.rip, frame(&cpu).0), (handler_ip(1), 0x101));
        assert_eq!(frame(&cpu).2 & flags::TF, 0);
    }

    #[test]
    fn mov_ss_delays_the_single_step_trap() {
        // mov ss, ax ; nop ; nop
        let mut cpu = cpu(&[0x8E, 0xD0, 0x90, 0x90]);
        cpu.state.flags.set(flags::TF, true);
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0x102, "no trap between MOV SS and the next");
        step(&mut cpu);
        assert_eq!((cpu.state.rip, frame(&cpu).0), (handler_ip(1), 0x103));
        assert_eq!(cpu.state.dr[6] & dr6::BS, dr6::BS);
    }

    #[test]
    fn int_n_enters_its_handler_without_a_trap() {
        // int 0x20 ; nop
        let mut cpu = cpu(&[0xCD, 0x20, 0x90]);
        cpu.state.flags.set(flags::TF, true);
        step(&mut cpu);
        assert_eq!(cpu.state.rip, handler_ip(0x20));
        assert_eq!(frame(&cpu).2 & flags::TF, flags::TF);
        step(&mut cpu); // IRET (TF clear at its start): back, no trap
        assert_eq!(cpu.state.rip, 0x102);
        step(&mut cpu); // nop: trap
        assert_eq!((cpu.state.rip, frame(&cpu).0), (handler_ip(1), 0x103));
    }

    #[test]
    fn a_faulting_instruction_gets_its_fault_not_the_trap() {
        // div bl (bl = 0)
        let mut cpu = cpu(&[0xF6, 0xF3]);
        cpu.state.flags.set(flags::TF, true);
        step(&mut cpu);
        assert_eq!((cpu.state.rip, frame(&cpu).0), (handler_ip(0), 0x100));
        assert_eq!(cpu.state.dr[6] & dr6::BS, 0);
    }

    #[test]
    fn instruction_breakpoint_faults_before_the_instruction() {
        let mut cpu = cpu(&[0x90, 0x90, 0x43, 0x90]);
        set_breakpoint(&mut cpu, 2, 0x102, 0, 0);
        step(&mut cpu);
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0x102);
        step(&mut cpu);
        assert_eq!((cpu.state.rip, frame(&cpu).0), (handler_ip(1), 0x102));
        assert_eq!(cpu.state.regs[3], 0, "inc bx did not run");
        assert_eq!(cpu.state.dr[6] & 0xF, 0b100);
        // Back at the breakpoint with RF set: it runs, and RF is cleared.
        cpu.state.rip = 0x102;
        cpu.state.flags.set(flags::RF, true);
        step(&mut cpu);
        assert_eq!((cpu.state.rip, cpu.state.regs[3]), (0x103, 1));
        assert!(!cpu.state.flags.get(flags::RF));
    }

    #[test]
    fn instruction_breakpoint_wins_over_a_decode_fault() {
        // ud2 at the breakpoint: #DB first.
        let mut cpu = cpu(&[0x0F, 0x0B]);
        set_breakpoint(&mut cpu, 0, 0x100, 0, 0);
        step(&mut cpu);
        assert_eq!((cpu.state.rip, frame(&cpu).0), (handler_ip(1), 0x100));
    }

    #[test]
    fn data_breakpoints_trap_after_the_access() {
        // (rw, len, bp address, code, traps)
        let cases: &[(u64, u64, u32, &[u8], bool)] = &[
            (1, 0, 0x2000, &[0xA2, 0x00, 0x20], true), // mov [0x2000], al
            (1, 0, 0x2000, &[0xA0, 0x00, 0x20], false), // mov al, [0x2000]
            (3, 0, 0x2000, &[0xA0, 0x00, 0x20], true),
            (3, 3, 0x2002, &[0xA1, 0x00, 0x20], true), // mov ax, [0x2000]
            (3, 0, 0x2002, &[0xA1, 0x00, 0x20], false),
            (1, 1, 0x2001, &[0x80, 0x06, 0x00, 0x20, 0x01], true), // add byte [0x2000], 1
        ];
        for &(rw, len, addr, code, traps) in cases {
            let mut cpu = cpu(code);
            set_breakpoint(&mut cpu, 1, addr, rw, len);
            step(&mut cpu);
            let next = 0x100 + code.len() as u64;
            if traps {
                assert_eq!(
                    (cpu.state.rip, frame(&cpu).0),
                    (handler_ip(1), next),
                    "{code:02x?}"
                );
                assert_eq!(cpu.state.dr[6] & 0xF, 0b10, "{code:02x?}");
            } else {
                assert_eq!(cpu.state.rip, next, "{code:02x?}");
            }
        }
    }

    #[test]
    fn general_detect_faults_on_debug_register_access() {
        // mov eax, dr0
        let mut cpu = cpu(&[0x0F, 0x21, 0xC0]);
        cpu.state.dr[7] |= 1 << 13;
        step(&mut cpu);
        assert_eq!((cpu.state.rip, frame(&cpu).0), (handler_ip(1), 0x100));
        assert_eq!(cpu.state.dr[6] & dr6::BD, dr6::BD);
        assert_eq!(cpu.state.dr[7] & (1 << 13), 0, "GD cleared for the handler");
    }

    #[test]
    fn mov_dr7_arms_the_breakpoints() {
        // mov dr0, ebx ; mov dr7, eax ; nop ; nop (breakpoint on the second nop)
        let mut cpu = cpu(&[0x0F, 0x23, 0xC3, 0x0F, 0x23, 0xF8, 0x90, 0x90]);
        cpu.state.regs[3] = 0x107;
        cpu.state.regs[0] = 0x402;
        for _ in 0..3 {
            step(&mut cpu);
        }
        assert_eq!(cpu.debug.code_bps, 1);
        step(&mut cpu);
        assert_eq!((cpu.state.rip, frame(&cpu).0), (handler_ip(1), 0x107));
    }
}
