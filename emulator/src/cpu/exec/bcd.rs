//! Decimal (BCD) adjustment: DAA, DAS, AAA, AAS, AAM, AAD (SDM Vol. 2A
//! instruction pages; Vol. 1 §7.3.2.5). AAM with an immediate of 0 raises
//! #DE.
//!
//! Flags the SDM leaves undefined are chosen as follows (P6-class Intel
//! behaviour as modelled by Bochs where known; the SingleStepTests 8086 and
//! 80286 data masks all of these, so they are the same for every model):
//! - DAA/DAS: OF = 0.
//! - AAA/AAS: SF, ZF and PF from the final AL (so SF = 0), OF = 0.
//! - AAM: OF = AF = CF = 0 (the flags of AND AL, AL).
//! - AAD: OF, AF and CF of the byte addition AL + (AH × imm8) that forms
//!   the result (SF, ZF, PF are defined: from AL).
//!
//! DAA/DAS on the 8086 differ in two corner cases (see [`i8086_quirks`]).
//! AAA/AAS differ between generations: the 8086 adjusts AL and AH
//! separately (AL ± 6 with no carry into AH, then AH ± 1), the 80286 and
//! later add/subtract 0106h to/from AX as a whole (SDM pseudo-code).

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::flags::{Flags, AF, CF, OF};
use crate::cpu::{Cpu, CpuModel};
use iced_x86::{Instruction, Mnemonic};

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.mnemonic() {
        Mnemonic::Daa => daa,
        Mnemonic::Das => das,
        Mnemonic::Aaa => aaa_aas::<true>,
        Mnemonic::Aas => aaa_aas::<false>,
        Mnemonic::Aam => aam,
        Mnemonic::Aad => aad,
        _ => return None,
    })
}

#[inline]
fn al(cpu: &Cpu) -> u8 {
    cpu.state.regs[0] as u8
}

#[inline]
fn set_al(cpu: &mut Cpu, v: u8) {
    cpu.state.set_gpr(0, 1, u64::from(v));
}

#[inline]
fn flag_if(cond: bool, flag: u32) -> u32 {
    if cond {
        flag
    } else {
        0
    }
}

/// 8086 DAA/DAS (SingleStepTests 8086 data): the high digit is adjusted
/// when AL > 9Fh (not 99h) if AF was set, and the carry/borrow of the low
/// adjustment does not reach CF. Returns (is 8086, high-digit threshold).
#[inline]
fn i8086_quirks(cpu: &Cpu, af_in: bool) -> (bool, u8) {
    let i8086 = cpu.model == CpuModel::I8086;
    (i8086, if i8086 && af_in { 0x9F } else { 0x99 })
}

/// DAA: decimal adjust AL after addition.
fn daa(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let old_al = al(cpu);
    let old_cf = cpu.state.flags.cf();
    let mut v = old_al;
    let mut cf = false;
    let af_in = cpu.state.flags.af();
    let af = (v & 0x0F) > 9 || af_in;
    let (i8086, high) = i8086_quirks(cpu, af_in);
    if af {
        let (s, c) = v.overflowing_add(6);
        v = s;
        cf = old_cf || (c && !i8086);
    }
    if old_al > high || old_cf {
        v = v.wrapping_add(0x60);
        cf = true;
    }
    set_al(cpu, v);
    cpu.state
        .flags
        .set_arith(Flags::szp(1, u64::from(v)) | flag_if(cf, CF) | flag_if(af, AF));
    Ok(())
}

/// DAS: decimal adjust AL after subtraction.
fn das(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let old_al = al(cpu);
    let old_cf = cpu.state.flags.cf();
    let mut v = old_al;
    let mut cf = false;
    let af_in = cpu.state.flags.af();
    let af = (v & 0x0F) > 9 || af_in;
    let (i8086, high) = i8086_quirks(cpu, af_in);
    if af {
        let (s, c) = v.overflowing_sub(6);
        v = s;
        cf = old_cf || (c && !i8086);
    }
    if old_al > high || old_cf {
        v = v.wrapping_sub(0x60);
        cf = true;
    }
    set_al(cpu, v);
    cpu.state
        .flags
        .set_arith(Flags::szp(1, u64::from(v)) | flag_if(cf, CF) | flag_if(af, AF));
    Ok(())
}

/// AAA (`ADD`) / AAS: ASCII adjust after addition / subtraction.
fn aaa_aas<const ADD: bool>(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let ax = cpu.state.regs[0] as u16;
    let adjust = (ax & 0x0F) > 9 || cpu.state.flags.af();
    let mut ax = ax;
    if adjust {
        ax = if cpu.model == CpuModel::I8086 {
            let (lo, hi) = (ax as u8, (ax >> 8) as u8);
            let (lo, hi) = if ADD {
                (lo.wrapping_add(6), hi.wrapping_add(1))
            } else {
                (lo.wrapping_sub(6), hi.wrapping_sub(1))
            };
            u16::from(lo) | (u16::from(hi) << 8)
        } else if ADD {
            ax.wrapping_add(0x106)
        } else {
            ax.wrapping_sub(6).wrapping_sub(0x100)
        };
    }
    ax &= 0xFF0F;
    cpu.state.set_gpr(0, 2, u64::from(ax));
    cpu.state
        .flags
        .set_arith(Flags::szp(1, u64::from(ax & 0xFF)) | flag_if(adjust, CF) | flag_if(adjust, AF));
    Ok(())
}

/// AAM imm8: AH = AL / imm8, AL = AL mod imm8; #DE if imm8 = 0.
fn aam(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let base = cpu.read_op(d, 0, 1)? as u8;
    if base == 0 {
        return Err(Exception::DivideError);
    }
    let a = al(cpu);
    let (q, r) = (a / base, a % base);
    cpu.state.set_gpr(0, 2, u64::from(r) | (u64::from(q) << 8));
    cpu.state.flags.set_arith(Flags::szp(1, u64::from(r)));
    Ok(())
}

/// AAD imm8: AL = AL + AH × imm8, AH = 0.
fn aad(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let base = cpu.read_op(d, 0, 1)? as u8;
    let ax = cpu.state.regs[0] as u16;
    let (lo, hi) = (ax as u8, (ax >> 8) as u8);
    let prod = hi.wrapping_mul(base);
    let (r, cf) = lo.overflowing_add(prod);
    let af = (lo ^ prod ^ r) & 0x10 != 0;
    let of = (lo ^ r) & (prod ^ r) & 0x80 != 0;
    cpu.state.set_gpr(0, 2, u64::from(r));
    cpu.state.flags.set_arith(
        Flags::szp(1, u64::from(r)) | flag_if(cf, CF) | flag_if(af, AF) | flag_if(of, OF),
    );
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
        flags_in: u32,
        ax_out: u64,
        flags_out: u32,
    }

    const P5: CpuModel = CpuModel::Pentium;

    fn c(
        name: &'static str,
        code: &'static [u8],
        ax: u64,
        flags_in: u32,
        ax_out: u64,
        flags_out: u32,
    ) -> Case {
        Case {
            name,
            model: P5,
            code,
            ax,
            flags_in,
            ax_out,
            flags_out,
        }
    }

    #[test]
    fn bcd_table() {
        let cases = [
            // 0x19 + 0x28 = 0x41 with AF: DAA -> 0x47.
            c("daa af", &[0x27], 0x41, AF, 0x47, AF | PF),
            // 0x99 + 0x01 = 0x9A: DAA -> 0x00 with CF.
            c("daa 9a", &[0x27], 0x9A, 0, 0x00, CF | AF | ZF | PF),
            // 0x50 + 0x50 = 0xA0: high adjust only.
            c("daa a0", &[0x27], 0xA0, 0, 0x00, CF | ZF | PF),
            // CF in forces the high adjust.
            c("daa cf", &[0x27], 0x12, CF, 0x72, CF | PF),
            // AL = 0xFA with AF: +6 carries out, CF set from it.
            c("daa fa", &[0x27], 0xFA, 0, 0x60, CF | AF | PF),
            // 0x47 - 0x19 = 0x2E: DAS -> 0x28.
            c("das", &[0x2F], 0x2E, AF, 0x28, AF | PF),
            // 0x10 - 0x20 = 0xF0 with CF: DAS -> 0x90.
            c("das cf", &[0x2F], 0xF0, CF, 0x90, CF | SF | PF),
            // AL = 0x03 with AF: 0x03 - 6 borrows.
            c("das borrow", &[0x2F], 0x03, AF, 0xFD, CF | AF | SF),
            // AAA: AX = 0x000F -> 0x0105.
            c("aaa", &[0x37], 0x000F, 0, 0x0105, CF | AF | PF),
            c("aaa none", &[0x37], 0x0138, CF, 0x0108, 0),
            // AAA, 286+: AX + 0x106 carries from AL into AH.
            c("aaa carry", &[0x37], 0x01FA, 0, 0x0300, CF | AF | ZF | PF),
            // AAS: AX = 0x0208 with AF -> 0x0102.
            c("aas", &[0x3F], 0x0208, AF, 0x0102, CF | AF),
            // AAS, 286+: AX - 6 borrows from AH too.
            c("aas borrow", &[0x3F], 0x0203, AF, 0x000D, CF | AF),
            // AAM: 0x3F -> AH = 6, AL = 3.
            c("aam", &[0xD4, 0x0A], 0x003F, CF | OF | AF, 0x0603, PF),
            c("aam 16", &[0xD4, 0x10], 0x00FF, 0, 0x0F0F, PF),
            // AAD: AH = 6, AL = 3 -> 63 = 0x3F.
            c("aad", &[0xD5, 0x0A], 0x0603, CF, 0x003F, PF),
            // AAD flags of the byte add 0xF0 + 0x20 = 0x110.
            c("aad carry", &[0xD5, 0x10], 0x02F0, 0, 0x0010, CF),
            // AAD 0x7F + 0x01: OF and AF.
            c("aad of", &[0xD5, 0x01], 0x017F, 0, 0x0080, OF | AF | SF),
            Case {
                name: "8086 daa af 9a",
                model: CpuModel::I8086,
                ..c("", &[0x27], 0x9A, AF, 0xA0, AF | SF | PF)
            },
            Case {
                name: "8086 das af 00",
                model: CpuModel::I8086,
                ..c("", &[0x2F], 0x00, AF, 0xFA, AF | SF | PF)
            },
            Case {
                name: "8086 aaa no carry",
                model: CpuModel::I8086,
                ..c("", &[0x37], 0x01FA, 0, 0x0200, CF | AF | ZF | PF)
            },
            Case {
                name: "8086 aas no borrow",
                model: CpuModel::I8086,
                ..c("", &[0x3F], 0x0203, AF, 0x010D, CF | AF)
            },
        ];
        for t in &cases {
            let mut cpu = cpu_with(t.model, t.code);
            cpu.state.regs[0] = t.ax;
            cpu.state.flags.set_masked(t.flags_in, ARITH);
            step(&mut cpu);
            assert_eq!(cpu.state.regs[0], t.ax_out, "{}: ax", t.name);
            assert_eq!(
                cpu.state.flags.eflags() & ARITH,
                t.flags_out,
                "{}: flags",
                t.name
            );
            assert_eq!(cpu.state.rip, 0x100 + t.code.len() as u64, "{}: ip", t.name);
        }
    }

    #[test]
    fn aam_zero_raises_de() {
        for (model, pushed_ip) in [(P5, 0x100), (CpuModel::I8086, 0x102)] {
            let mut cpu = cpu_with(model, &[0xD4, 0x00]);
            cpu.state.regs[0] = 0x1234;
            step(&mut cpu);
            assert_eq!(cpu.state.regs[0], 0x1234, "{model:?}");
            assert_eq!(cpu.state.rip, 0, "{model:?}: at the #DE handler");
            assert_eq!(cpu.mem.read(0xFFF8, 2), pushed_ip, "{model:?}: pushed IP");
        }
    }

    #[test]
    fn daa_das_agree_with_decimal_arithmetic() {
        // For all packed BCD a, b: ADD + DAA and SUB + DAS give the decimal
        // result and carry/borrow.
        let bcd = |n: u32| ((n / 10) << 4 | (n % 10)) as u64;
        // add al,bl ; daa ; sub al,bl ; das
        let mut cpu = cpu_with(P5, &[0x00, 0xD8, 0x27, 0x28, 0xD8, 0x2F]);
        for a in 0..100u32 {
            for b in 0..100u32 {
                cpu.state.rip = 0x100;
                cpu.state.regs[0] = bcd(a);
                cpu.state.regs[3] = bcd(b);
                step(&mut cpu);
                step(&mut cpu);
                assert_eq!(cpu.state.regs[0] & 0xFF, bcd((a + b) % 100), "{a}+{b}");
                assert_eq!(cpu.state.flags.cf(), a + b >= 100, "{a}+{b} carry");
                // sub al,bl ; das (from a again)
                cpu.state.regs[0] = bcd(a);
                step(&mut cpu);
                step(&mut cpu);
                assert_eq!(
                    cpu.state.regs[0] & 0xFF,
                    bcd((a + 100 - b) % 100),
                    "{a}-{b}"
                );
                assert_eq!(cpu.state.flags.cf(), a < b, "{a}-{b} borrow");
            }
        }
    }
}
