//! Multiply and divide: MUL, IMUL (one-, two- and three-operand forms), DIV,
//! IDIV for 8/16/32-bit operands (SDM Vol. 2A "DIV", "IDIV", "IMUL"; Vol. 2B
//! "MUL"; Vol. 1 §7.3.2.4).
//!
//! #DE (divide error) on a zero divisor and on a quotient too large for the
//! destination. Flags:
//! - MUL/IMUL: CF = OF = the result does not fit the low half (MUL: upper
//!   half non-zero; IMUL: the full product is not the sign extension of the
//!   truncated one). The undefined SF, ZF and PF are set from the low half
//!   (the truncated destination for the two/three-operand IMUL) and AF is
//!   cleared, as P6-class Intel processors are reported to do. (AMD leaves
//!   SF/ZF/AF/PF unchanged instead; see `host_diff`.)
//! - DIV/IDIV: all six arithmetic flags are undefined; they are left
//!   unchanged (also when #DE is raised).
//!
//! 8086 differences (from SingleStepTests 8086 data and its notes): IDIV
//! divides magnitudes and faults when the quotient's magnitude exceeds
//! 0x7F / 0x7FFF, so a quotient of −128 / −32768 raises #DE (the 80286
//! and later allow it); a REP/REPNE prefix on IDIV or on one-operand IMUL
//! negates the quotient / product. The 8086's own undefined-flag values
//! are not modelled (the conformance data masks them).

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::flags::{Flags, CF, OF};
use crate::cpu::state::size_mask;
use crate::cpu::{Cpu, CpuModel};
use iced_x86::{Instruction, Mnemonic};

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.mnemonic() {
        Mnemonic::Mul => mul,
        Mnemonic::Imul if insn.op_count() == 1 => imul1,
        Mnemonic::Imul => imul_n,
        Mnemonic::Div => div,
        Mnemonic::Idiv => idiv,
        _ => return None,
    })
}

/// Register numbers of the implicit operands.
const RAX: usize = 0;
const RDX: usize = 2;

/// `v` (of `size` bytes) sign-extended to i64.
#[inline]
fn sx(v: u64, size: u32) -> i64 {
    let s = 64 - size * 8;
    ((v << s) as i64) >> s
}

/// Flags after a multiply whose truncated result is `lo` (see module docs).
#[inline]
pub(crate) fn mul_flags(size: u32, lo: u64, overflow: bool) -> u32 {
    Flags::szp(size, lo) | if overflow { CF | OF } else { 0 }
}

/// 8086 only: a REP/REPNE prefix negates IMUL products and IDIV quotients.
#[inline]
fn rep_negates(cpu: &Cpu, d: &DecodedInsn) -> bool {
    cpu.model == CpuModel::I8086 && (d.insn.has_rep_prefix() || d.insn.has_repne_prefix())
}

/// Store a double-width result: AX for bytes, DX:AX / EDX:EAX otherwise.
#[inline]
fn store_wide(cpu: &mut Cpu, size: u32, lo: u64, hi: u64) {
    if size == 1 {
        cpu.state.set_gpr(RAX, 2, (hi << 8) | (lo & 0xFF));
    } else {
        cpu.state.set_gpr(RAX, size, lo);
        cpu.state.set_gpr(RDX, size, hi);
    }
}

/// The double-width dividend: AX, DX:AX or EDX:EAX.
#[inline]
fn load_wide(cpu: &Cpu, size: u32) -> u64 {
    if size == 1 {
        cpu.state.gpr(RAX, 2)
    } else {
        (cpu.state.gpr(RDX, size) << (size * 8)) | cpu.state.gpr(RAX, size)
    }
}

/// MUL r/m: unsigned AL/AX/EAX × r/m.
fn mul(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let src = cpu.read_op(d, 0, size)?;
    let p = cpu.state.gpr(RAX, size) * src; // at most 64 bits
    let w = size * 8;
    let (lo, hi) = (p & size_mask(size), p >> w);
    store_wide(cpu, size, lo, hi);
    cpu.state.flags.set_arith(mul_flags(size, lo, hi != 0));
    Ok(())
}

/// IMUL r/m: signed AL/AX/EAX × r/m into AX, DX:AX or EDX:EAX.
fn imul1(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let src = sx(cpu.read_op(d, 0, size)?, size);
    let mut p = sx(cpu.state.gpr(RAX, size), size) * src; // fits in i64
    if rep_negates(cpu, d) {
        p = p.wrapping_neg();
    }
    let m = size_mask(size);
    let lo = p as u64 & m;
    let hi = (p >> (size * 8)) as u64 & m;
    store_wide(cpu, size, lo, hi);
    cpu.state
        .flags
        .set_arith(mul_flags(size, lo, sx(lo, size) != p));
    Ok(())
}

/// IMUL r, r/m and IMUL r, r/m, imm: truncated signed product.
fn imul_n(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let (a, b) = if d.insn.op_count() == 3 {
        (cpu.read_op(d, 1, size)?, cpu.read_op(d, 2, size)?)
    } else {
        (cpu.read_op(d, 0, size)?, cpu.read_op(d, 1, size)?)
    };
    let p = sx(a, size) * sx(b, size);
    let lo = p as u64 & size_mask(size);
    cpu.write_op(d, 0, size, lo)?;
    cpu.state
        .flags
        .set_arith(mul_flags(size, lo, sx(lo, size) != p));
    Ok(())
}

/// Unsigned division of `n` by `v` for `size`-byte operands:
/// (quotient, remainder), or #DE.
pub(crate) fn div_result(size: u32, n: u64, v: u64) -> ExResult<(u64, u64)> {
    if v == 0 {
        return Err(Exception::DivideError);
    }
    let q = n / v;
    if q > size_mask(size) {
        return Err(Exception::DivideError);
    }
    Ok((q, n % v))
}

/// Signed division of the double-width `n` by `v` (both raw bit patterns)
/// for `size`-byte operands: (quotient, remainder) masked to `size`, or
/// #DE. `i8086` applies the 8086 range; `negate` its REP quirk.
pub(crate) fn idiv_result(
    size: u32,
    n: u64,
    v: u64,
    i8086: bool,
    negate: bool,
) -> ExResult<(u64, u64)> {
    let n = sx(n, size * 2);
    let v = sx(v, size);
    if v == 0 {
        return Err(Exception::DivideError);
    }
    // Magnitudes fit in u64 (|n| ≤ 2^63), so work on them directly.
    let (mn, mv) = (n.unsigned_abs(), v.unsigned_abs());
    let (mq, mr) = (mn / mv, mn % mv);
    let half = 1u64 << (size * 8 - 1);
    let negative = (n < 0) != (v < 0);
    let fits = if i8086 {
        mq < half
    } else if negative {
        mq <= half
    } else {
        mq < half
    };
    if !fits {
        return Err(Exception::DivideError);
    }
    let q = if negative != negate {
        mq.wrapping_neg()
    } else {
        mq
    };
    let r = if n < 0 { mr.wrapping_neg() } else { mr };
    let m = size_mask(size);
    Ok((q & m, r & m))
}

/// DIV r/m: AX, DX:AX or EDX:EAX ÷ r/m (unsigned).
fn div(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let v = cpu.read_op(d, 0, size)?;
    let (q, r) = div_result(size, load_wide(cpu, size), v)?;
    store_wide(cpu, size, q, r);
    Ok(())
}

/// IDIV r/m: AX, DX:AX or EDX:EAX ÷ r/m (signed).
fn idiv(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let v = cpu.read_op(d, 0, size)?;
    let i8086 = cpu.model == CpuModel::I8086;
    let (q, r) = idiv_result(size, load_wide(cpu, size), v, i8086, rep_negates(cpu, d))?;
    store_wide(cpu, size, q, r);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::flags::*;

    struct Case {
        name: &'static str,
        model: CpuModel,
        code: &'static [u8],
        ax: u64,
        dx: u64,
        bx: u64,
        ax_out: u64,
        dx_out: u64,
        flags_out: u32,
        /// #DE expected: IP is then the vector 0 handler (IVT entry 0 = 0:0).
        fault: bool,
    }

    const P5: CpuModel = CpuModel::Pentium;

    #[allow(clippy::too_many_arguments)]
    fn c(
        name: &'static str,
        code: &'static [u8],
        ax: u64,
        dx: u64,
        bx: u64,
        ax_out: u64,
        dx_out: u64,
        flags_out: u32,
    ) -> Case {
        Case {
            name,
            model: P5,
            code,
            ax,
            dx,
            bx,
            ax_out,
            dx_out,
            flags_out,
            fault: false,
        }
    }

    fn fault(
        name: &'static str,
        model: CpuModel,
        code: &'static [u8],
        ax: u64,
        dx: u64,
        bx: u64,
    ) -> Case {
        Case {
            name,
            model,
            code,
            ax,
            dx,
            bx,
            ax_out: ax,
            dx_out: dx,
            flags_out: ZF | AF,
            fault: true,
        }
    }

    #[test]
    fn muldiv_table() {
        let cases = [
            // mul bl: 0x80 * 2 = 0x100 -> AH != 0: CF OF; low 0 -> ZF PF.
            c(
                "mul bl",
                &[0xF6, 0xE3],
                0x80,
                0,
                2,
                0x100,
                0,
                CF | OF | ZF | PF,
            ),
            c("mul bl small", &[0xF6, 0xE3], 0x0F, 0, 3, 0x2D, 0, PF),
            // mul bx: 0xFFFF * 0xFFFF = 0xFFFE_0001.
            c(
                "mul bx",
                &[0xF7, 0xE3],
                0xFFFF,
                0x1234,
                0xFFFF,
                0x0001,
                0xFFFE,
                CF | OF,
            ),
            // mul ebx: 0xFFFFFFFF^2 = 0xFFFFFFFE_00000001.
            c(
                "mul ebx",
                &[0x66, 0xF7, 0xE3],
                0xFFFF_FFFF,
                0,
                0xFFFF_FFFF,
                1,
                0xFFFF_FFFE,
                CF | OF,
            ),
            // imul bl: -1 * -1 = 1, fits.
            c("imul bl", &[0xF6, 0xEB], 0xFF, 0, 0xFF, 0x0001, 0, 0),
            // imul bl: -128 * 1 = -128 fits (AH = FF is the sign extension).
            c("imul bl fits", &[0xF6, 0xEB], 0x80, 0, 1, 0xFF80, 0, SF),
            // imul bl: -128 * -1 = 128: overflow.
            c(
                "imul bl ovf",
                &[0xF6, 0xEB],
                0x80,
                0,
                0xFF,
                0x0080,
                0,
                CF | OF | SF,
            ),
            // imul bx: 0x4000 * 4 = 0x10000.
            c(
                "imul bx",
                &[0xF7, 0xEB],
                0x4000,
                0,
                4,
                0,
                1,
                CF | OF | ZF | PF,
            ),
            // imul ax,bx (0F AF): -2 * 3 = -6.
            c(
                "imul ax,bx",
                &[0x0F, 0xAF, 0xC3],
                0xFFFE,
                0x55,
                3,
                0xFFFA,
                0x55,
                SF | PF,
            ),
            // imul ax,bx,imm8 (6B): 0x100 * 0x7F = 0x7F00 fits in 16 bits.
            c(
                "imul ax,bx,7f",
                &[0x6B, 0xC3, 0x7F],
                0,
                0,
                0x100,
                0x7F00,
                0,
                PF,
            ),
            // imul ax,bx,imm8 -1: sign-extended immediate.
            c(
                "imul ax,bx,-1",
                &[0x6B, 0xC3, 0xFF],
                0,
                0,
                0x8000,
                0x8000,
                0,
                CF | OF | SF | PF,
            ),
            // imul eax,ebx,imm32 (66 69): 0x10000 * 0x10000 overflows 32 bits.
            c(
                "imul eax,ebx,imm32",
                &[0x66, 0x69, 0xC3, 0x00, 0x00, 0x01, 0x00],
                0,
                0,
                0x1_0000,
                0,
                0,
                CF | OF | ZF | PF,
            ),
            // div bl: 0x0123 / 0x10 = 0x12 r 3 -> AX = 0x0312; flags kept.
            c("div bl", &[0xF6, 0xF3], 0x0123, 0, 0x10, 0x0312, 0, ZF | AF),
            // div bx: 0x0001_0000 / 2 = 0x8000 r 0.
            c("div bx", &[0xF7, 0xF3], 0, 1, 2, 0x8000, 0, ZF | AF),
            // div ebx: EDX:EAX = 1:0 / 0x10 = 0x1000_0000.
            c(
                "div ebx",
                &[0x66, 0xF7, 0xF3],
                0,
                1,
                0x10,
                0x1000_0000,
                0,
                ZF | AF,
            ),
            // idiv bl: -7 / 2 = -3 r -1.
            c("idiv bl", &[0xF6, 0xFB], 0xFFF9, 0, 2, 0xFFFD, 0, ZF | AF),
            // idiv bl: -128 / 1 = -128 is allowed on the 286+.
            c(
                "idiv bl -128",
                &[0xF6, 0xFB],
                0xFF80,
                0,
                1,
                0x0080,
                0,
                ZF | AF,
            ),
            // idiv bx: DX:AX = -65536 / -2 = 32768: overflow checked below;
            // -65534 / 2 = -32767 r 0.
            c(
                "idiv bx",
                &[0xF7, 0xFB],
                0x0002,
                0xFFFF,
                2,
                0x8001,
                0,
                ZF | AF,
            ),
            // idiv ebx: 7 / -2 = -3 r 1.
            c(
                "idiv ebx",
                &[0x66, 0xF7, 0xFB],
                7,
                0,
                0xFFFF_FFFE,
                0xFFFF_FFFD,
                1,
                ZF | AF,
            ),
            fault("div bl by 0", P5, &[0xF6, 0xF3], 0x1234, 0, 0),
            fault("div bl ovf", P5, &[0xF6, 0xF3], 0x1000, 0, 0x10),
            fault("div bx ovf", P5, &[0xF7, 0xF3], 0, 2, 2),
            fault("idiv bl -128/-1", P5, &[0xF6, 0xFB], 0xFF80, 0, 0xFF),
            fault("idiv bl 128/1", P5, &[0xF6, 0xFB], 0x0080, 0, 1),
            fault(
                "idiv ebx min/-1",
                P5,
                &[0x66, 0xF7, 0xFB],
                0,
                0x8000_0000,
                0xFFFF_FFFF,
            ),
            fault("idiv bx 32768", P5, &[0xF7, 0xFB], 0, 0xFFFF, 0xFFFE),
            // 8086: a quotient of -128 faults.
            fault(
                "8086 idiv bl -128",
                CpuModel::I8086,
                &[0xF6, 0xFB],
                0xFF80,
                0,
                1,
            ),
            Case {
                name: "286 idiv bl -128",
                model: CpuModel::I80286,
                ..c("", &[0xF6, 0xFB], 0xFF80, 0, 1, 0x0080, 0, ZF | AF)
            },
            // 8086: REP IDIV negates the quotient: 7 / 2 -> -3 r 1.
            Case {
                name: "8086 rep idiv bl",
                model: CpuModel::I8086,
                ..c("", &[0xF3, 0xF6, 0xFB], 7, 0, 2, 0x01FD, 0, ZF | AF)
            },
            // 8086: REP IMUL negates the product: 3 * 2 -> -6.
            Case {
                name: "8086 rep imul bl",
                model: CpuModel::I8086,
                ..c("", &[0xF3, 0xF6, 0xEB], 3, 0, 2, 0xFFFA, 0, SF | PF)
            },
            // The REP prefix means nothing to later models.
            c(
                "p5 rep idiv bl",
                &[0xF3, 0xF6, 0xFB],
                7,
                0,
                2,
                0x0103,
                0,
                ZF | AF,
            ),
        ];
        for t in &cases {
            let mut cpu = cpu_with(t.model, t.code);
            cpu.state.regs[0] = t.ax;
            cpu.state.regs[2] = t.dx;
            cpu.state.regs[3] = t.bx;
            cpu.state.flags.set_masked(ZF | AF, ARITH);
            step(&mut cpu);
            assert_eq!(cpu.state.regs[0], t.ax_out, "{}: ax", t.name);
            assert_eq!(cpu.state.regs[2], t.dx_out, "{}: dx", t.name);
            assert_eq!(
                cpu.state.flags.eflags() & ARITH,
                t.flags_out,
                "{}: flags",
                t.name
            );
            let ip = if t.fault {
                0 // the IVT is all zeros: #DE goes to 0000:0000
            } else {
                0x100 + t.code.len() as u64
            };
            assert_eq!(cpu.state.rip, ip, "{}: ip", t.name);
        }
    }

    #[test]
    fn memory_operand_and_fault_return_address() {
        // div byte [bx] with [bx] = 0 on a Pentium: #DE, the pushed IP is
        // the faulting instruction.
        let mut cpu = cpu_with(P5, &[0xF6, 0x37]);
        cpu.state.regs[3] = 0x2000;
        cpu.state.regs[0] = 0x55;
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0);
        assert_eq!(cpu.mem.read(0xFFFE - 6, 2), 0x100, "pushed IP");
        // mul word [bx] = 0x0100 * 0x0200.
        let mut cpu = cpu_with(P5, &[0xF7, 0x27]);
        cpu.state.regs[3] = 0x2000;
        cpu.state.regs[0] = 0x0100;
        cpu.mem.write(0x2000, 2, 0x0200);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[0], 0);
        assert_eq!(cpu.state.regs[2], 2);
    }

    #[test]
    fn idiv_exhaustive_8bit_against_i32() {
        for n in 0..=0xFFFFu64 {
            for v in [1u64, 2, 3, 7, 0x7F, 0x80, 0x81, 0xFE, 0xFF] {
                let (ni, vi) = (n as u16 as i16 as i32, v as u8 as i8 as i32);
                let (q, r) = (ni / vi, ni % vi);
                let ok = (-128..=127).contains(&q);
                match idiv_result(1, n, v, false, false) {
                    Ok((gq, gr)) => {
                        assert!(ok, "{n:#x}/{v:#x} should fault");
                        assert_eq!((gq, gr), (q as u8 as u64, r as u8 as u64), "{n:#x}/{v:#x}");
                    }
                    Err(e) => {
                        assert!(!ok, "{n:#x}/{v:#x} faulted");
                        assert_eq!(e, Exception::DivideError);
                    }
                }
            }
        }
    }
}
