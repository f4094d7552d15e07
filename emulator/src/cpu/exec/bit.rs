//! Bit and byte instructions: BT, BTS, BTR, BTC, BSF, BSR, BSWAP, SETcc,
//! CMOVcc (SDM Vol. 2A "BT", "BTC", "BTR", "BTS", "BSF", "BSR", "BSWAP",
//! "CMOVcc"; Vol. 2B "SETcc"; Vol. 1 §7.3.7, §7.3.1.1).
//!
//! BT* with a register bit offset and a memory operand address a bit string
//! beyond the operand: the offset is signed and selects the word/dword at
//! EA + size × (offset SAR log2(bits)) (wrapping in the address size). With
//! an immediate or a register destination the offset is taken modulo the
//! operand width.
//!
//! Undefined behaviour, as chosen here:
//! - BT*: CF = the selected bit; OF, SF, AF, PF (undefined) and ZF
//!   (unaffected) are all left unchanged.
//! - BSF/BSR with a zero source: ZF = 1, the destination and the other
//!   flags are unchanged (what Intel and AMD processors do). With a
//!   non-zero source: ZF = 0 and the undefined CF, OF, SF, AF are cleared,
//!   PF is the parity of the index (Bochs's model of P6 behaviour).
//! - BSWAP r16 (undefined): the low word becomes 0, the upper half of the
//!   32-bit register is kept (Intel behaviour).
//! - CMOVcc: the source is read (and may fault) whatever the condition; a
//!   false condition leaves the destination unchanged, also for 32-bit
//!   operands (legacy modes do not zero-extend).

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::exec::condition;
use crate::cpu::flags::{parity, CF, PF, ZF};
use crate::cpu::state::size_mask;
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic, OpKind};

/// BT-family operations (const parameter of [`bit_test`]).
const BT: u8 = 0;
const BTS: u8 = 1;
const BTR: u8 = 2;
const BTC: u8 = 3;

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    use Mnemonic::*;
    Some(match insn.mnemonic() {
        Bt => bit_test::<BT>,
        Bts => bit_test::<BTS>,
        Btr => bit_test::<BTR>,
        Btc => bit_test::<BTC>,
        Bsf => bit_scan::<true>,
        Bsr => bit_scan::<false>,
        Bswap => bswap,
        Seto | Setno | Setb | Setae | Sete | Setne | Setbe | Seta | Sets | Setns | Setp | Setnp
        | Setl | Setge | Setle | Setg => setcc,
        Cmovo | Cmovno | Cmovb | Cmovae | Cmove | Cmovne | Cmovbe | Cmova | Cmovs | Cmovns
        | Cmovp | Cmovnp | Cmovl | Cmovge | Cmovle | Cmovg => cmovcc,
        _ => return None,
    })
}

/// The new value of `v` after setting/clearing/complementing `mask`.
#[inline]
fn apply<const OP: u8>(v: u64, mask: u64) -> u64 {
    match OP {
        BTS => v | mask,
        BTR => v & !mask,
        BTC => v ^ mask,
        _ => v,
    }
}

/// BT, BTS, BTR, BTC r/m16/32, r16/32|imm8.
fn bit_test<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let bits = size * 8;
    let raw = cpu.read_op(d, 1, size)?;
    let by_reg = d.insn.op1_kind() == OpKind::Register;
    let bit_mask = |off: u64| 1u64 << (off & u64::from(bits - 1));
    if d.insn.op0_kind() != OpKind::Memory {
        let r = d.insn.op0_register();
        let v = cpu.state.get_reg(r);
        let mask = bit_mask(raw);
        if OP != BT {
            cpu.state.set_reg(r, apply::<OP>(v, mask));
        }
        cpu.state.flags.set(CF, v & mask != 0);
        return Ok(());
    }
    let seg = cpu.mem_seg(d);
    let mut off = cpu.ea(d);
    if by_reg {
        // Signed bit offset: whole operands before or after EA.
        let shift = 64 - bits;
        let signed = ((raw << shift) as i64) >> shift;
        let units = signed >> bits.trailing_zeros();
        off = off.wrapping_add((units as u64).wrapping_mul(u64::from(size))) & d.amask();
    }
    let v = cpu.read_mem(seg, off, size)?;
    let mask = bit_mask(raw);
    if OP != BT {
        cpu.check_write(seg, off, size)?;
        cpu.write_mem(seg, off, size, apply::<OP>(v, mask))?;
    }
    cpu.state.flags.set(CF, v & mask != 0);
    Ok(())
}

/// BSF (`FORWARD`) / BSR r16/32, r/m16/32.
fn bit_scan<const FORWARD: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let src = cpu.read_op(d, 1, size)? & size_mask(size);
    if src == 0 {
        cpu.state.flags.set(ZF, true);
        return Ok(());
    }
    let index = if FORWARD {
        src.trailing_zeros()
    } else {
        63 - src.leading_zeros()
    };
    cpu.write_op(d, 0, size, u64::from(index))?;
    let pf = if parity(u64::from(index)) { PF } else { 0 };
    cpu.state.flags.set_arith(pf);
    Ok(())
}

/// BSWAP r32 (and the undefined r16 form, see the module docs).
fn bswap(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let r = d.insn.op0_register();
    let v = cpu.state.get_reg(r);
    let out = if d.os() == 4 {
        u64::from((v as u32).swap_bytes())
    } else {
        0
    };
    cpu.state.set_reg(r, out);
    Ok(())
}

/// SETcc r/m8.
fn setcc(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let v = condition(&cpu.state.flags, d.insn.condition_code());
    cpu.write_op(d, 0, 1, u64::from(v))
}

/// CMOVcc r16/32, r/m16/32.
fn cmovcc(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let v = cpu.read_op(d, 1, size)?;
    if condition(&cpu.state.flags, d.insn.condition_code()) {
        cpu.write_op(d, 0, size, v)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::flags::*;
    use crate::cpu::CpuModel;

    struct Case {
        name: &'static str,
        code: &'static [u8],
        ax: u64,
        bx: u64,
        flags_in: u32,
        ax_out: u64,
        bx_out: u64,
        flags_out: u32,
    }

    #[allow(clippy::too_many_arguments)]
    fn c(
        name: &'static str,
        code: &'static [u8],
        ax: u64,
        bx: u64,
        flags_in: u32,
        ax_out: u64,
        bx_out: u64,
        flags_out: u32,
    ) -> Case {
        Case {
            name,
            code,
            ax,
            bx,
            flags_in,
            ax_out,
            bx_out,
            flags_out,
        }
    }

    #[test]
    fn register_forms() {
        let all = CF | PF | AF | ZF | SF | OF;
        let cases = [
            // bt ax,bx (0F A3): bit 17 mod 16 = 1 of 0x0002.
            c("bt ax,bx", &[0x0F, 0xA3, 0xD8], 2, 17, ZF, 2, 17, ZF | CF),
            // bts ax,5 (0F BA /5 ib): sets bit 5, CF = old 0; others kept.
            c(
                "bts ax,5",
                &[0x0F, 0xBA, 0xE8, 5],
                0,
                0,
                all,
                0x20,
                0,
                all & !CF,
            ),
            // btr eax,31 with imm 63 -> 31.
            c(
                "btr eax,63",
                &[0x66, 0x0F, 0xBA, 0xF0, 63],
                0x8000_0001,
                0,
                0,
                1,
                0,
                CF,
            ),
            // btc ax,bx.
            c(
                "btc ax,bx",
                &[0x0F, 0xBB, 0xD8],
                0x00FF,
                3,
                0,
                0x00F7,
                3,
                CF,
            ),
            // bsf ax,bx: lowest set bit of 0x0A00 is 9; PF(9) = even (2 bits).
            c(
                "bsf ax,bx",
                &[0x0F, 0xBC, 0xC3],
                0x1234,
                0x0A00,
                all,
                9,
                0x0A00,
                PF,
            ),
            // bsr eax,ebx: highest set bit of 0x8000_0001 is 31 (5 bits: odd).
            c(
                "bsr eax,ebx",
                &[0x66, 0x0F, 0xBD, 0xC3],
                0,
                0x8000_0001,
                ZF,
                31,
                0x8000_0001,
                0,
            ),
            // bsf with zero source: ZF set, destination and flags kept.
            c(
                "bsf zero",
                &[0x0F, 0xBC, 0xC3],
                0x1234,
                0,
                CF | SF,
                0x1234,
                0,
                CF | SF | ZF,
            ),
            // bsf ax,bx with bx = 0 but upper bits of ebx set: 16-bit source is 0.
            c(
                "bsf 16-bit",
                &[0x0F, 0xBC, 0xC3],
                7,
                0x1_0000,
                0,
                7,
                0x1_0000,
                ZF,
            ),
            // bswap eax.
            c(
                "bswap eax",
                &[0x66, 0x0F, 0xC8],
                0x1234_5678,
                0,
                0,
                0x7856_3412,
                0,
                0,
            ),
            // bswap ax (undefined): low word cleared.
            c(
                "bswap ax",
                &[0x0F, 0xC8],
                0x1234_5678,
                0,
                0,
                0x1234_0000,
                0,
                0,
            ),
            // setc al / setnz bl / setle al.
            c("setb al", &[0x0F, 0x92, 0xC0], 0xFF00, 0, CF, 0xFF01, 0, CF),
            c("setne bl", &[0x0F, 0x95, 0xC3], 0, 0x55, ZF, 0, 0x00, ZF),
            c("setle al", &[0x0F, 0x9E, 0xC0], 0, 0, SF, 1, 0, SF),
            c("setg al", &[0x0F, 0x9F, 0xC0], 0, 0, SF | OF, 1, 0, SF | OF),
            // cmovz ax,bx taken / not taken.
            c("cmovz taken", &[0x0F, 0x44, 0xC3], 1, 2, ZF, 2, 2, ZF),
            c("cmovz not", &[0x0F, 0x44, 0xC3], 1, 2, 0, 1, 2, 0),
            // 32-bit cmov with a false condition leaves the whole register.
            c(
                "cmova eax not",
                &[0x66, 0x0F, 0x47, 0xC3],
                0xFFFF_FFFF_1234_5678,
                2,
                CF,
                0xFFFF_FFFF_1234_5678,
                2,
                CF,
            ),
            c(
                "cmovl eax",
                &[0x66, 0x0F, 0x4C, 0xC3],
                0,
                0xDEAD_BEEF,
                OF,
                0xDEAD_BEEF,
                0xDEAD_BEEF,
                OF,
            ),
        ];
        for t in &cases {
            let mut cpu = cpu_with(CpuModel::Pentium, t.code);
            cpu.state.regs[0] = t.ax;
            cpu.state.regs[3] = t.bx;
            cpu.state.flags.set_masked(t.flags_in, ARITH);
            step(&mut cpu);
            assert_eq!(cpu.state.regs[0], t.ax_out, "{}: ax", t.name);
            assert_eq!(cpu.state.regs[3], t.bx_out, "{}: bx", t.name);
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
    fn memory_bit_strings() {
        struct M {
            name: &'static str,
            code: &'static [u8],
            offset: u64,
            /// Byte address whose value changes, with the expected value.
            addr: u32,
            after: u64,
            cf: bool,
        }
        // Memory at 0x2000..0x2010 holds 0x00, 0x01, 0x02, ... ; BX = 0x2008.
        let cases = [
            // bt [bx],ax with ax = 3: bit 3 of word 0x0908 = 1.
            M {
                name: "bt word +3",
                code: &[0x0F, 0xA3, 0x07],
                offset: 3,
                addr: 0x2008,
                after: 0x08,
                cf: true,
            },
            // bts [bx],ax with ax = 20: word at bx+2, bit 4 of 0x0B0A -> 0x0B1A.
            M {
                name: "bts word +20",
                code: &[0x0F, 0xAB, 0x07],
                offset: 20,
                addr: 0x200A,
                after: 0x1A,
                cf: false,
            },
            // btr [bx],ax with ax = -13 (0xFFF3): word at bx-2 (0x0706), bit 3
            // is already clear: nothing changes, CF = 0.
            M {
                name: "btr word -13",
                code: &[0x0F, 0xB3, 0x07],
                offset: 0xFFF3,
                addr: 0x2006,
                after: 0x06,
                cf: false,
            },
            // btc [bx],ax with ax = -16: word at bx-2, bit 0 of 0x06 -> 0x07.
            M {
                name: "btc word -16",
                code: &[0x0F, 0xBB, 0x07],
                offset: 0xFFF0,
                addr: 0x2006,
                after: 0x07,
                cf: false,
            },
            // 32-bit: bts dword [bx],eax with eax = -1: dword at bx-4, bit 31 of 0x07060504 -> set.
            M {
                name: "bts dword -1",
                code: &[0x66, 0x0F, 0xAB, 0x07],
                offset: 0xFFFF_FFFF,
                addr: 0x2007,
                after: 0x87,
                cf: false,
            },
            // Immediate offsets stay within the operand: bts word [bx],17 -> bit 1.
            M {
                name: "bts word imm 17",
                code: &[0x0F, 0xBA, 0x2F, 17],
                offset: 0,
                addr: 0x2008,
                after: 0x0A,
                cf: false,
            },
            // btr dword [bx],35 -> bit 3 of 0x08 -> cleared, CF = 1.
            M {
                name: "btr dword imm 35",
                code: &[0x66, 0x0F, 0xBA, 0x37, 35],
                offset: 0,
                addr: 0x2008,
                after: 0x00,
                cf: true,
            },
        ];
        for t in &cases {
            let mut cpu = cpu_with(CpuModel::Pentium, t.code);
            for i in 0..16u32 {
                cpu.mem.write_u8(0x2000 + i, i as u8);
            }
            cpu.state.regs[3] = 0x2008;
            cpu.state.regs[0] = t.offset;
            step(&mut cpu);
            assert_eq!(cpu.state.rip, 0x100 + t.code.len() as u64, "{}: ip", t.name);
            assert_eq!(cpu.state.flags.cf(), t.cf, "{}: cf", t.name);
            for i in 0..16u32 {
                let want = if 0x2000 + i == t.addr {
                    t.after
                } else {
                    u64::from(i)
                };
                assert_eq!(
                    u64::from(cpu.mem.read_u8(0x2000 + i)),
                    want,
                    "{}: byte {i}",
                    t.name
                );
            }
        }
    }

    #[test]
    fn memory_source_read_even_when_false() {
        // cmovz ax,[bx] with ZF=0 and bx = 0xFFFF: the word read faults
        // (#GP in real mode on a 286+), so IP goes to the handler.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x0F, 0x44, 0x07]);
        cpu.state.regs[3] = 0xFFFF;
        cpu.state.regs[0] = 0x1234;
        step(&mut cpu);
        assert_eq!(cpu.state.regs[0], 0x1234);
        assert_eq!(cpu.state.rip, 0, "at the #GP handler");
        // Same with the condition true but in range: loads.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x0F, 0x44, 0x07]);
        cpu.state.regs[3] = 0x2000;
        cpu.mem.write(0x2000, 2, 0xBEEF);
        cpu.state.flags.set(ZF, true);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[0], 0xBEEF);
        // setcc to memory.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x0F, 0x94, 0x07]);
        cpu.state.regs[3] = 0x2000;
        cpu.mem.write(0x2000, 1, 0x55);
        cpu.state.flags.set(ZF, true);
        step(&mut cpu);
        assert_eq!(cpu.mem.read(0x2000, 1), 1);
    }

    #[test]
    fn rep_bsf_and_rep_bsr_are_bit_scans_without_bmi1() {
        // F3 0F BC / F3 0F BD: TZCNT/LZCNT on BMI1/LZCNT CPUs, BSF/BSR with
        // an ignored REP prefix on this model (Linux's `rep; bsf`). A
        // TZCNT of 0x50 would also be 4, so check ZF and a zero source:
        // BSF leaves the destination and sets ZF; TZCNT would write 16.
        for (code, src, dst, want, zf) in [
            ([0xF3, 0x0F, 0xBC, 0xC8], 0x50u64, 0x77u64, 4u64, false), // rep bsf cx,ax
            ([0xF3, 0x0F, 0xBD, 0xC8], 0x50, 0x77, 6, false),          // rep bsr cx,ax
            ([0xF3, 0x0F, 0xBC, 0xC8], 0, 0x77, 0x77, true),
            ([0xF3, 0x0F, 0xBD, 0xC8], 0, 0x77, 0x77, true),
        ] {
            let mut cpu = cpu_with(CpuModel::Pentium, &code);
            cpu.state.regs[0] = src;
            cpu.state.regs[1] = dst;
            step(&mut cpu);
            assert_eq!(cpu.state.rip, 0x104, "{code:02X?}: no #UD (code at 100h)");
            assert_eq!(cpu.state.regs[1], want, "{code:02X?} src {src:#x}");
            assert_eq!(cpu.state.flags.get(ZF), zf, "{code:02X?} src {src:#x}");
        }
    }

    #[test]
    fn not_on_older_models() {
        // BT is a 386 instruction: #UD on the 80286 (vector 6).
        let mut cpu = cpu_with(CpuModel::I80286, &[0x0F, 0xA3, 0xD8]);
        cpu.mem.write(6 * 4, 4, 0x1234_0000);
        step(&mut cpu);
        assert_eq!(
            cpu.state.seg[crate::cpu::SegReg::Cs as usize].selector,
            0x1234
        );
    }
}
