//! MMX instructions and the MMX-register forms of the SSE/SSE2 integer
//! instructions (SDM Vol. 1 ch. 9, §9.5–9.6 x87 interaction; Vol. 2
//! instruction pages; §10.4.4 / §11.6 for PSHUFW, PINSRW, PEXTRW, PMOVMSKB,
//! PAVG*, PMIN/PMAX*, PSADBW, PMULHUW, MOVNTQ, MASKMOVQ, PADDQ/PSUBQ/
//! PMULUDQ mm, MOVQ2DQ, MOVDQ2Q).
//!
//! MM0–MM7 alias the low 64 bits (significand) of the physical x87
//! registers R0–R7 (not ST(i)). Every MMX instruction except EMMS sets
//! TOP = 0 and all tags to valid (00); a write to MMi also sets the sign
//! and exponent bits of Ri to all ones (§9.5.1). EMMS sets all tags empty.
//! These x87 side effects happen only when the instruction completes (a
//! memory fault leaves the x87 state unchanged).
//!
//! Checks (§9.5.3, Vol. 3A): CR0.EM → #UD, CR0.TS → #NM, then a pending
//! unmasked x87 exception → #MF with CR0.NE (FERR# otherwise, as the x87
//! family does). MOVQ2DQ/MOVDQ2Q also need CR4.OSFXSR (#UD). Memory
//! operands have no alignment rule. The lane arithmetic is shared with the
//! XMM forms (`sse_int`, `sse_int2`) at width 8.

use super::simd_common::{check_mmx, check_sse, is_mm, mem_loc, src128, uses_mm, xmm_of};
use super::sse_int::{self, compute, op::*};
use super::sse_int2::{msb_mask, pack, pack_of, pk::*, pshufw, sh::*, shift, shift_of};
use super::x87::check_pending;
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::fpu_state::Reg80;
use crate::cpu::state::SegReg;
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic, OpKind, Register};

/// Handler for the MMX forms (instructions with an MMX register operand)
/// and EMMS.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    let m = insn.mnemonic();
    if m == Mnemonic::Emms {
        return Some(emms);
    }
    if !uses_mm(insn) {
        return None;
    }
    if let Some(o) = sse_int::op_of(m) {
        macro_rules! table {
            ($($k:ident),*) => {
                match o {
                    $($k => mmx_binop::<$k> as Handler,)*
                    _ => return None,
                }
            };
        }
        return Some(table!(
            PADDB, PADDW, PADDD, PADDQ, PSUBB, PSUBW, PSUBD, PSUBQ, PADDSB, PADDSW, PADDUSB,
            PADDUSW, PSUBSB, PSUBSW, PSUBUSB, PSUBUSW, PMULLW, PMULHW, PMULHUW, PMULUDQ, PMADDWD,
            PAVGB, PAVGW, PMINUB, PMAXUB, PMINSW, PMAXSW, PSADBW, PCMPEQB, PCMPEQW, PCMPEQD,
            PCMPGTB, PCMPGTW, PCMPGTD, PAND, PANDN, POR, PXOR
        ));
    }
    if let Some(o) = shift_of(m) {
        return Some(match o {
            PSLLW => mmx_shift::<PSLLW>,
            PSLLD => mmx_shift::<PSLLD>,
            PSLLQ => mmx_shift::<PSLLQ>,
            PSRLW => mmx_shift::<PSRLW>,
            PSRLD => mmx_shift::<PSRLD>,
            PSRLQ => mmx_shift::<PSRLQ>,
            PSRAW => mmx_shift::<PSRAW>,
            _ => mmx_shift::<PSRAD>,
        });
    }
    if let Some(o) = pack_of(m) {
        return Some(match o {
            PACKSSWB => mmx_pack::<PACKSSWB>,
            PACKSSDW => mmx_pack::<PACKSSDW>,
            PACKUSWB => mmx_pack::<PACKUSWB>,
            PUNPCKLBW => mmx_pack::<PUNPCKLBW>,
            PUNPCKLWD => mmx_pack::<PUNPCKLWD>,
            PUNPCKLDQ => mmx_pack::<PUNPCKLDQ>,
            PUNPCKHBW => mmx_pack::<PUNPCKHBW>,
            PUNPCKHWD => mmx_pack::<PUNPCKHWD>,
            PUNPCKHDQ => mmx_pack::<PUNPCKHDQ>,
            // PUNPCKLQDQ/PUNPCKHQDQ and UNPCK*PS/PD have no MMX form.
            _ => return None,
        });
    }
    let to_mm = insn.op0_kind() == OpKind::Register && is_mm(insn.op0_register());
    Some(match m {
        Mnemonic::Pshufw => pshufw_h,
        Mnemonic::Pinsrw => pinsrw,
        Mnemonic::Pextrw => pextrw,
        Mnemonic::Pmovmskb => pmovmskb,
        Mnemonic::Movd | Mnemonic::Movq if to_mm => mov_to_mm,
        Mnemonic::Movd => movd_from_mm,
        Mnemonic::Movq | Mnemonic::Movntq => movq_from_mm,
        Mnemonic::Movq2dq => movq2dq,
        Mnemonic::Movdq2q => movdq2q,
        Mnemonic::Maskmovq => maskmovq,
        _ => return None,
    })
}

/// #UD/#NM checks, then the pending x87 exception check (#MF with CR0.NE,
/// else FERR#).
fn prologue(cpu: &mut Cpu) -> ExResult {
    check_mmx(cpu)?;
    check_pending(cpu)
}

/// The x87 side effect of a completed MMX instruction: TOP = 0, all tags
/// valid.
#[inline]
fn enter(cpu: &mut Cpu) {
    cpu.state.fpu.top = 0;
    cpu.state.fpu.tag = 0;
}

/// MMi.
#[inline]
pub fn mm_get(cpu: &Cpu, i: usize) -> u64 {
    cpu.state.fpu.regs[i & 7].sig
}

/// Write MMi (exponent and sign set to all ones) and complete the
/// instruction ([`enter`]).
#[inline]
pub fn mm_set(cpu: &mut Cpu, i: usize, v: u64) {
    cpu.state.fpu.regs[i & 7] = Reg80 { sig: v, se: 0xFFFF };
    enter(cpu);
}

/// MMX register number of operand `n`.
#[inline]
fn mm_of(d: &DecodedInsn, n: u32) -> usize {
    (d.insn.op_register(n) as usize).wrapping_sub(Register::MM0 as usize) & 7
}

/// Source operand `n`: MM register, general register or memory (its size).
#[inline]
fn src(cpu: &mut Cpu, d: &DecodedInsn, n: u32) -> ExResult<u64> {
    Ok(src128(cpu, d, n, false, mm_get)? as u64)
}

fn mmx_binop<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    prologue(cpu)?;
    let b = src(cpu, d, 1)?;
    let i = mm_of(d, 0);
    let r = compute::<OP>(u128::from(mm_get(cpu, i)), u128::from(b), 8);
    mm_set(cpu, i, r as u64);
    Ok(())
}

fn mmx_shift<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    prologue(cpu)?;
    let count = if d.insn.op1_kind() == OpKind::Immediate8 {
        u64::from(d.insn.immediate8())
    } else {
        src(cpu, d, 1)?
    };
    let i = mm_of(d, 0);
    let r = shift(OP, u128::from(mm_get(cpu, i)), count, 8);
    mm_set(cpu, i, r as u64);
    Ok(())
}

fn mmx_pack<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    prologue(cpu)?;
    // PUNPCKL* read m32 (the low half): `src` reads the memory size.
    let b = src(cpu, d, 1)?;
    let i = mm_of(d, 0);
    let r = pack(OP, u128::from(mm_get(cpu, i)), u128::from(b), 8);
    mm_set(cpu, i, r as u64);
    Ok(())
}

/// PSHUFW mm1, mm2/m64, imm8.
fn pshufw_h(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    prologue(cpu)?;
    let b = src(cpu, d, 1)?;
    mm_set(cpu, mm_of(d, 0), pshufw(b, d.insn.immediate8()));
    Ok(())
}

/// PINSRW mm, r32/m16, imm8: word `imm & 3`.
fn pinsrw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    prologue(cpu)?;
    let v = src(cpu, d, 1)? & 0xFFFF;
    let i = mm_of(d, 0);
    let sh = 16 * u32::from(d.insn.immediate8() & 3);
    let r = (mm_get(cpu, i) & !(0xFFFF << sh)) | (v << sh);
    mm_set(cpu, i, r);
    Ok(())
}

/// PEXTRW r32, mm, imm8: word `imm & 3`, zero-extended.
fn pextrw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    prologue(cpu)?;
    let v = (mm_get(cpu, mm_of(d, 1)) >> (16 * u32::from(d.insn.immediate8() & 3))) & 0xFFFF;
    cpu.state.set_reg(d.insn.op0_register(), v);
    enter(cpu);
    Ok(())
}

/// PMOVMSKB r32, mm.
fn pmovmskb(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    prologue(cpu)?;
    let v = msb_mask(u128::from(mm_get(cpu, mm_of(d, 1))), 8, 8);
    cpu.state.set_reg(d.insn.op0_register(), v);
    enter(cpu);
    Ok(())
}

/// MOVD mm, r/m32 (zero-extended) and MOVQ mm, mm/m64.
fn mov_to_mm(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    prologue(cpu)?;
    let mut v = src(cpu, d, 1)?;
    if d.insn.mnemonic() == Mnemonic::Movd {
        v &= 0xFFFF_FFFF;
    }
    mm_set(cpu, mm_of(d, 0), v);
    Ok(())
}

/// MOVD r/m32, mm.
fn movd_from_mm(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    prologue(cpu)?;
    let v = mm_get(cpu, mm_of(d, 1)) & 0xFFFF_FFFF;
    cpu.write_op(d, 0, 4, v)?;
    enter(cpu);
    Ok(())
}

/// MOVQ m64, mm (0F 7F; the register form is [`mov_to_mm`]) and MOVNTQ.
fn movq_from_mm(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    prologue(cpu)?;
    let v = mm_get(cpu, mm_of(d, 1));
    let (seg, off) = mem_loc(cpu, d);
    cpu.write_mem(seg, off, 8, v)?;
    enter(cpu);
    Ok(())
}

/// MOVQ2DQ xmm, mm: zero-extended.
fn movq2dq(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    check_pending(cpu)?;
    cpu.state.xmm[xmm_of(d, 0)] = u128::from(mm_get(cpu, mm_of(d, 1)));
    enter(cpu);
    Ok(())
}

/// MOVDQ2Q mm, xmm: the low qword.
fn movdq2q(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    check_pending(cpu)?;
    let v = cpu.state.xmm[xmm_of(d, 1)] as u64;
    mm_set(cpu, mm_of(d, 0), v);
    Ok(())
}

/// MASKMOVQ mm1, mm2: bytes of mm1 whose mask byte in mm2 has bit 7 set go
/// to DS:[(E)DI] (override allowed); as MASKMOVDQU, selected bytes are all
/// checked before any is written.
fn maskmovq(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    prologue(cpu)?;
    let data = mm_get(cpu, mm_of(d, 1)).to_le_bytes();
    let mask = mm_get(cpu, mm_of(d, 2)).to_le_bytes();
    let seg = SegReg::from_iced(d.insn.memory_segment()).unwrap_or(SegReg::Ds);
    let amask = if d.insn.op0_kind() == OpKind::MemorySegDI {
        0xFFFF
    } else {
        0xFFFF_FFFF
    };
    let base = cpu.state.regs[crate::cpu::state::gpr::RDI] & amask;
    let selected = || (0u64..).zip(mask).filter(|(_, m)| m & 0x80 != 0);
    for (k, _) in selected() {
        cpu.check_write(seg, base + k, 1)?;
    }
    for (k, _) in selected() {
        cpu.write_mem(seg, base + k, 1, u64::from(data[k as usize]))?;
    }
    enter(cpu);
    Ok(())
}

/// EMMS: all x87 tags empty.
fn emms(cpu: &mut Cpu, _: &DecodedInsn) -> ExResult {
    prologue(cpu)?;
    cpu.state.fpu.tag = 0xFFFF;
    Ok(())
}

#[cfg(test)]
#[path = "mmx_tests.rs"]
mod tests;
