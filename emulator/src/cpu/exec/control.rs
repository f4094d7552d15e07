//! Control transfer: JMP, Jcc, CALL, RET, LOOP/LOOPcc, JCXZ/JECXZ, and
//! the far-transfer checks they share with IRET (SDM Vol. 1 §6.2–6.3,
//! §7.3.8; Vol. 2 instruction pages; Vol. 3A §5.8 for far transfers in
//! protected mode). Software interrupts, IRET and BOUND are in
//! [`super::interrupts`].
//!
//! Every transfer validates its destination before changing anything:
//! the target IP against the code-segment limit (#GP(0) on the 286 and
//! later), the new code segment in protected mode, and stack pushes are
//! undone if a later step faults, so a faulting instruction leaves the
//! registers as they were.
//!
//! Far JMP, CALL and RET in protected mode (privilege checks, call gates,
//! task gates and TSS targets, returns to outer levels) are in
//! [`super::gates`]; this file handles real and virtual-8086 mode, where a
//! far transfer loads CS the real-mode way.

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::exec::condition;
use crate::cpu::state::{gpr, size_mask, SegReg};
use crate::cpu::Cpu;
use iced_x86::{Code, ConditionCode, Instruction, Mnemonic, OpKind};

/// LOOP variants (const parameter of [`loop_`]).
const LOOP: u8 = 0;
const LOOPE: u8 = 1;
const LOOPNE: u8 = 2;

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.code() {
        Code::Jmp_rel8_16 | Code::Jmp_rel8_32 | Code::Jmp_rel16 | Code::Jmp_rel32_32 => jmp_rel,
        Code::Jmp_rm16 => jmp_near_indirect::<2>,
        Code::Jmp_rm32 => jmp_near_indirect::<4>,
        Code::Jmp_ptr1616 | Code::Jmp_ptr1632 => jmp_far_ptr,
        Code::Jmp_m1616 => jmp_far_mem::<2>,
        Code::Jmp_m1632 => jmp_far_mem::<4>,
        Code::Call_rel16 => call_rel::<2>,
        Code::Call_rel32_32 => call_rel::<4>,
        Code::Call_rm16 => call_near_indirect::<2>,
        Code::Call_rm32 => call_near_indirect::<4>,
        Code::Call_ptr1616 => call_far_ptr::<2>,
        Code::Call_ptr1632 => call_far_ptr::<4>,
        Code::Call_m1616 => call_far_mem::<2>,
        Code::Call_m1632 => call_far_mem::<4>,
        Code::Retnw | Code::Retnw_imm16 => ret_near::<2>,
        Code::Retnd | Code::Retnd_imm16 => ret_near::<4>,
        Code::Retfw | Code::Retfw_imm16 => ret_far::<2>,
        Code::Retfd | Code::Retfd_imm16 => ret_far::<4>,
        Code::Loop_rel8_16_CX | Code::Loop_rel8_32_CX => loop_::<LOOP, 2>,
        Code::Loop_rel8_16_ECX | Code::Loop_rel8_32_ECX => loop_::<LOOP, 4>,
        Code::Loope_rel8_16_CX | Code::Loope_rel8_32_CX => loop_::<LOOPE, 2>,
        Code::Loope_rel8_16_ECX | Code::Loope_rel8_32_ECX => loop_::<LOOPE, 4>,
        Code::Loopne_rel8_16_CX | Code::Loopne_rel8_32_CX => loop_::<LOOPNE, 2>,
        Code::Loopne_rel8_16_ECX | Code::Loopne_rel8_32_ECX => loop_::<LOOPNE, 4>,
        Code::Jcxz_rel8_16 | Code::Jcxz_rel8_32 => jcxz::<2>,
        Code::Jecxz_rel8_16 | Code::Jecxz_rel8_32 => jcxz::<4>,
        _ => match insn.mnemonic() {
            Mnemonic::Jo
            | Mnemonic::Jno
            | Mnemonic::Jb
            | Mnemonic::Jae
            | Mnemonic::Je
            | Mnemonic::Jne
            | Mnemonic::Jbe
            | Mnemonic::Ja
            | Mnemonic::Js
            | Mnemonic::Jns
            | Mnemonic::Jp
            | Mnemonic::Jnp
            | Mnemonic::Jl
            | Mnemonic::Jge
            | Mnemonic::Jle
            | Mnemonic::Jg => jcc_for(insn),
            _ => return None,
        },
    })
}

/// Mask of a relative branch target: the operand size of the branch
/// (EIP is truncated to 16 bits by a 16-bit branch).
#[inline]
fn target_mask(d: &DecodedInsn) -> u64 {
    if d.insn.op0_kind() == OpKind::NearBranch16 {
        0xFFFF
    } else {
        0xFFFF_FFFF
    }
}

/// Relative branch target of `d` (rip already points past it).
#[inline]
fn rel_target(cpu: &Cpu, d: &DecodedInsn) -> u64 {
    cpu.state.rip.wrapping_add(d.rel()) & target_mask(d)
}

fn jmp_rel(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    cpu.jump_near(rel_target(cpu, d))
}

/// Jcc with its condition and target width chosen at decode time.
fn jcc_for(insn: &Instruction) -> Handler {
    use ConditionCode as C;
    let wide = insn.op0_kind() != OpKind::NearBranch16;
    macro_rules! pick {
        ($($cc:ident),*) => {
            match (insn.condition_code(), wide) {
                $(
                    (C::$cc, false) => jcc::<{ C::$cc as u8 }, false> as Handler,
                    (C::$cc, true) => jcc::<{ C::$cc as u8 }, true>,
                )*
                _ => jcc_generic,
            }
        };
    }
    pick!(o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g)
}

fn jcc_generic(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    if condition(&cpu.state.flags, d.insn.condition_code()) {
        cpu.jump_near(rel_target(cpu, d))?;
    }
    Ok(())
}

/// Jcc rel8/rel16/rel32: condition `CC` (an iced-x86 `ConditionCode`),
/// target masked to 32 bits (`WIDE`) or 16. The displacement was resolved
/// at decode time ([`DecodedInsn::imm`]).
fn jcc<const CC: u8, const WIDE: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    use ConditionCode as C;
    let f = &cpu.state.flags;
    let taken = match CC {
        x if x == C::o as u8 => f.of(),
        x if x == C::no as u8 => !f.of(),
        x if x == C::b as u8 => f.cf(),
        x if x == C::ae as u8 => !f.cf(),
        x if x == C::e as u8 => f.zf(),
        x if x == C::ne as u8 => !f.zf(),
        x if x == C::be as u8 => f.cf() || f.zf(),
        x if x == C::a as u8 => !f.cf() && !f.zf(),
        x if x == C::s as u8 => f.sf(),
        x if x == C::ns as u8 => !f.sf(),
        x if x == C::p as u8 => f.pf(),
        x if x == C::np as u8 => !f.pf(),
        x if x == C::l as u8 => f.sf() != f.of(),
        x if x == C::ge as u8 => f.sf() == f.of(),
        x if x == C::le as u8 => f.zf() || f.sf() != f.of(),
        _ => !f.zf() && f.sf() == f.of(),
    };
    if taken {
        let m = if WIDE { 0xFFFF_FFFF } else { 0xFFFF };
        cpu.jump_near(cpu.state.rip.wrapping_add(d.imm) & m)?;
    }
    Ok(())
}

fn jmp_near_indirect<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let ip = cpu.read_op(d, 0, OS)? & size_mask(OS);
    cpu.jump_near(ip)
}

/// Far pointer operand `ptr16:16` / `ptr16:32` encoded in the instruction.
#[inline]
fn far_ptr(d: &DecodedInsn) -> (u16, u64) {
    let ip = if d.insn.op0_kind() == OpKind::FarBranch16 {
        u64::from(d.insn.far_branch16())
    } else {
        u64::from(d.insn.far_branch32())
    };
    (d.insn.far_branch_selector(), ip)
}

/// Far pointer `m16:16` / `m16:32` in memory: offset first, then selector.
#[inline]
fn far_mem<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult<(u16, u64)> {
    let seg = cpu.mem_seg(d);
    let off = cpu.ea(d);
    let ip = cpu.read_mem(seg, off, OS)?;
    let sel = cpu.read_mem(seg, off.wrapping_add(u64::from(OS)) & d.amask(), 2)? as u16;
    Ok((sel, ip))
}

fn jmp_far_ptr(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let (sel, ip) = far_ptr(d);
    cpu.jump_far(sel, ip)
}

fn jmp_far_mem<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let (sel, ip) = far_mem::<OS>(cpu, d)?;
    cpu.jump_far(sel, ip)
}

fn call_rel<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let target = rel_target(cpu, d);
    cpu.call_near(target, OS)
}

fn call_near_indirect<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let target = cpu.read_op(d, 0, OS)? & size_mask(OS);
    cpu.call_near(target, OS)
}

fn call_far_ptr<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let (sel, ip) = far_ptr(d);
    cpu.call_far(sel, ip, OS)
}

fn call_far_mem<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let (sel, ip) = far_mem::<OS>(cpu, d)?;
    cpu.call_far(sel, ip, OS)
}

/// Bytes RET imm16 releases besides the return address.
#[inline]
fn ret_imm(d: &DecodedInsn) -> u64 {
    if d.insn.op_count() > 0 {
        u64::from(d.insn.immediate16())
    } else {
        0
    }
}

fn ret_near<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let ip = cpu.peek(0, OS)?;
    cpu.jump_near(ip)?;
    cpu.release_stack(u64::from(OS) + ret_imm(d));
    Ok(())
}

fn ret_far<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    if cpu.state.protected() && !cpu.state.v86() {
        return cpu.ret_far_pm(OS, ret_imm(d));
    }
    let ip = cpu.peek(0, OS)?;
    let sel = cpu.peek(u64::from(OS), OS)? as u16;
    cpu.far_target(ip)?;
    cpu.far_commit(sel, ip)?;
    cpu.release_stack(2 * u64::from(OS) + ret_imm(d));
    Ok(())
}

/// The flags below bit 16 that a real-mode or same-privilege IRET/POPF
/// may load: CF PF AF ZF SF TF IF DF OF IOPL NT.
pub const FLAGS_LOW: u32 = 0x7FD5;

/// LOOP/LOOPE/LOOPNE with the count in CX (`A` = 2) or ECX (`A` = 4), as
/// the address size selects. The count is written only when the branch
/// (if taken) did not fault.
fn loop_<const KIND: u8, const A: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let count = cpu.state.gpr(gpr::RCX, A).wrapping_sub(1) & size_mask(A);
    let taken = count != 0
        && match KIND {
            LOOPE => cpu.state.flags.zf(),
            LOOPNE => !cpu.state.flags.zf(),
            _ => true,
        };
    if taken {
        cpu.jump_near(rel_target(cpu, d))?;
    }
    cpu.state.set_gpr(gpr::RCX, A, count);
    Ok(())
}

/// JCXZ (`A` = 2) / JECXZ (`A` = 4).
fn jcxz<const A: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    if cpu.state.gpr(gpr::RCX, A) == 0 {
        cpu.jump_near(rel_target(cpu, d))?;
    }
    Ok(())
}

impl Cpu {
    /// Check that `ip` lies within the CS limit (286 and later; the 8086
    /// has no limits). Changes nothing.
    #[inline]
    pub fn check_ip(&self, ip: u64) -> ExResult {
        if self.model.checks_real_limits()
            && ip > u64::from(self.state.seg[SegReg::Cs as usize].limit)
        {
            return Err(Exception::GeneralProtection(0));
        }
        Ok(())
    }

    /// Near jump to `ip` within CS; a target beyond the CS limit is #GP(0)
    /// on the 286 and later.
    #[inline]
    pub fn jump_near(&mut self, ip: u64) -> ExResult {
        self.check_ip(ip)?;
        self.state.rip = ip;
        Ok(())
    }

    /// Add `n` to SP/ESP (wrapping within the stack-pointer width).
    #[inline]
    pub fn release_stack(&mut self, n: u64) {
        let m = self.sp_mask();
        let rsp = self.state.regs[gpr::RSP];
        self.state.regs[gpr::RSP] = (rsp & !m) | (rsp.wrapping_add(n) & m);
    }

    /// Near call: check the target, push the return address (`size`
    /// bytes), jump.
    pub fn call_near(&mut self, target: u64, size: u32) -> ExResult {
        self.check_ip(target)?;
        self.push(self.state.rip, size)?;
        self.state.rip = target;
        Ok(())
    }

    /// Far jump to `sel:ip`.
    pub fn jump_far(&mut self, sel: u16, ip: u64) -> ExResult {
        if self.state.protected() && !self.state.v86() {
            return self.far_jmp_call_pm(sel, ip, None);
        }
        self.far_target(ip)?;
        self.far_commit(sel, ip)
    }

    /// Far call: validate the target, push CS and IP (`size` bytes each),
    /// load CS:IP. A fault at any step restores SP, so nothing changes.
    pub fn call_far(&mut self, sel: u16, ip: u64, size: u32) -> ExResult {
        if self.state.protected() && !self.state.v86() {
            return self.far_jmp_call_pm(sel, ip, Some(size));
        }
        self.far_target(ip)?;
        let old_sp = self.state.regs[gpr::RSP];
        let cs = u64::from(self.state.seg[SegReg::Cs as usize].selector);
        let r = self
            .push(cs, size)
            .and_then(|()| self.push(self.state.rip, size))
            .and_then(|()| self.far_commit(sel, ip));
        if r.is_err() {
            self.state.regs[gpr::RSP] = old_sp;
        }
        r
    }

    /// Check the IP of a far transfer in real or virtual-8086 mode against
    /// the limit CS will have: real mode keeps the cached CS limit on a
    /// load, V86 mode sets 64 KiB (#GP(0) beyond it; the 8086 has no
    /// limits). Changes nothing.
    pub(super) fn far_target(&self, ip: u64) -> ExResult {
        let limit = if self.state.v86() {
            0xFFFF
        } else {
            self.state.seg[SegReg::Cs as usize].limit
        };
        if self.model.checks_real_limits() && ip > u64::from(limit) {
            return Err(Exception::GeneralProtection(0));
        }
        Ok(())
    }

    /// Load CS:IP in real or virtual-8086 mode after [`Cpu::far_target`]
    /// accepted the IP.
    pub(super) fn far_commit(&mut self, sel: u16, ip: u64) -> ExResult {
        self.load_seg(SegReg::Cs, sel)?;
        self.state.rip = ip;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::cpu::exception::{ExResult, Exception};
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::flags::{ARITH, CF, ZF};
    use crate::cpu::state::attr;
    use crate::cpu::{Cpu, CpuModel, SegReg};

    /// Decode and run the handler at CS:IP without delivering a fault, so a
    /// test sees the `Err` and the state the handler left.
    fn run_handler(cpu: &mut Cpu) -> ExResult {
        let d = cpu.decode_at(cpu.linear_ip())?;
        cpu.state.rip = cpu.state.rip.wrapping_add(u64::from(d.len)) & cpu.ip_mask();
        (d.handler)(cpu, &d)
    }

    /// Step until the CPU halts (HLT), at most `max` instructions.
    fn run_to_halt(cpu: &mut Cpu, max: u64) -> u64 {
        let start = cpu.icount;
        while !cpu.state.halted && cpu.icount - start < max {
            step(cpu);
        }
        assert!(cpu.state.halted, "did not halt in {max} instructions");
        cpu.icount - start
    }

    fn cs(cpu: &Cpu) -> u16 {
        cpu.state.seg[SegReg::Cs as usize].selector
    }

    #[test]
    fn jumps() {
        // jmp short +2 ; (skipped 2 bytes) ; jz -4
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xEB, 0x02, 0x90, 0x90, 0x74, 0xFA]);
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0x104);
        cpu.state.flags.set(ZF, true);
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0x100);
        // rel16 in 16-bit code wraps within 64 KiB: jmp near -0x200 from 0x103.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xE9, 0x00, 0xFE]);
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0xFF03);
    }

    /// Memory preset before (or checked after) a transfer: (address, size, value).
    type Mem = &'static [(u32, u32, u64)];
    /// (name, code, BX, SP, memory preset, IP out, CS out, SP out, stack check)
    type Xfer = (
        &'static str,
        &'static [u8],
        u64,
        u64,
        Mem,
        u64,
        u16,
        u64,
        Mem,
    );
    /// (name, code, memory preset, EIP out, CS out, ESP out, stack check)
    type Xfer32 = (&'static str, &'static [u8], Mem, u64, u16, u64, Mem);
    /// (name, code, ECX, ZF, branch taken, ECX out)
    type LoopCase = (&'static str, &'static [u8], u64, bool, bool, u64);

    #[test]
    fn transfers_in_all_operand_sizes() {
        // (name, code, BX, SP, memory preset, IP out, CS out, SP out, stack check)
        #[rustfmt::skip]
        let cases: [Xfer; 20] = [
            ("jmp bx", &[0xFF, 0xE3], 0x1234, 0xFFFE, &[], 0x1234, 0, 0xFFFE, &[]),
            ("jmp [bx]", &[0xFF, 0x27], 0x2000, 0xFFFE, &[(0x2000, 2, 0x4321)], 0x4321, 0, 0xFFFE, &[]),
            ("66 jmp dword [bx]", &[0x66, 0xFF, 0x27], 0x2000, 0xFFFE,
                &[(0x2000, 4, 0x8765)], 0x8765, 0, 0xFFFE, &[]),
            ("67 jmp [ebx]", &[0x67, 0xFF, 0x23], 0x3000, 0xFFFE,
                &[(0x3000, 2, 0x0555)], 0x0555, 0, 0xFFFE, &[]),
            ("jmp far 1234:5678", &[0xEA, 0x78, 0x56, 0x34, 0x12], 0, 0xFFFE, &[],
                0x5678, 0x1234, 0xFFFE, &[]),
            ("66 jmp far ptr16:32", &[0x66, 0xEA, 0x78, 0x56, 0x00, 0x00, 0x34, 0x12], 0, 0xFFFE, &[],
                0x5678, 0x1234, 0xFFFE, &[]),
            ("jmp far [bx]", &[0xFF, 0x2F], 0x2000, 0xFFFE, &[(0x2000, 2, 0x0010), (0x2002, 2, 0x0800)],
                0x0010, 0x0800, 0xFFFE, &[]),
            ("66 jmp far [bx] (m16:32)", &[0x66, 0xFF, 0x2F], 0x2000, 0xFFFE,
                &[(0x2000, 4, 0x0020), (0x2004, 2, 0x0900)], 0x0020, 0x0900, 0xFFFE, &[]),
            ("call rel16", &[0xE8, 0x10, 0x00], 0, 0x1000, &[], 0x113, 0, 0x0FFE, &[(0x0FFE, 2, 0x103)]),
            ("66 call rel32", &[0x66, 0xE8, 0x10, 0x00, 0x00, 0x00], 0, 0x1000, &[],
                0x116, 0, 0x0FFC, &[(0x0FFC, 4, 0x106)]),
            ("call bx", &[0xFF, 0xD3], 0x0400, 0x1000, &[], 0x400, 0, 0x0FFE, &[(0x0FFE, 2, 0x102)]),
            ("66 call ebx", &[0x66, 0xFF, 0xD3], 0x0400, 0x1000, &[], 0x400, 0, 0x0FFC, &[(0x0FFC, 4, 0x103)]),
            ("call far 2000:0030", &[0x9A, 0x30, 0x00, 0x00, 0x20], 0, 0x1000, &[],
                0x30, 0x2000, 0x0FFC, &[(0x0FFE, 2, 0), (0x0FFC, 2, 0x105)]),
            ("66 call far [bx] (m16:32)", &[0x66, 0xFF, 0x1F], 0x2000, 0x1000,
                &[(0x2000, 4, 0x40), (0x2004, 2, 0x3000)],
                0x40, 0x3000, 0x0FF8, &[(0x0FFC, 4, 0), (0x0FF8, 4, 0x103)]),
            ("ret", &[0xC3], 0, 0x0FFE, &[(0x0FFE, 2, 0x0222)], 0x222, 0, 0x1000, &[]),
            ("ret 4", &[0xC2, 0x04, 0x00], 0, 0x0FFE, &[(0x0FFE, 2, 0x0222)], 0x222, 0, 0x1004, &[]),
            ("66 ret", &[0x66, 0xC3], 0, 0x0FFC, &[(0x0FFC, 4, 0x0333)], 0x333, 0, 0x1000, &[]),
            ("retf 2", &[0xCA, 0x02, 0x00], 0, 0x0FFC, &[(0x0FFC, 2, 0x0044), (0x0FFE, 2, 0x5000)],
                0x44, 0x5000, 0x1002, &[]),
            ("66 retf", &[0x66, 0xCB], 0, 0x0FF8, &[(0x0FF8, 4, 0x0055), (0x0FFC, 4, 0x6000)],
                0x55, 0x6000, 0x1000, &[]),
            ("ret wraps SP within 64 KiB", &[0xC3], 0, 0xFFFE, &[(0xFFFE, 2, 0x0123)], 0x123, 0, 0, &[]),
        ];
        for (name, code, bx, sp, mem, ip, cs_out, sp_out, stack) in cases {
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            cpu.state.regs[3] = bx;
            cpu.state.regs[4] = sp;
            for &(a, s, v) in mem {
                cpu.mem.write(a, s, v);
            }
            // Slots the transfer must write start out non-zero.
            for &(a, s, _) in stack {
                cpu.mem.write(a, s, 0xDDDD_DDDD);
            }
            step(&mut cpu);
            assert_eq!(cpu.state.rip, ip, "{name}: ip");
            assert_eq!(cs(&cpu), cs_out, "{name}: cs");
            assert_eq!(cpu.state.regs[4], sp_out, "{name}: sp");
            for &(a, s, v) in stack {
                assert_eq!(cpu.mem.read(a, s), v, "{name}: stack at {a:#x}");
            }
        }
    }

    #[test]
    fn sixteen_bit_forms_in_32bit_code() {
        // 32-bit code and stack at EIP 0x100, ESP 0x2_0000. (name, code,
        // memory preset, EIP out, CS out, ESP out, stack check)
        #[rustfmt::skip]
        let cases: [Xfer32; 8] = [
            ("call rel32", &[0xE8, 0x00, 0x01, 0x00, 0x00], &[], 0x205, 0, 0x1_FFFC, &[(0x1_FFFC, 4, 0x105)]),
            ("66 call rel16: EIP truncated to 16 bits", &[0x66, 0xE8, 0x00, 0xFE], &[],
                0xFF04, 0, 0x1_FFFE, &[(0x1_FFFE, 2, 0x104)]),
            ("ret", &[0xC3], &[(0x2_0000, 4, 0x1_2345)], 0x1_2345, 0, 0x2_0004, &[]),
            ("66 ret", &[0x66, 0xC3], &[(0x2_0000, 4, 0x1_2345)], 0x2345, 0, 0x2_0002, &[]),
            ("66 retf 8", &[0x66, 0xCA, 0x08, 0x00], &[(0x2_0000, 2, 0x10), (0x2_0002, 2, 0x40)],
                0x10, 0x40, 0x2_000C, &[]),
            ("66 jmp far ptr16:16", &[0x66, 0xEA, 0x34, 0x12, 0x50, 0x00], &[], 0x1234, 0x50, 0x2_0000, &[]),
            ("66 call far ptr16:16", &[0x66, 0x9A, 0x34, 0x12, 0x50, 0x00], &[],
                0x1234, 0x50, 0x1_FFFC, &[(0x1_FFFE, 2, 0), (0x1_FFFC, 2, 0x106)]),
            ("66 iret", &[0x66, 0xCF], &[(0x2_0000, 2, 0x10), (0x2_0002, 2, 0x40), (0x2_0004, 2, 0x0001)],
                0x10, 0x40, 0x2_0006, &[]),
        ];
        for (name, code, mem, ip, cs_out, esp, stack) in cases {
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            cpu.state.seg[SegReg::Cs as usize].attr |= attr::DB;
            cpu.state.seg[SegReg::Cs as usize].limit = 0xF_FFFF;
            cpu.state.seg[SegReg::Ss as usize].attr |= attr::DB;
            cpu.state.seg[SegReg::Ss as usize].limit = 0xF_FFFF;
            cpu.state.regs[4] = 0x2_0000;
            for &(a, s, v) in mem {
                cpu.mem.write(a, s, v);
            }
            step(&mut cpu);
            assert_eq!((cpu.state.rip, cs(&cpu)), (ip, cs_out), "{name}: cs:ip");
            assert_eq!(cpu.state.regs[4], esp, "{name}: esp");
            for &(a, s, v) in stack {
                assert_eq!(cpu.mem.read(a, s), v, "{name}: stack at {a:#x}");
            }
        }
    }

    #[test]
    fn call_ret_near_and_far_nesting() {
        // 0100: call 0200         E8 FD 00
        // 0103: hlt               F4
        // 0200: call far 0030:0010 9A 10 00 30 00  (-> linear 0x310)
        // 0205: ret               C3
        // 0310: call 0320         E8 0D 00
        // 0313: retf              CB
        // 0320: inc bx ; ret      43 C3
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xE8, 0xFD, 0x00, 0xF4]);
        cpu.mem
            .write_bytes(0x200, &[0x9A, 0x10, 0x00, 0x30, 0x00, 0xC3]);
        cpu.mem.write_bytes(0x310, &[0xE8, 0x0D, 0x00, 0xCB]);
        cpu.mem.write_bytes(0x320, &[0x43, 0xC3]);
        let n = run_to_halt(&mut cpu, 100);
        assert_eq!(n, 8);
        assert_eq!(cpu.state.regs[3], 1);
        assert_eq!(cpu.state.regs[4], 0xFFFE);
        assert_eq!(cs(&cpu), 0);
        assert_eq!(cpu.state.rip, 0x104);
    }

    #[test]
    fn loops() {
        // (name, code, ECX, ZF, branch taken, ECX out)
        #[rustfmt::skip]
        let cases: [LoopCase; 11] = [
            ("loop cx=2", &[0xE2, 0x10], 2, false, true, 1),
            ("loop cx=1", &[0xE2, 0x10], 1, false, false, 0),
            ("loop uses CX only", &[0xE2, 0x10], 0x1_0001, false, false, 0x1_0000),
            ("67 loop uses ECX", &[0x67, 0xE2, 0x10], 0x1_0001, false, true, 0x1_0000),
            ("loope zf=1", &[0xE1, 0x10], 5, true, true, 4),
            ("loope zf=0", &[0xE1, 0x10], 5, false, false, 4),
            ("loopne zf=0", &[0xE0, 0x10], 5, false, true, 4),
            ("loopne zf=1", &[0xE0, 0x10], 5, true, false, 4),
            ("jcxz cx=0 (ecx upper set)", &[0xE3, 0x10], 0x1_0000, false, true, 0x1_0000),
            ("67 jecxz ecx=0x10000", &[0x67, 0xE3, 0x10], 0x1_0000, false, false, 0x1_0000),
            ("67 jecxz ecx=0", &[0x67, 0xE3, 0x10], 0, false, true, 0),
        ];
        for (name, code, ecx, zf, taken, ecx_out) in cases {
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            cpu.state.regs[1] = ecx;
            cpu.state.flags.set(ZF, zf);
            step(&mut cpu);
            let next = 0x100 + code.len() as u64;
            let want = if taken { next + 0x10 } else { next };
            assert_eq!(cpu.state.rip, want, "{name}: ip");
            assert_eq!(cpu.state.regs[1], ecx_out, "{name}: ecx");
        }
    }

    #[test]
    fn jcxz_in_32bit_code_with_67_tests_cx() {
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x67, 0xE3, 0x10]);
        cpu.state.seg[SegReg::Cs as usize].attr |= crate::cpu::state::attr::DB;
        cpu.state.regs[1] = 0xFFFF_0000;
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0x113);
    }

    #[test]
    fn loop_with_cx_zero_runs_65536_times() {
        // l: inc ebx ; loop l ; hlt
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x66, 0x43, 0xE2, 0xFC, 0xF4]);
        cpu.state.regs[1] = 0;
        run_to_halt(&mut cpu, 200_000);
        assert_eq!(cpu.state.regs[3], 0x1_0000);
        assert_eq!(cpu.state.regs[1], 0);
    }

    #[test]
    fn faults_leave_no_partial_state() {
        // call far with SS limit 7FFF and SP=2: the CS push fits at 0000,
        // the IP push wraps to FFFE beyond the limit: #SS(0), nothing changes.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x9A, 0x30, 0x00, 0x00, 0x20]);
        cpu.state.seg[SegReg::Ss as usize].limit = 0x7FFF;
        cpu.state.regs[4] = 2;
        let before = cpu.state.clone();
        assert_eq!(run_handler(&mut cpu), Err(Exception::StackFault(0)));
        cpu.state.rip = before.rip;
        assert_eq!(cpu.state, before);
        // call near to a target beyond a shortened CS limit: #GP(0), SP kept.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xE8, 0x00, 0x10]);
        cpu.state.seg[SegReg::Cs as usize].limit = 0x0FFF;
        let before = cpu.state.clone();
        assert_eq!(run_handler(&mut cpu), Err(Exception::GeneralProtection(0)));
        cpu.state.rip = before.rip;
        assert_eq!(cpu.state, before);
        // loop whose target is beyond the limit: CX not decremented.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xE2, 0x7F]);
        cpu.state.seg[SegReg::Cs as usize].limit = 0x017F;
        cpu.state.regs[1] = 5;
        assert_eq!(run_handler(&mut cpu), Err(Exception::GeneralProtection(0)));
        assert_eq!(cpu.state.regs[1], 5);
        // ret to beyond the limit: SP not released.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xC3]);
        cpu.state.seg[SegReg::Cs as usize].limit = 0x0FFF;
        cpu.state.regs[4] = 0x2000;
        cpu.mem.write(0x2000, 2, 0x1000);
        assert_eq!(run_handler(&mut cpu), Err(Exception::GeneralProtection(0)));
        assert_eq!(cpu.state.regs[4], 0x2000);
        // The 8086 has no limits: the same ret succeeds.
        let mut cpu = cpu_with(CpuModel::I8086, &[0xC3]);
        cpu.state.seg[SegReg::Cs as usize].limit = 0x0FFF;
        cpu.state.regs[4] = 0x2000;
        cpu.mem.write(0x2000, 2, 0x1000);
        assert_eq!(run_handler(&mut cpu), Ok(()));
        assert_eq!(cpu.state.rip, 0x1000);
    }

    #[test]
    fn flags_untouched_by_transfers() {
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xE8, 0x00, 0x00]);
        cpu.state.flags.set_arith(CF | ZF);
        step(&mut cpu);
        assert_eq!(cpu.state.flags.eflags() & ARITH, CF | ZF);
    }
}
