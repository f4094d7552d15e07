//! Decoding differences of the 8086 and 80286 from the 80386+ encoding that
//! iced-x86 implements.
//!
//! [`prepare`] runs on the fetched bytes before iced-x86 decodes them. For
//! the 8086 it rewrites undocumented aliases into the instruction the chip
//! executes (the 8086 has no invalid opcodes: its decoder ignores opcode
//! and ModR/M bits that later CPUs use; 8086 Family User's Manual, 1979,
//! instruction encoding tables; SingleStepTests 8086 v1 `metadata.json`):
//!
//! | bytes                | 8086 executes                                  |
//! |----------------------|------------------------------------------------|
//! | `F1` (prefix)        | `LOCK` (`F0`)                                  |
//! | `60`–`6F`            | `Jcc rel8` (`70`–`7F`)                         |
//! | `C0`/`C1`, `C8`/`C9` | `RET imm16`/`RET` (`C2`/`C3`), `RETF imm16`/`RETF` (`CA`/`CB`) |
//! | `0F`                 | `POP CS`                                       |
//! | `8C`/`8E` reg 4–7    | segment register `reg & 3`; `8E` reg 1/5 loads CS |
//! | `8F`, `C6`, `C7` reg ≠ 0 | the reg-0 instruction (`POP`/`MOV`)        |
//! | `FF` reg 7           | `PUSH r/m16` (reg 6)                           |
//! | `D8`–`DF` (ESC)      | nothing visible: no coprocessor is fitted      |
//!
//! For the 80286 (real mode; 80286 Programmer's Reference Manual, 1987,
//! §B and Appendix B "Instruction set"):
//! - `LOCK` is never an invalid-opcode cause (only the 80386 rejects LOCK
//!   on instructions that cannot be locked), so a LOCK-prefixed instruction
//!   that is otherwise valid is decoded without iced-x86's LOCK check;
//! - `64`–`67` (386 FS/GS and size prefixes), `MOV Sreg` with reg 4–7,
//!   `BOUND`/`LES`/`LDS` with a register operand and `8F` with reg ≠ 0
//!   raise #UD (iced-x86 would take `62`/`C4`/`C5`/`8F` with those ModR/M
//!   bytes for EVEX/VEX/XOP prefixes);
//! - ESC (`D8`–`DF`) without a coprocessor: #NM when MSW.EM or MSW.TS is
//!   set, else no operation apart from the segment-limit check of a memory
//!   operand (a word at offset FFFF raises #GP, as the hardware does).
//!
//! Not modelled (absent from the test data, behaviour not documented):
//! 8086 `FE` reg 2–7 and `FF` reg 2–5 with register operands, and
//! `LEA`/`LES`/`LDS` with register operands; iced-x86 rejects them and
//! the CPU raises #UD, which the 8086 does not have.

use super::access::Access;
use super::decode::{DecodedInsn, Handler};
use super::exception::{ExResult, Exception};
use super::model::CpuModel;
use super::state::{cr0, SegReg};
use super::Cpu;
use iced_x86::{Decoder, DecoderOptions, OpKind};

/// What decoding needs to know after [`prepare`].
#[derive(Clone, Copy, Debug)]
pub struct Legacy {
    /// iced-x86 decoder options.
    pub options: u32,
    /// A handler replacing the one the decoded mnemonic would select.
    pub handler: Option<Handler>,
}

const PLAIN: Legacy = Legacy {
    options: DecoderOptions::NONE,
    handler: None,
};

/// Pentium-class decoding: `F3 0F BC`/`F3 0F BD` are `REP BSF`/`REP BSR`
/// (the prefix is ignored), as on every CPU without BMI1/LZCNT; iced-x86
/// would otherwise decode them as TZCNT/LZCNT, which this model lacks.
/// Linux relies on this: its `_find_first_bit` is written as `rep; bsf`.
const PENTIUM: Legacy = Legacy {
    options: DecoderOptions::NO_MPFX_0FBC | DecoderOptions::NO_MPFX_0FBD,
    handler: None,
};

/// Prefixes the 8086 knows (F1 is an undocumented LOCK alias).
fn is_8086_prefix(b: u8) -> bool {
    matches!(b, 0x26 | 0x2E | 0x36 | 0x3E | 0xF0 | 0xF1 | 0xF2 | 0xF3)
}

/// Prefixes the 80286 knows.
fn is_286_prefix(b: u8) -> bool {
    matches!(b, 0x26 | 0x2E | 0x36 | 0x3E | 0xF0 | 0xF2 | 0xF3)
}

/// Rewrite the fetched `bytes` for the CPU `model` and say how to decode
/// them. Errors are the exception the instruction raises at decode time.
#[inline]
pub fn prepare(model: CpuModel, bytes: &mut [u8; 15]) -> ExResult<Legacy> {
    match model {
        CpuModel::I8086 => Ok(prepare_8086(bytes)),
        CpuModel::I80286 => prepare_286(bytes),
        _ => Ok(PENTIUM),
    }
}

fn prepare_8086(bytes: &mut [u8; 15]) -> Legacy {
    let mut out = Legacy {
        // No invalid opcodes on the 8086: accept LOCK anywhere, MOV CS, …
        options: DecoderOptions::NO_INVALID_CHECK,
        handler: None,
    };
    let mut i = 0;
    while i < bytes.len() && is_8086_prefix(bytes[i]) {
        if bytes[i] == 0xF1 {
            bytes[i] = 0xF0;
        }
        i += 1;
    }
    if i + 1 >= bytes.len() {
        return out; // only prefixes: iced reports it as too long
    }
    let op = bytes[i];
    let reg = (bytes[i + 1] >> 3) & 7;
    match op {
        0x60..=0x6F => bytes[i] = op + 0x10,
        0xC0 | 0xC1 | 0xC8 | 0xC9 => bytes[i] = op + 2,
        0x0F => {
            bytes[i] = 0x07; // decoded as POP ES (one byte)
            out.handler = Some(pop_cs);
        }
        0x8C | 0x8E => {
            bytes[i + 1] &= !0x20; // reg & 3
            if op == 0x8E && reg & 3 == 1 {
                out.handler = Some(mov_cs);
            }
        }
        0x8F | 0xC6 | 0xC7 => bytes[i + 1] &= !0x38,
        0xFF if reg == 7 => bytes[i + 1] &= !0x08,
        0xD8..=0xDF => {
            // Same ModR/M length as ESC; the handler does nothing.
            bytes[i] = 0x88;
            out.handler = Some(esc_8086);
        }
        _ => {}
    }
    out
}

fn prepare_286(bytes: &mut [u8; 15]) -> ExResult<Legacy> {
    let mut out = PLAIN;
    let mut i = 0;
    let mut lock = false;
    while i < bytes.len() {
        match bytes[i] {
            0x64..=0x67 => return Err(Exception::InvalidOpcode),
            b if is_286_prefix(b) => lock |= b == 0xF0,
            _ => break,
        }
        i += 1;
    }
    if i + 1 >= bytes.len() {
        return Ok(out);
    }
    let op = bytes[i];
    let modrm = bytes[i + 1];
    let reg = (modrm >> 3) & 7;
    match op {
        0x8C | 0x8E if reg >= 4 => return Err(Exception::InvalidOpcode),
        // BOUND/LES/LDS with a register operand and POP r/m with reg ≠ 0
        // are invalid; iced-x86 would read them as EVEX/VEX/XOP prefixes.
        0x62 | 0xC4 | 0xC5 if modrm >= 0xC0 => return Err(Exception::InvalidOpcode),
        0x8F if reg != 0 => return Err(Exception::InvalidOpcode),
        0xD8..=0xDF => {
            bytes[i] = 0x88;
            out.handler = Some(esc_286);
        }
        _ => {}
    }
    if lock && lock_is_only_fault(bytes) {
        out.options = DecoderOptions::NO_INVALID_CHECK;
    }
    Ok(out)
}

/// Whether `bytes` decode as a valid instruction once their LOCK prefixes
/// are ignored (replaced by a DS override, which never affects validity).
fn lock_is_only_fault(bytes: &[u8; 15]) -> bool {
    let mut copy = *bytes;
    for b in copy.iter_mut().take_while(|b| is_286_prefix(**b)) {
        if *b == 0xF0 {
            *b = 0x3E;
        }
    }
    !Decoder::with_ip(16, &copy, 0, DecoderOptions::NONE)
        .decode()
        .is_invalid()
}

/// 8086 `0F`: POP CS.
fn pop_cs(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let v = cpu.pop(2)? as u16;
    cpu.load_seg(SegReg::Cs, v)
}

/// 8086 `8E /1`: MOV CS, r/m16 (execution continues at the new CS with
/// the IP of the next instruction).
fn mov_cs(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let v = cpu.read_op(d, 1, 2)? as u16;
    cpu.load_seg(SegReg::Cs, v)
}

/// 8086 ESC without a coprocessor: the bus read of a memory operand has no
/// architectural effect.
fn esc_8086(_cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    Ok(())
}

/// 80286 ESC without a coprocessor (see the module docs).
fn esc_286(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    if cpu.state.cr0 & (cr0::EM | cr0::TS) != 0 {
        return Err(Exception::DeviceNotAvailable);
    }
    if d.insn.op0_kind() == OpKind::Memory {
        let off = cpu.ea(d);
        cpu.linear(cpu.mem_seg(d), off, 2, Access::Read)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::state::gpr;

    fn rewritten(model: CpuModel, code: &[u8]) -> ExResult<([u8; 15], bool, u32)> {
        let mut b = [0x90u8; 15];
        b[..code.len()].copy_from_slice(code);
        let l = prepare(model, &mut b)?;
        Ok((b, l.handler.is_some(), l.options))
    }

    #[test]
    fn aliases_8086() {
        // (input, expected first bytes, substituted handler)
        let cases: &[(&[u8], &[u8], bool)] = &[
            (&[0x64, 0x05], &[0x74, 0x05], false),
            (&[0x26, 0x6F, 0x05], &[0x26, 0x7F, 0x05], false),
            (&[0xC0, 0x02, 0x00], &[0xC2, 0x02, 0x00], false),
            (&[0xC1], &[0xC3], false),
            (&[0xC8, 0x02, 0x00], &[0xCA, 0x02, 0x00], false),
            (&[0xC9], &[0xCB], false),
            (&[0xF1, 0x01, 0x07], &[0xF0, 0x01, 0x07], false),
            (&[0x0F], &[0x07], true),
            (&[0x8E, 0xFE], &[0x8E, 0xDE], false), // reg 7 -> DS
            (&[0x8C, 0x63, 0x64], &[0x8C, 0x43, 0x64], false), // reg 4 -> ES
            (&[0x8E, 0xC8], &[0x8E, 0xC8], true),  // MOV CS, AX
            (&[0x8E, 0xE8], &[0x8E, 0xC8], true),  // reg 5 -> CS
            (&[0xC6, 0x7F, 0x01, 0x02], &[0xC6, 0x47, 0x01, 0x02], false),
            (&[0x8F, 0x38], &[0x8F, 0x00], false),
            (&[0xFF, 0x3F], &[0xFF, 0x37], false),
            (&[0xFF, 0x2F], &[0xFF, 0x2F], false), // JMP FAR m: unchanged
            (&[0xDB, 0x14], &[0x88, 0x14], true),
        ];
        for &(input, want, sub) in cases {
            let (b, h, opts) = rewritten(CpuModel::I8086, input).unwrap();
            assert_eq!(&b[..want.len()], want, "{input:02X?}");
            assert_eq!(h, sub, "{input:02X?}");
            assert_eq!(opts, DecoderOptions::NO_INVALID_CHECK);
        }
    }

    #[test]
    fn later_models_are_untouched() {
        let (b, h, opts) = rewritten(CpuModel::Pentium, &[0x64, 0x8B, 0x07]).unwrap();
        assert_eq!(&b[..3], &[0x64, 0x8B, 0x07]);
        assert!(!h);
        assert_eq!(
            opts,
            DecoderOptions::NO_MPFX_0FBC | DecoderOptions::NO_MPFX_0FBD
        );
    }

    #[test]
    fn rules_286() {
        // Invalid: 386 prefixes, MOV FS/GS, register forms, 8F reg != 0.
        for code in [
            &[0x66, 0x40][..],
            &[0x64, 0x8B, 0x07],
            &[0x8E, 0xE0],
            &[0x8C, 0x27],
            // lds di, bp with prefixes (iced: a VEX vpshufd)
            &[0x26, 0x2E, 0xC5, 0xFD, 0x70, 0x90, 0xBB, 0x78, 0xB6],
            &[0xC4, 0xC0],
            &[0x62, 0xC1],
            &[0x8F, 0xC8],
        ] {
            assert_eq!(
                rewritten(CpuModel::I80286, code).err(),
                Some(Exception::InvalidOpcode),
                "{code:02X?}"
            );
        }
        // LOCK on a register destination: decoded without the LOCK check.
        let (_, _, opts) = rewritten(CpuModel::I80286, &[0xF0, 0x02, 0x7A, 0x91]).unwrap();
        assert_eq!(opts, DecoderOptions::NO_INVALID_CHECK);
        // LOCK on something invalid anyway stays invalid (strict decode).
        let (_, _, opts) = rewritten(CpuModel::I80286, &[0xF0, 0x8D, 0xC0]).unwrap();
        assert_eq!(opts, DecoderOptions::NONE);
        // ESC.
        let (b, h, _) = rewritten(CpuModel::I80286, &[0x3E, 0xD8, 0x05]).unwrap();
        assert_eq!(&b[..3], &[0x3E, 0x88, 0x05]);
        assert!(h);
    }

    #[test]
    fn executing_8086_aliases() {
        // 0x64 = JZ on the 8086: ZF is clear after reset, so not taken.
        let mut cpu = cpu_with(CpuModel::I8086, &[0x64, 0x10]);
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0x102);
        // POP CS
        let mut cpu = cpu_with(CpuModel::I8086, &[0x0F]);
        cpu.state.regs[gpr::RSP] = 0x1000;
        cpu.mem.write(0x1000, 2, 0x1234);
        step(&mut cpu);
        assert_eq!(cpu.state.seg[SegReg::Cs as usize].selector, 0x1234);
        assert_eq!(cpu.state.seg[SegReg::Cs as usize].base, 0x12340);
        assert_eq!((cpu.state.rip, cpu.state.regs[gpr::RSP]), (0x101, 0x1002));
        // MOV ES via reg 4 (8E E0 = mov es, ax on the 8086)
        let mut cpu = cpu_with(CpuModel::I8086, &[0x8E, 0xE0]);
        cpu.state.regs[gpr::RAX] = 0xBEEF;
        step(&mut cpu);
        assert_eq!(cpu.state.seg[SegReg::Es as usize].selector, 0xBEEF);
        // ESC with a memory operand and two prefixes: only IP moves.
        let mut cpu = cpu_with(CpuModel::I8086, &[0x26, 0xF1, 0xDD, 0x87, 0x34, 0x12]);
        let before = cpu.state.clone();
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0x106);
        assert_eq!(cpu.state.regs, before.regs);
    }

    #[test]
    fn esc_on_the_286() {
        // fadd dword [bx], BX = 0xFFFF: segment overrun (#GP) at the ESC.
        let mut cpu = cpu_with(CpuModel::I80286, &[0xD8, 0x07]);
        cpu.state.regs[gpr::RBX] = 0xFFFF;
        cpu.mem.write(13 * 4, 4, 0x2000_0300); // IVT[13] = 2000:0300
        step(&mut cpu);
        assert_eq!(cpu.state.seg[SegReg::Cs as usize].selector, 0x2000);
        assert_eq!(cpu.state.rip, 0x300);
        // In range: a no-op.
        let mut cpu = cpu_with(CpuModel::I80286, &[0xD8, 0x07]);
        cpu.state.regs[gpr::RBX] = 0xFFFE;
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0x102);
        // MSW.EM set: #NM (vector 7).
        let mut cpu = cpu_with(CpuModel::I80286, &[0xD8, 0x07]);
        cpu.state.cr0 |= cr0::EM;
        cpu.mem.write(7 * 4, 4, 0x3000_0400);
        step(&mut cpu);
        assert_eq!(cpu.state.seg[SegReg::Cs as usize].selector, 0x3000);
    }
}
