//! Operand access and availability checks shared by the SIMD handlers
//! (MMX, SSE, SSE2 integer and move instructions).
//!
//! - Availability (SDM Vol. 3A §2.5 CR0.EM/TS and CR4.OSFXSR, and the
//!   chapter on system programming for SSE, table "Action Taken for
//!   Combinations of OSFXSR, OSXMMEXCPT, SSE, SSE2, EM, MP, and TS"):
//!   SSE/SSE2 instructions raise #UD when CR0.EM is set or CR4.OSFXSR is
//!   clear, else #NM when CR0.TS is set ([`check_sse`]); MMX instructions
//!   raise #UD when CR0.EM is set, else #NM when CR0.TS is set
//!   ([`check_mmx`]).
//! - 128-bit memory operands of legacy-SSE instructions must be 16-byte
//!   aligned (linear address) unless the instruction is an unaligned form
//!   (MOVUPS, MOVDQU, ...): a misaligned operand raises #GP(0) (SDM Vol. 1
//!   §10.4.1.1, §11.4.1). [`read_m128`] / [`write_m128`] check the whole
//!   16 bytes against the segment limit and (for writes) paging before
//!   touching memory, so a fault leaves no partial effect.
//!
//! Status of the SIMD families (issue 4): every MMX instruction, the SSE/
//! SSE2 integer, move, shuffle, pack/unpack, cacheability-control and state
//! instructions (`sse_int*.rs`, `sse_mov*.rs`, `mmx.rs`, `fxsave.rs`) are
//! implemented; the SSE/SSE2 floating-point ones live in `sse_fp*.rs`.
//! Not done here: MOV CR4 (`exec/system.rs`) does not accept OSFXSR or
//! OSXMMEXCPT yet, so a guest cannot enable SSE (SSE instructions then
//! raise #UD, as on a CPU whose OS has not enabled them), and CPUID does
//! not advertise MMX/FXSR/SSE/SSE2.

use crate::cpu::access::Access;
use crate::cpu::decode::DecodedInsn;
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::state::cr0;
use crate::cpu::Cpu;
use iced_x86::{OpKind, Register};

/// CR4.OSFXSR: the OS supports FXSAVE/FXRSTOR and SSE (SDM Vol. 3A §2.5).
pub const CR4_OSFXSR: u64 = 1 << 9;
/// CR4.OSXMMEXCPT: the OS handles #XM (unmasked SIMD floating-point
/// exceptions); clear, they raise #UD (SDM Vol. 3A §2.5).
pub const CR4_OSXMMEXCPT: u64 = 1 << 10;

/// MXCSR_MASK (SDM Vol. 1 §11.6.6): the MXCSR bits software may set. With
/// DAZ (bit 6) supported this is 0xFFFF; LDMXCSR or FXRSTOR of a value with
/// any of bits 16–31 set raises #GP(0).
pub const MXCSR_MASK: u32 = 0xFFFF;

/// SSE/SSE2 availability: #UD if CR0.EM or !CR4.OSFXSR, else #NM if CR0.TS.
#[inline]
pub fn check_sse(cpu: &Cpu) -> ExResult {
    let s = &cpu.state;
    if s.cr0 & cr0::EM != 0 || s.cr4 & CR4_OSFXSR == 0 {
        return Err(Exception::InvalidOpcode);
    }
    if s.cr0 & cr0::TS != 0 {
        return Err(Exception::DeviceNotAvailable);
    }
    Ok(())
}

/// MMX availability: #UD if CR0.EM, else #NM if CR0.TS.
#[inline]
pub fn check_mmx(cpu: &Cpu) -> ExResult {
    let s = &cpu.state;
    if s.cr0 & cr0::EM != 0 {
        return Err(Exception::InvalidOpcode);
    }
    if s.cr0 & cr0::TS != 0 {
        return Err(Exception::DeviceNotAvailable);
    }
    Ok(())
}

/// Index 0–7 of an XMM register named by iced-x86.
#[inline]
pub fn xmm_index(r: Register) -> usize {
    (r as usize).wrapping_sub(Register::XMM0 as usize) & 7
}

/// Whether `r` is an XMM register.
#[inline]
pub fn is_xmm(r: Register) -> bool {
    (Register::XMM0 as usize..=Register::XMM15 as usize).contains(&(r as usize))
}

/// Whether `r` is an MMX register.
#[inline]
pub fn is_mm(r: Register) -> bool {
    (Register::MM0 as usize..=Register::MM7 as usize).contains(&(r as usize))
}

/// Whether any register operand of the instruction is an MMX register
/// (the MMX-register forms of instructions whose XMM forms are SSE/SSE2).
pub fn uses_mm(insn: &iced_x86::Instruction) -> bool {
    (0..insn.op_count()).any(|n| insn.op_kind(n) == OpKind::Register && is_mm(insn.op_register(n)))
}

/// Whether any register operand of the instruction is an XMM register.
pub fn uses_xmm(insn: &iced_x86::Instruction) -> bool {
    (0..insn.op_count()).any(|n| insn.op_kind(n) == OpKind::Register && is_xmm(insn.op_register(n)))
}

/// XMM register of operand `n`.
#[inline]
pub fn xmm_of(d: &DecodedInsn, n: u32) -> usize {
    xmm_index(d.insn.op_register(n))
}

/// Segment and offset of the memory operand.
#[inline]
pub fn mem_loc(cpu: &Cpu, d: &DecodedInsn) -> (crate::cpu::SegReg, u64) {
    (cpu.mem_seg(d), cpu.ea(d))
}

/// Check `size` bytes at `seg:off` against the segment (limit and type)
/// and, when `align16`, that the linear address is 16-byte aligned.
#[inline]
pub fn check_range(
    cpu: &Cpu,
    seg: crate::cpu::SegReg,
    off: u64,
    size: u32,
    access: Access,
    align16: bool,
) -> ExResult {
    if cpu.model == crate::cpu::CpuModel::I8086 {
        return Ok(());
    }
    let lin = cpu.linear(seg, off, size, access)?;
    if align16 && lin & 15 != 0 {
        return Err(Exception::GeneralProtection(0));
    }
    Ok(())
}

/// Read 16 bytes at `seg:off` (little-endian), #GP(0) when `align16` and
/// the linear address is misaligned.
pub fn read_m128_at(
    cpu: &mut Cpu,
    seg: crate::cpu::SegReg,
    off: u64,
    align16: bool,
) -> ExResult<u128> {
    check_range(cpu, seg, off, 16, Access::Read, align16)?;
    let lo = cpu.read_mem(seg, off, 8)?;
    let hi = cpu.read_mem(seg, off + 8, 8)?;
    Ok(u128::from(lo) | (u128::from(hi) << 64))
}

/// Write 16 bytes at `seg:off`; the whole range is checked (segment,
/// alignment, paging) before the first byte is written.
pub fn write_m128_at(
    cpu: &mut Cpu,
    seg: crate::cpu::SegReg,
    off: u64,
    align16: bool,
    v: u128,
) -> ExResult {
    check_range(cpu, seg, off, 16, Access::Write, align16)?;
    cpu.check_write(seg, off, 16)?;
    cpu.write_mem(seg, off, 8, v as u64)?;
    cpu.write_mem(seg, off + 8, 8, (v >> 64) as u64)
}

/// Read the 128-bit memory operand.
#[inline]
pub fn read_m128(cpu: &mut Cpu, d: &DecodedInsn, align16: bool) -> ExResult<u128> {
    let (seg, off) = mem_loc(cpu, d);
    read_m128_at(cpu, seg, off, align16)
}

/// Write the 128-bit memory operand.
#[inline]
pub fn write_m128(cpu: &mut Cpu, d: &DecodedInsn, align16: bool, v: u128) -> ExResult {
    let (seg, off) = mem_loc(cpu, d);
    write_m128_at(cpu, seg, off, align16, v)
}

/// Source operand `n` as 128 bits: an XMM register, an MMX register
/// (zero-extended; `mm` reads it), a general register (zero-extended), or
/// memory of the instruction's memory size (16 bytes: aligned when
/// `align16`; 8, 4, 2 or 1 bytes: no alignment rule).
#[inline]
pub fn src128(
    cpu: &mut Cpu,
    d: &DecodedInsn,
    n: u32,
    align16: bool,
    mm: fn(&Cpu, usize) -> u64,
) -> ExResult<u128> {
    match d.insn.op_kind(n) {
        OpKind::Register => {
            let r = d.insn.op_register(n);
            if is_xmm(r) {
                Ok(cpu.state.xmm[xmm_index(r)])
            } else if is_mm(r) {
                Ok(u128::from(mm(cpu, r as usize - Register::MM0 as usize)))
            } else {
                Ok(u128::from(cpu.state.get_reg(r)))
            }
        }
        OpKind::Memory => {
            let size = d.insn.memory_size().size() as u32;
            if size == 16 {
                read_m128(cpu, d, align16)
            } else {
                let (seg, off) = mem_loc(cpu, d);
                Ok(u128::from(cpu.read_mem(seg, off, size.min(8))?))
            }
        }
        _ => Ok(u128::from(d.insn.immediate8())),
    }
}

/// An `mm` reader for [`src128`] in handlers that only accept XMM forms
/// (never called: those handlers are not selected for MMX operands).
pub fn no_mm(_: &Cpu, _: usize) -> u64 {
    0
}

/// Test helpers for the SIMD families.
#[cfg(test)]
pub(crate) mod testing {
    use crate::cpu::exception::ExResult;
    use crate::cpu::exec::testutil::cpu_with;
    use crate::cpu::{Cpu, CpuModel};

    /// A real-mode Pentium-model CPU with CR4.OSFXSR set and `code` at
    /// 0:0100.
    pub fn sse_cpu(code: &[u8]) -> Cpu {
        let mut cpu = cpu_with(CpuModel::Pentium, code);
        cpu.state.cr4 |= super::CR4_OSFXSR;
        cpu
    }

    /// Decode and run the instruction at CS:IP, returning its fault (not
    /// delivered) with IP left on the instruction, as the engine would.
    pub fn exec(cpu: &mut Cpu) -> ExResult {
        let ip = cpu.state.rip;
        let lin = cpu.state.seg[crate::cpu::SegReg::Cs as usize]
            .base
            .wrapping_add(ip as u32);
        let d = cpu.decode_at(lin)?;
        cpu.state.rip = ip + u64::from(d.len);
        let r = (d.handler)(cpu, &d);
        if r.is_err() {
            cpu.state.rip = ip;
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::exec::testutil::cpu_with;
    use crate::cpu::{CpuModel, SegReg};

    #[test]
    fn availability_checks() {
        // (cr0, cr4, sse result, mmx result)
        let ud = Err(Exception::InvalidOpcode);
        let nm = Err(Exception::DeviceNotAvailable);
        let cases: [(u64, u64, ExResult, ExResult); 6] = [
            (0, CR4_OSFXSR, Ok(()), Ok(())),
            (0, 0, ud, Ok(())),
            (cr0::EM, CR4_OSFXSR, ud, ud),
            (cr0::TS, CR4_OSFXSR, nm, nm),
            (cr0::TS, 0, ud, nm),
            (cr0::EM | cr0::TS, CR4_OSFXSR, ud, ud),
        ];
        let mut cpu = cpu_with(CpuModel::Pentium, &[]);
        for (c0, c4, sse, mmx) in cases {
            cpu.state.cr0 = c0;
            cpu.state.cr4 = c4;
            assert_eq!(check_sse(&cpu), sse, "cr0={c0:#x} cr4={c4:#x}");
            assert_eq!(check_mmx(&cpu), mmx, "cr0={c0:#x} cr4={c4:#x}");
        }
    }

    #[test]
    fn m128_alignment_limit_and_no_partial_write() {
        let mut cpu = cpu_with(CpuModel::Pentium, &[]);
        let v = 0x0011_2233_4455_6677_8899_AABB_CCDD_EEFFu128;
        write_m128_at(&mut cpu, SegReg::Ds, 0x2000, true, v).unwrap();
        assert_eq!(read_m128_at(&mut cpu, SegReg::Ds, 0x2000, true), Ok(v));
        assert_eq!(cpu.mem.read(0x2000, 1), 0xFF);
        assert_eq!(cpu.mem.read(0x200F, 1), 0x00);
        assert_eq!(
            read_m128_at(&mut cpu, SegReg::Ds, 0x2008, true),
            Err(Exception::GeneralProtection(0))
        );
        assert_eq!(
            read_m128_at(&mut cpu, SegReg::Ds, 0x2008, false),
            Ok(v >> 64)
        );
        // Crossing the 64 KiB real-mode limit: nothing is written.
        assert_eq!(
            write_m128_at(&mut cpu, SegReg::Ds, 0xFFF8, false, u128::MAX),
            Err(Exception::GeneralProtection(0))
        );
        assert_eq!(cpu.mem.read(0xFFF8, 8), 0);
        assert_eq!(
            read_m128_at(&mut cpu, SegReg::Ss, 0xFFF8, false),
            Err(Exception::StackFault(0))
        );
    }
}
