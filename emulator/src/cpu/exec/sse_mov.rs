//! SSE/SSE2 data movement on XMM registers (SDM Vol. 1 §10.4.1, §11.4.1;
//! Vol. 2 pages of MOVAPS, MOVUPS, MOVAPD, MOVUPD, MOVDQA, MOVDQU, MOVSS,
//! MOVSD (xmm), MOVLPS, MOVHPS, MOVLPD, MOVHPD, MOVLHPS, MOVHLPS, MOVD,
//! MOVQ, MOVNTPS, MOVNTPD, MOVNTDQ, MOVNTI, MASKMOVDQU).
//!
//! Aligned forms (MOVAPS/MOVAPD/MOVDQA, MOVNTPS/MOVNTPD/MOVNTDQ) raise
//! #GP(0) on a misaligned m128; non-temporal hints are ignored (ox86 has no
//! caches). The MMX-register forms of MOVD/MOVQ, MOVQ2DQ, MOVDQ2Q, MOVNTQ
//! and MASKMOVQ belong to the MMX family.

use super::simd_common::{
    check_sse, is_xmm, mem_loc, no_mm, src128, uses_mm, uses_xmm, write_m128, xmm_of,
};
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::state::SegReg;
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic, OpKind};

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    if uses_mm(insn) {
        return None;
    }
    let to_reg = insn.op0_kind() == OpKind::Register;
    Some(match insn.mnemonic() {
        Mnemonic::Movaps | Mnemonic::Movapd | Mnemonic::Movdqa => mov128::<true>,
        Mnemonic::Movups | Mnemonic::Movupd | Mnemonic::Movdqu => mov128::<false>,
        Mnemonic::Movntps | Mnemonic::Movntpd | Mnemonic::Movntdq => mov128::<true>,
        Mnemonic::Movss => mov_scalar::<4>,
        // MOVSD is also the string instruction: only the XMM form here.
        Mnemonic::Movsd if uses_xmm(insn) => mov_scalar::<8>,
        Mnemonic::Movlps | Mnemonic::Movlpd => mov_half::<false>,
        Mnemonic::Movhps | Mnemonic::Movhpd => mov_half::<true>,
        Mnemonic::Movlhps => movlhps,
        Mnemonic::Movhlps => movhlps,
        Mnemonic::Movd | Mnemonic::Movq if to_reg && is_xmm(insn.op0_register()) => movdq_to_xmm,
        Mnemonic::Movd => movd_from_xmm,
        Mnemonic::Movq => movq_from_xmm,
        Mnemonic::Movnti => movnti,
        Mnemonic::Maskmovdqu => maskmovdqu,
        _ => return None,
    })
}

/// MOVAPS/MOVUPS/MOVAPD/MOVUPD/MOVDQA/MOVDQU/MOVNT*: whole register to
/// register or memory (`ALIGN`: 16-byte alignment required).
fn mov128<const ALIGN: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    if d.insn.op0_kind() == OpKind::Register {
        let v = src128(cpu, d, 1, ALIGN, no_mm)?;
        cpu.state.xmm[xmm_of(d, 0)] = v;
        Ok(())
    } else {
        let v = cpu.state.xmm[xmm_of(d, 1)];
        write_m128(cpu, d, ALIGN, v)
    }
}

/// Mask of the low `bytes` bytes of a register.
#[inline(always)]
fn low_mask(bytes: u32) -> u128 {
    (1u128 << (8 * bytes)) - 1
}

/// MOVSS/MOVSD: register to register moves the low element and keeps the
/// rest; a load zeroes the rest; a store writes the low element.
fn mov_scalar<const N: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let m = low_mask(N);
    match (d.insn.op0_kind(), d.insn.op1_kind()) {
        (OpKind::Register, OpKind::Register) => {
            let v = cpu.state.xmm[xmm_of(d, 1)];
            let i = xmm_of(d, 0);
            cpu.state.xmm[i] = (cpu.state.xmm[i] & !m) | (v & m);
        }
        (OpKind::Register, _) => {
            let (seg, off) = mem_loc(cpu, d);
            let v = cpu.read_mem(seg, off, N)?;
            cpu.state.xmm[xmm_of(d, 0)] = u128::from(v);
        }
        _ => {
            let v = cpu.state.xmm[xmm_of(d, 1)] as u64;
            let (seg, off) = mem_loc(cpu, d);
            cpu.write_mem(seg, off, N, v)?;
        }
    }
    Ok(())
}

/// MOVLPS/MOVLPD/MOVHPS/MOVHPD: the low (`HIGH` = false) or high qword
/// from/to m64; the other qword of the register is kept.
fn mov_half<const HIGH: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let sh = if HIGH { 64 } else { 0 };
    let (seg, off) = mem_loc(cpu, d);
    if d.insn.op0_kind() == OpKind::Register {
        let v = cpu.read_mem(seg, off, 8)?;
        let i = xmm_of(d, 0);
        let keep = !(u128::from(u64::MAX) << sh);
        cpu.state.xmm[i] = (cpu.state.xmm[i] & keep) | (u128::from(v) << sh);
        Ok(())
    } else {
        let v = (cpu.state.xmm[xmm_of(d, 1)] >> sh) as u64;
        cpu.write_mem(seg, off, 8, v)
    }
}

/// MOVLHPS xmm1, xmm2: high qword of xmm1 = low qword of xmm2.
fn movlhps(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let s = cpu.state.xmm[xmm_of(d, 1)];
    let i = xmm_of(d, 0);
    cpu.state.xmm[i] = (cpu.state.xmm[i] & low_mask(8)) | (s << 64);
    Ok(())
}

/// MOVHLPS xmm1, xmm2: low qword of xmm1 = high qword of xmm2.
fn movhlps(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let s = cpu.state.xmm[xmm_of(d, 1)];
    let i = xmm_of(d, 0);
    cpu.state.xmm[i] = (cpu.state.xmm[i] & !low_mask(8)) | (s >> 64);
    Ok(())
}

/// MOVD xmm, r/m32 and MOVQ xmm, xmm/m64: zero-extended to 128 bits.
fn movdq_to_xmm(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let n = if d.insn.mnemonic() == Mnemonic::Movd {
        4
    } else {
        8
    };
    let v = src128(cpu, d, 1, false, no_mm)? & low_mask(n);
    cpu.state.xmm[xmm_of(d, 0)] = v;
    Ok(())
}

/// MOVD r/m32, xmm: the low dword.
fn movd_from_xmm(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let v = cpu.state.xmm[xmm_of(d, 1)] as u32;
    cpu.write_op(d, 0, 4, u64::from(v))
}

/// MOVQ m64, xmm (66 0F D6 also has a register destination, handled by
/// [`movdq_to_xmm`]): the low qword.
fn movq_from_xmm(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let v = cpu.state.xmm[xmm_of(d, 1)] as u64;
    let (seg, off) = mem_loc(cpu, d);
    cpu.write_mem(seg, off, 8, v)
}

/// MOVNTI m32, r32: an ordinary store here (no CR0/CR4 conditions: it
/// uses no SIMD state).
fn movnti(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let v = cpu.state.get_reg(d.insn.op1_register());
    cpu.write_op(d, 0, 4, v)
}

/// MASKMOVDQU xmm1, xmm2: store the bytes of xmm1 whose mask byte in xmm2
/// has its top bit set to DS:[(E)DI] (segment override allowed). Every
/// selected byte is checked before any is written; unselected bytes are
/// neither checked nor written (whether a CPU signals faults for them is
/// implementation-specific, SDM Vol. 2 MASKMOVDQU).
fn maskmovdqu(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let data = cpu.state.xmm[xmm_of(d, 1)].to_le_bytes();
    let mask = cpu.state.xmm[xmm_of(d, 2)].to_le_bytes();
    let seg = SegReg::from_iced(d.insn.memory_segment()).unwrap_or(SegReg::Ds);
    let amask = match d.insn.op0_kind() {
        OpKind::MemorySegDI => 0xFFFF,
        _ => 0xFFFF_FFFF,
    };
    let base = cpu.state.regs[crate::cpu::state::gpr::RDI] & amask;
    let selected = || (0u64..).zip(mask).filter(|(_, m)| m & 0x80 != 0);
    for (k, _) in selected() {
        cpu.check_write(seg, base + k, 1)?;
    }
    for (k, _) in selected() {
        cpu.write_mem(seg, base + k, 1, u64::from(data[k as usize]))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::exception::Exception;
    use crate::cpu::exec::simd_common::testing::{exec, sse_cpu};

    const X: u128 = 0x0F0E_0D0C_0B0A_0908_0706_0504_0302_0100;
    const Y: u128 = 0xFFEE_DDCC_BBAA_9988_7766_5544_3322_1100;

    /// Run `code` (one instruction) with xmm0 = X, xmm1 = Y, BX = `bx`,
    /// memory 0x2000.. = 0x2000 + i bytes; return the result and the CPU.
    fn run(code: &[u8], bx: u64) -> (ExResult, Cpu) {
        let mut cpu = sse_cpu(code);
        cpu.state.xmm[0] = X;
        cpu.state.xmm[1] = Y;
        cpu.state.regs[3] = bx;
        for i in 0..32u32 {
            cpu.mem.write(0x2000 + i, 1, u64::from(0xA0 + i));
        }
        let r = exec(&mut cpu);
        (r, cpu)
    }

    fn m128_at(cpu: &Cpu, a: u32) -> u128 {
        u128::from(cpu.mem.read(a, 8)) | (u128::from(cpu.mem.read(a + 8, 8)) << 64)
    }

    /// Memory image at 0x2000 as set up by [`run`].
    fn mem_init(off: u32) -> u128 {
        u128::from_le_bytes(core::array::from_fn(|i| 0xA0 + off as u8 + i as u8))
    }

    #[test]
    fn register_loads() {
        // (code, bx, expected xmm0)
        let cases: [(&[u8], u64, u128); 14] = [
            (&[0x0F, 0x28, 0xC1], 0, Y),                      // movaps xmm0, xmm1
            (&[0x0F, 0x28, 0x07], 0x2000, mem_init(0)),       // movaps xmm0, [bx]
            (&[0x0F, 0x10, 0x07], 0x2001, mem_init(1)),       // movups xmm0, [bx]
            (&[0x66, 0x0F, 0x6F, 0x07], 0x2000, mem_init(0)), // movdqa
            (&[0xF3, 0x0F, 0x6F, 0x07], 0x2003, mem_init(3)), // movdqu
            (
                &[0xF3, 0x0F, 0x10, 0xC1],
                0,
                (X & !0xFFFF_FFFF) | 0x3322_1100,
            ), // movss xmm0, xmm1
            (&[0xF3, 0x0F, 0x10, 0x07], 0x2000, 0xA3A2_A1A0), // movss xmm0, [bx]
            (
                &[0xF2, 0x0F, 0x10, 0xC1],
                0,
                (X & !low_mask(8)) | (Y & low_mask(8)),
            ), // movsd
            (
                &[0x0F, 0x12, 0x07],
                0x2000,
                (X & !low_mask(8)) | (mem_init(0) & low_mask(8)),
            ), // movlps
            (
                &[0x66, 0x0F, 0x16, 0x07],
                0x2000,
                (X & low_mask(8)) | (mem_init(0) << 64),
            ), // movhpd
            (&[0x0F, 0x16, 0xC1], 0, (X & low_mask(8)) | (Y << 64)), // movlhps
            (&[0x0F, 0x12, 0xC1], 0, (X & !low_mask(8)) | (Y >> 64)), // movhlps
            (&[0x66, 0x0F, 0x6E, 0xC3], 0x8765_4321, 0x8765_4321), // movd xmm0, ebx
            (&[0xF3, 0x0F, 0x7E, 0xC1], 0, Y & low_mask(8)),  // movq xmm0, xmm1
        ];
        for (code, bx, want) in cases {
            let (r, cpu) = run(code, bx);
            assert_eq!(r, Ok(()), "{code:02x?}");
            assert_eq!(cpu.state.xmm[0], want, "{code:02x?}");
        }
    }

    #[test]
    fn stores() {
        let lo8 = low_mask(8);
        // (code, bx, expected 32 bytes at 0x2000 as two u128)
        let cases: [(&[u8], u64, u128, u128); 8] = [
            (&[0x0F, 0x29, 0x07], 0x2000, X, mem_init(16)), // movaps [bx], xmm0
            (&[0x0F, 0x11, 0x07], 0x2010, mem_init(0), X),  // movups
            (&[0x66, 0x0F, 0xE7, 0x07], 0x2000, X, mem_init(16)), // movntdq
            (
                &[0xF3, 0x0F, 0x11, 0x07],
                0x2000,
                (mem_init(0) & !0xFFFF_FFFF) | 0x0302_0100,
                mem_init(16),
            ), // movss
            (
                &[0x0F, 0x17, 0x07],
                0x2000,
                (mem_init(0) & !lo8) | (X >> 64),
                mem_init(16),
            ), // movhps
            (
                &[0x66, 0x0F, 0xD6, 0x07],
                0x2000,
                (mem_init(0) & !lo8) | (X & lo8),
                mem_init(16),
            ), // movq [bx], xmm0
            (
                &[0x66, 0x0F, 0x7E, 0x07],
                0x2000,
                (mem_init(0) & !0xFFFF_FFFF) | 0x0302_0100,
                mem_init(16),
            ), // movd
            (
                &[0x0F, 0xC3, 0x1F],
                0x2000,
                (mem_init(0) & !0xFFFF_FFFF) | 0x2000,
                mem_init(16),
            ), // movnti [bx], ebx
        ];
        for (code, bx, lo, hi) in cases {
            let (r, cpu) = run(code, bx);
            assert_eq!(r, Ok(()), "{code:02x?}");
            assert_eq!(m128_at(&cpu, 0x2000), lo, "{code:02x?}");
            assert_eq!(m128_at(&cpu, 0x2010), hi, "{code:02x?}");
        }
    }

    #[test]
    fn alignment_rules() {
        for code in [
            &[0x0F, 0x28, 0x07][..],   // movaps xmm0, [bx]
            &[0x0F, 0x29, 0x07],       // movaps [bx], xmm0
            &[0x66, 0x0F, 0x6F, 0x07], // movdqa
            &[0x0F, 0x2B, 0x07],       // movntps
        ] {
            let (r, cpu) = run(code, 0x2008);
            assert_eq!(r, Err(Exception::GeneralProtection(0)), "{code:02x?}");
            assert_eq!(cpu.state.xmm[0], X);
            assert_eq!(m128_at(&cpu, 0x2008), mem_init(8));
        }
        // MOVNTI has no CR4.OSFXSR condition.
        let mut cpu = sse_cpu(&[0x0F, 0xC3, 0x1F]);
        cpu.state.cr4 = 0;
        cpu.state.regs[3] = 0x2000;
        assert_eq!(exec(&mut cpu), Ok(()));
        let (r, _) = run(&[0xF3, 0x0F, 0x10, 0x07], 0xFFFE); // movss past the limit
        assert_eq!(r, Err(Exception::GeneralProtection(0)));
    }

    /// MASKMOVDQU xmm0, xmm1 (66 0F F7 C1) stores the bytes of xmm0 whose
    /// mask byte in xmm1 has bit 7 set to DS:DI.
    #[test]
    fn maskmovdqu_stores_selected_bytes() {
        let mut cpu = sse_cpu(&[0x66, 0x0F, 0xF7, 0xC1]);
        cpu.state.xmm[0] = X;
        cpu.state.xmm[1] = 0x8000_0000_0000_0000_0000_0000_0000_FF80;
        cpu.state.regs[7] = 0x3001;
        assert_eq!(exec(&mut cpu), Ok(()));
        assert_eq!(cpu.mem.read(0x3000, 4), 0x0001_0000);
        assert_eq!(cpu.mem.read(0x3001 + 15, 1), 0x0F);
        assert_eq!(cpu.mem.read(0x3003, 8), 0);
        // A selected byte past the limit faults before anything is written.
        cpu.state.rip = 0x100;
        cpu.state.regs[7] = 0xFFF1;
        assert_eq!(exec(&mut cpu), Err(Exception::GeneralProtection(0)));
        assert_eq!(cpu.mem.read(0xFFF1, 2), 0);
    }
}
