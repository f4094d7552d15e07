//! Shifts and rotates: SHL/SAL, SHR, SAR, ROL, ROR, RCL, RCR (by 1, by CL,
//! by imm8) and the double shifts SHLD, SHRD (SDM Vol. 2B "SAL/SAR/SHL/SHR",
//! Vol. 2B "RCL/RCR/ROL/ROR", "SHLD", "SHRD"; Vol. 1 §7.3.6).
//!
//! Count masking: the 80286 and later mask the count to 5 bits; the 8086
//! uses all 8 bits of CL (counts above the operand width are computed in
//! closed form, never by looping). A (masked) count of 0 changes nothing,
//! flags included. RCL/RCR of 8/16-bit operands rotate through CF by the
//! masked count modulo 9/17; when that leaves 0 the value and CF are kept
//! but OF is still recomputed from the result, as the 80286 does.
//!
//! Flags the SDM leaves undefined are set as P6-class Intel processors are
//! known to set them (the behaviour Bochs models):
//! - AF is cleared by SHL/SHR/SAR/SHLD/SHRD with a non-zero count;
//! - OF for counts above 1 uses the count-1 formula on the final result:
//!   SHL/ROL/RCL/SHLD: OF = MSB(result) XOR CF; SHR/ROR/RCR/SHRD: OF = the
//!   XOR of the two top result bits; SAR: OF = 0;
//! - CF for SHL/SHR by a count of at least the operand width is the last bit
//!   shifted out as by the SDM's bit-by-bit loop (0 once the count exceeds
//!   the width);
//! - SHLD/SHRD r/m16 with a count above 16 shift the 48-bit value
//!   DEST:SRC:DEST (P6 behaviour); CF is the last bit shifted out of it.
//!
//! 8086: D0–D3 /6 (decoded by iced-x86 as SAL) is the undocumented SETMO /
//! SETMOC: the destination becomes all ones (SETMOC only when CL ≠ 0). The
//! flags are those of OR with all ones (CF = OF = AF = 0, SF = PF = 1,
//! ZF = 0), as SingleStepTests 8086 data shows (those flags are masked as
//! undefined there). Later models treat /6 as SHL.

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::flags::{Flags, AF, ARITH, CF, OF};
use crate::cpu::state::size_mask;
use crate::cpu::{Cpu, CpuModel};
use iced_x86::{Instruction, Mnemonic, OpKind};

/// Shift/rotate operations (const parameter of [`shift`]).
pub(crate) const SHL: u8 = 0;
pub(crate) const SHR: u8 = 1;
pub(crate) const SAR: u8 = 2;
pub(crate) const ROL: u8 = 3;
pub(crate) const ROR: u8 = 4;
pub(crate) const RCL: u8 = 5;
pub(crate) const RCR: u8 = 6;

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    // A general-register destination (no read-modify-write of memory).
    let reg = insn.op0_kind() == OpKind::Register && insn.op_count() == 2;
    Some(match insn.mnemonic() {
        Mnemonic::Shl if reg => shift_r::<SHL>,
        Mnemonic::Shr if reg => shift_r::<SHR>,
        Mnemonic::Sar if reg => shift_r::<SAR>,
        Mnemonic::Shl => shift::<SHL>,
        Mnemonic::Sal => sal,
        Mnemonic::Shr => shift::<SHR>,
        Mnemonic::Sar => shift::<SAR>,
        Mnemonic::Rol => shift::<ROL>,
        Mnemonic::Ror => shift::<ROR>,
        Mnemonic::Rcl => shift::<RCL>,
        Mnemonic::Rcr => shift::<RCR>,
        Mnemonic::Shld => double_shift::<true>,
        Mnemonic::Shrd => double_shift::<false>,
        _ => return None,
    })
}

/// The count operand (`n`) as the model uses it: all 8 bits on the 8086,
/// masked to 5 bits on the 80286 and later.
#[inline]
fn count(cpu: &mut Cpu, d: &DecodedInsn, n: u32) -> ExResult<u32> {
    let c = cpu.read_op(d, n, 1)? as u32 & 0xFF;
    Ok(if cpu.model == CpuModel::I8086 {
        c
    } else {
        c & 0x1F
    })
}

/// CF and OF bits from 0/1 values.
#[inline]
fn cf_of(cf: u64, of: u64) -> u32 {
    ((cf as u32 & 1) * CF) | ((of as u32 & 1) * OF)
}

/// Result and arithmetic flags of shift/rotate `op` of the `size`-byte
/// value `v` by `c` (≥ 1, already masked as the model does; up to 255),
/// given the flags before (`flags`, an EFLAGS image).
pub(crate) fn shift_result(op: u8, size: u32, v: u64, c: u32, flags: u32) -> (u64, u32) {
    let w = size * 8;
    let m = size_mask(size);
    let v = v & m;
    let msb = |x: u64| (x >> (w - 1)) & 1;
    // XOR of the two top bits of x.
    let top2 = |x: u64| ((x ^ (x << 1)) >> (w - 1)) & 1;
    let cf_in = u64::from(flags & CF != 0);
    let (r, cf, of) = match op {
        SHL => {
            let (r, cf) = if c <= w {
                ((v << c) & m, (v >> (w - c)) & 1)
            } else {
                (0, 0)
            };
            (r, cf, cf ^ msb(r))
        }
        SHR => {
            let (r, cf) = if c <= w {
                (v >> c, (v >> (c - 1)) & 1)
            } else {
                (0, 0)
            };
            (r, cf, top2(r))
        }
        SAR => {
            let s = (((v << (64 - w)) as i64) >> (64 - w)) as u64;
            let c = c.min(w);
            (
                ((s as i64) >> c) as u64 & m,
                ((s as i64) >> (c - 1)) as u64 & 1,
                0,
            )
        }
        ROL | ROR => {
            let k = c % w;
            let r = if k == 0 {
                v
            } else if op == ROL {
                ((v << k) | (v >> (w - k))) & m
            } else {
                ((v >> k) | (v << (w - k))) & m
            };
            // Rotates leave SF, ZF, AF and PF alone.
            let (cf, of) = if op == ROL {
                (r & 1, (r & 1) ^ msb(r))
            } else {
                (msb(r), top2(r))
            };
            let f = (flags & !(CF | OF)) | cf_of(cf, of);
            return (r, f & ARITH);
        }
        _ => {
            // RCL/RCR: rotate the (w+1)-bit value CF:v.
            // A count that is a multiple of w+1 leaves value and CF, but
            // OF is still computed from the result (80286 hardware does so:
            // SingleStepTests C0 /2, /3 with counts 9 and 18).
            let k = c % (w + 1);
            let m1 = (1u64 << (w + 1)) - 1;
            let x = (cf_in << w) | v;
            let x = if k == 0 {
                x
            } else if op == RCL {
                ((x << k) | (x >> (w + 1 - k))) & m1
            } else {
                ((x >> k) | (x << (w + 1 - k))) & m1
            };
            let r = x & m;
            let cf = x >> w;
            let of = if op == RCL { cf ^ msb(r) } else { top2(r) };
            let f = (flags & !(CF | OF)) | cf_of(cf, of);
            return (r, f & ARITH);
        }
    };
    let f = Flags::szp(size, r) | cf_of(cf, of);
    (r, f & !AF)
}

/// SHL, SHR, SAR, ROL, ROR, RCL, RCR r/m, 1|CL|imm8.
fn shift<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let (v, loc) = cpu.read_rmw(d, size)?;
    let c = count(cpu, d, 1)?;
    if c == 0 {
        return Ok(());
    }
    // SHL/SHR/SAR set every arithmetic flag from the result: the flags
    // before (which would have to be computed from the lazy state) do not
    // matter to them.
    let before = if OP == SHL || OP == SHR || OP == SAR {
        0
    } else {
        cpu.state.flags.eflags()
    };
    let (r, f) = shift_result(OP, size, v, c, before);
    cpu.write_rmw(d, loc, size, r)?;
    cpu.state.flags.set_arith(f);
    Ok(())
}

/// SHL, SHR, SAR with a general-register destination: [`shift`] without
/// the memory operand's read-modify-write.
fn shift_r<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let c = count(cpu, d, 1)?;
    if c == 0 {
        return Ok(());
    }
    let v = d.reg[0].read(&cpu.state.regs);
    // The flags before do not matter to SHL/SHR/SAR (see [`shift`]).
    let (r, f) = shift_result(OP, size, v, c, 0);
    d.reg[0].write(&mut cpu.state.regs, r);
    cpu.state.flags.set_arith(f);
    Ok(())
}

/// D0–D3 /6 (and C0/C1 /6): SHL on the 80286 and later; SETMO/SETMOC on
/// the 8086 (see the module docs).
fn sal(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    if cpu.model != CpuModel::I8086 {
        return shift::<SHL>(cpu, d);
    }
    let size = d.os();
    let (_, loc) = cpu.read_rmw(d, size)?;
    // SETMOC (by CL) does nothing when CL is 0; SETMO (by 1) always acts.
    if d.insn.op1_kind() == OpKind::Register && cpu.state.gpr(1, 1) == 0 {
        return Ok(());
    }
    let ones = size_mask(size);
    cpu.write_rmw(d, loc, size, ones)?;
    cpu.state.flags.set_arith(Flags::szp(size, ones));
    Ok(())
}

/// Result and flags of SHLD (`left`) or SHRD of the `size`-byte `dst` with
/// bits from `src` by `c` (1..=31).
pub(crate) fn double_shift_result(left: bool, size: u32, dst: u64, src: u64, c: u32) -> (u64, u32) {
    let m = size_mask(size);
    let (dst, src) = (dst & m, src & m);
    let (r, cf) = if size == 4 {
        if left {
            let t = (dst << 32) | src;
            ((t << c >> 32) & m, (dst >> (32 - c)) & 1)
        } else {
            let t = (src << 32) | dst;
            ((t >> c) & m, (dst >> (c - 1)) & 1)
        }
    } else {
        // 16-bit: shift the 48-bit DEST:SRC:DEST, which also gives the P6
        // result for counts above 16.
        let t = (dst << 32) | (src << 16) | dst;
        if left {
            ((t >> (32 - c)) & m, (t >> (48 - c)) & 1)
        } else {
            ((t >> c) & m, (t >> (c - 1)) & 1)
        }
    };
    let w = size * 8;
    let of = if left {
        cf ^ ((r >> (w - 1)) & 1)
    } else {
        ((r ^ (r << 1)) >> (w - 1)) & 1
    };
    (r, Flags::szp(size, r) | cf_of(cf, of))
}

/// SHLD/SHRD r/m16/32, r16/32, imm8|CL.
fn double_shift<const LEFT: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let (dst, loc) = cpu.read_rmw(d, size)?;
    let src = cpu.read_op(d, 1, size)?;
    let c = count(cpu, d, 2)?;
    if c == 0 {
        return Ok(());
    }
    let (r, f) = double_shift_result(LEFT, size, dst, src, c);
    cpu.write_rmw(d, loc, size, r)?;
    cpu.state.flags.set_arith(f);
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
        cx: u64,
        dx: u64,
        flags_in: u32,
        ax_out: u64,
        flags_out: u32,
    }

    const P5: CpuModel = CpuModel::Pentium;

    fn case(
        name: &'static str,
        code: &'static [u8],
        ax: u64,
        cx: u64,
        flags_in: u32,
        ax_out: u64,
        flags_out: u32,
    ) -> Case {
        Case {
            name,
            model: P5,
            code,
            ax,
            cx,
            dx: 0,
            flags_in,
            ax_out,
            flags_out,
        }
    }

    #[test]
    fn shift_table() {
        let cases = [
            // D0 /4: shl al,1 — 0x81 -> 0x02, CF=1, OF=1 (sign changed).
            case("shl al,1", &[0xD0, 0xE0], 0x81, 0, 0, 0x02, CF | OF),
            // 0xC0 << 1 = 0x80: CF=1, MSB=1 -> OF=0.
            case("shl al,1 no of", &[0xD0, 0xE0], 0xC0, 0, 0, 0x80, CF | SF),
            // shl ax,cl by 16: result 0, CF = bit 0.
            case(
                "shl ax,cl=16",
                &[0xD3, 0xE0],
                0x0001,
                16,
                0,
                0,
                CF | OF | ZF | PF,
            ),
            // shl al,cl by 9 (> width): 0, CF=0.
            case("shl al,cl=9", &[0xD2, 0xE0], 0xFF, 9, CF, 0, ZF | PF),
            // Count masked to 5 bits: cl=0x21 -> 1.
            case(
                "shl ax,cl=33",
                &[0xD3, 0xE0],
                0x4000,
                0x21,
                0,
                0x8000,
                OF | SF | PF,
            ),
            // Masked count 0 leaves flags (even AF) alone.
            case(
                "shl ax,cl=32",
                &[0xD3, 0xE0],
                0x1234,
                0x20,
                AF | CF,
                0x1234,
                AF | CF,
            ),
            // C0 /4 ib: shl al,4; AF cleared.
            case(
                "shl al,4",
                &[0xC0, 0xE0, 0x04],
                0x1F,
                0,
                AF,
                0xF0,
                CF | SF | PF,
            ),
            // shr al,1: 0x81 -> 0x40, CF=1, OF=MSB(original)=1.
            case("shr al,1", &[0xD0, 0xE8], 0x81, 0, 0, 0x40, CF | OF),
            case("shr ax,cl=2", &[0xD3, 0xE8], 0x8002, 2, 0, 0x2000, CF | PF),
            case("shr al,cl=8", &[0xD2, 0xE8], 0x80, 8, 0, 0, CF | ZF | PF),
            // sar al,1: 0x81 -> 0xC0, CF=1, OF=0.
            case("sar al,1", &[0xD0, 0xF8], 0x81, 0, OF, 0xC0, CF | SF | PF),
            case(
                "sar ax,cl=31",
                &[0xD3, 0xF8],
                0x8000,
                31,
                0,
                0xFFFF,
                CF | SF | PF,
            ),
            case(
                "sar eax,cl=31",
                &[0x66, 0xD3, 0xF8],
                0x4000_0000,
                31,
                0,
                0,
                CF | ZF | PF,
            ),
            // rol al,1: 0x81 -> 0x03, CF=1, OF=CF^MSB=1; SZAP kept.
            case(
                "rol al,1",
                &[0xD0, 0xC0],
                0x81,
                0,
                ZF | AF,
                0x03,
                CF | OF | ZF | AF,
            ),
            // rol al,cl=8: result unchanged, CF=LSB, OF=CF^MSB.
            case("rol al,cl=8", &[0xD2, 0xC0], 0x81, 8, 0, 0x81, CF),
            // ror ax,cl=4.
            case("ror ax,cl=4", &[0xD3, 0xC8], 0x1234, 4, 0, 0x4123, OF),
            // ror al,1: 0x01 -> 0x80, CF=1, OF=1.
            case("ror al,1", &[0xD0, 0xC8], 0x01, 0, 0, 0x80, CF | OF),
            case(
                "ror eax,imm",
                &[0x66, 0xC1, 0xC8, 0x08],
                0x1234_5678,
                0,
                0,
                0x7812_3456,
                OF,
            ),
            // rcl al,1 with CF=1: 0x80 -> 0x01, CF=1, OF=1^0=1.
            case("rcl al,1", &[0xD0, 0xD0], 0x80, 0, CF, 0x01, CF | OF),
            // rcl al,cl=9: a full 9-bit turn leaves value and CF; OF is
            // recomputed (CF ^ MSB).
            case(
                "rcl al,cl=9",
                &[0xD2, 0xD0],
                0x55,
                9,
                CF | SF,
                0x55,
                CF | SF | OF,
            ),
            // rcr ax,cl=17 likewise (OF from the two top bits).
            case("rcr ax,cl=17", &[0xD3, 0xD8], 0x4234, 17, 0, 0x4234, OF),
            case(
                "rcr ax,cl=17 no of",
                &[0xD3, 0xD8],
                0x1234,
                17,
                OF,
                0x1234,
                0,
            ),
            // rcl al,cl=10 == rcl 1.
            case("rcl al,cl=10", &[0xD2, 0xD0], 0x40, 10, CF, 0x81, OF),
            // rcr al,1 with CF=1: 0x01 -> 0x80, CF=1, OF=1.
            case("rcr al,1", &[0xD0, 0xD8], 0x01, 0, CF, 0x80, CF | OF),
            // rcr eax,cl=31 (no modulo for 32-bit).
            case(
                "rcr eax,cl=31",
                &[0x66, 0xD3, 0xD8],
                0x8000_0000,
                31,
                0,
                0x0000_0001,
                0,
            ),
            // rcr eax,1 with CF=1.
            case("rcr eax,1", &[0x66, 0xD1, 0xD8], 0, 0, CF, 0x8000_0000, OF),
        ];
        run(&cases);
    }

    #[test]
    fn model_counts_and_setmo() {
        let cases = [
            // 8086: CL is not masked: shl al,cl=33 gives 0 with CF=0.
            Case {
                name: "8086 shl al,cl=33",
                model: CpuModel::I8086,
                code: &[0xD2, 0xE0],
                ax: 0xFF,
                cx: 33,
                dx: 0,
                flags_in: 0,
                ax_out: 0,
                flags_out: ZF | PF,
            },
            // 8086: rcl ax,cl=255: 255 mod 17 = 0 -> value and CF kept.
            Case {
                name: "8086 rcl ax,cl=255",
                model: CpuModel::I8086,
                code: &[0xD3, 0xD0],
                ax: 0x1234,
                cx: 255,
                dx: 0,
                flags_in: CF,
                ax_out: 0x1234,
                flags_out: CF | OF,
            },
            // 8086: sar al,cl=200: sign fill.
            Case {
                name: "8086 sar al,cl=200",
                model: CpuModel::I8086,
                code: &[0xD2, 0xF8],
                ax: 0x80,
                cx: 200,
                dx: 0,
                flags_in: 0,
                ax_out: 0xFF,
                flags_out: CF | SF | PF,
            },
            // 80286 masks: shl al,cl=33 == shl 1.
            Case {
                name: "286 shl al,cl=33",
                model: CpuModel::I80286,
                code: &[0xD2, 0xE0],
                ax: 0x41,
                cx: 33,
                dx: 0,
                flags_in: 0,
                ax_out: 0x82,
                flags_out: OF | SF | PF,
            },
            // 8086 D0 /6: SETMO al.
            Case {
                name: "8086 setmo al",
                model: CpuModel::I8086,
                code: &[0xD0, 0xF0],
                ax: 0x1200,
                cx: 0,
                dx: 0,
                flags_in: CF | ZF | OF | AF,
                ax_out: 0x12FF,
                flags_out: SF | PF,
            },
            // 8086 D3 /6 with CL=0: SETMOC does nothing.
            Case {
                name: "8086 setmoc ax,cl=0",
                model: CpuModel::I8086,
                code: &[0xD3, 0xF0],
                ax: 0x1234,
                cx: 0,
                dx: 0,
                flags_in: ZF,
                ax_out: 0x1234,
                flags_out: ZF,
            },
            Case {
                name: "8086 setmoc ax,cl=3",
                model: CpuModel::I8086,
                code: &[0xD3, 0xF0],
                ax: 0x1234,
                cx: 3,
                dx: 0,
                flags_in: ZF,
                ax_out: 0xFFFF,
                flags_out: SF | PF,
            },
            // Pentium: D1 /6 is SHL.
            Case {
                name: "p5 sal ax,1 (/6)",
                model: P5,
                code: &[0xD1, 0xF0],
                ax: 0x4001,
                cx: 0,
                dx: 0,
                flags_in: 0,
                ax_out: 0x8002,
                flags_out: OF | SF,
            },
        ];
        run(&cases);
    }

    #[test]
    fn double_shift_table() {
        let cases = [
            // shld ax,dx,4
            Case {
                name: "shld ax,dx,4",
                model: P5,
                code: &[0x0F, 0xA4, 0xD0, 0x04],
                ax: 0x1234,
                cx: 0,
                dx: 0xABCD,
                flags_in: AF,
                ax_out: 0x234A,
                flags_out: CF | OF,
            },
            // shrd ax,dx,4
            Case {
                name: "shrd ax,dx,4",
                model: P5,
                code: &[0x0F, 0xAC, 0xD0, 0x04],
                ax: 0x1234,
                cx: 0,
                dx: 0xABCD,
                flags_in: 0,
                ax_out: 0xD123,
                flags_out: SF,
            },
            // shld eax,edx,cl=8
            Case {
                name: "shld eax,edx,cl",
                model: P5,
                code: &[0x66, 0x0F, 0xA5, 0xD0],
                ax: 0x8123_4567,
                cx: 8,
                dx: 0xFF00_0000,
                flags_in: 0,
                ax_out: 0x2345_67FF,
                flags_out: CF | OF | PF,
            },
            // shrd eax,edx,cl=32 -> masked to 0: nothing.
            Case {
                name: "shrd eax,edx,cl=32",
                model: P5,
                code: &[0x66, 0x0F, 0xAD, 0xD0],
                ax: 0x8123_4567,
                cx: 32,
                dx: 1,
                flags_in: ZF,
                ax_out: 0x8123_4567,
                flags_out: ZF,
            },
            // shld ax,dx,20 (count > 16, P6 form): (ax:dx:ax) << 20 -> top16
            // = bits of dx:ax shifted by 4: 0xBCD1.
            Case {
                name: "shld ax,dx,20",
                model: P5,
                code: &[0x0F, 0xA4, 0xD0, 20],
                ax: 0x1234,
                cx: 0,
                dx: 0xABCD,
                flags_in: 0,
                ax_out: 0xBCD1,
                flags_out: SF | OF | PF,
            },
            // shrd ax,dx,20: (ax:dx:ax) >> 20 low16 = (ax:dx) >> 4 low16 = 0x4ABC.
            Case {
                name: "shrd ax,dx,20",
                model: P5,
                code: &[0x0F, 0xAC, 0xD0, 20],
                ax: 0x1234,
                cx: 0,
                dx: 0xABCD,
                flags_in: 0,
                ax_out: 0x4ABC,
                flags_out: CF | OF,
            },
        ];
        run(&cases);
    }

    fn run(cases: &[Case]) {
        for c in cases {
            let mut cpu = cpu_with(c.model, c.code);
            cpu.state.regs[0] = c.ax;
            cpu.state.regs[1] = c.cx;
            cpu.state.regs[2] = c.dx;
            cpu.state.flags.set_masked(c.flags_in, ARITH);
            step(&mut cpu);
            assert_eq!(cpu.state.regs[0], c.ax_out, "{}: result", c.name);
            assert_eq!(
                cpu.state.flags.eflags() & ARITH,
                c.flags_out,
                "{}: flags",
                c.name
            );
            assert_eq!(cpu.state.rip, 0x100 + c.code.len() as u64, "{}: ip", c.name);
        }
    }

    #[test]
    fn memory_destination() {
        // shl word [bx],cl with cl=4; count 0 leaves memory and flags alone.
        let mut cpu = cpu_with(P5, &[0xD3, 0x27, 0xD3, 0x27]);
        cpu.state.regs[3] = 0x2000;
        cpu.state.regs[1] = 4;
        cpu.mem.write(0x2000, 2, 0x1234);
        step(&mut cpu);
        assert_eq!(cpu.mem.read(0x2000, 2), 0x2340);
        assert!(cpu.state.flags.cf());
        cpu.state.regs[1] = 0;
        step(&mut cpu);
        assert_eq!(cpu.mem.read(0x2000, 2), 0x2340);
        assert!(cpu.state.flags.cf());
    }

    #[test]
    fn pure_results_agree_with_bit_loops() {
        // The closed forms against the SDM's one-bit-at-a-time loops, for
        // every 8-bit value and count 1..=40 (8086-style unmasked counts).
        for op in [SHL, SHR, SAR, RCL, RCR, ROL, ROR] {
            for v in 0..=0xFFu64 {
                for cin in [0, CF] {
                    for c in 1..=40u32 {
                        let (r, f) = shift_result(op, 1, v, c, cin);
                        let (mut x, mut cf) = (v, cin != 0);
                        for _ in 0..c {
                            let (nx, ncf) = match op {
                                SHL => ((x << 1) & 0xFF, x & 0x80 != 0),
                                SHR => (x >> 1, x & 1 != 0),
                                SAR => ((x >> 1) | (x & 0x80), x & 1 != 0),
                                RCL => (((x << 1) | u64::from(cf)) & 0xFF, x & 0x80 != 0),
                                RCR => ((x >> 1) | (u64::from(cf) << 7), x & 1 != 0),
                                ROL => (((x << 1) | (x >> 7)) & 0xFF, x & 0x80 != 0),
                                _ => ((x >> 1) | ((x & 1) << 7), x & 1 != 0),
                            };
                            x = nx;
                            cf = ncf;
                        }
                        // Rotates: CF is the bit last moved (ROL: LSB, ROR: MSB).
                        let cf = match op {
                            ROL => x & 1 != 0,
                            ROR => x & 0x80 != 0,
                            _ => cf,
                        };
                        assert_eq!(r, x, "op {op} v {v:#x} c {c} cf {cin}");
                        assert_eq!(f & CF != 0, cf, "op {op} v {v:#x} c {c} CF");
                    }
                }
            }
        }
    }
}
