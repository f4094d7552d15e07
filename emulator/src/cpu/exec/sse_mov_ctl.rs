//! SSE/SSE2 state-management and cacheability-control instructions
//! (SDM Vol. 1 §10.4.4, §10.4.6.3, §11.4.5; Vol. 2 pages of LDMXCSR,
//! STMXCSR, LFENCE, SFENCE, MFENCE, PREFETCHh, CLFLUSH).
//!
//! ox86 executes instructions in order and has no caches, so the fences
//! are no-ops and PREFETCHh does nothing (it never faults, SDM Vol. 2
//! PREFETCHh). CLFLUSH checks its operand like a one-byte read — segment
//! limit/type (#GP(0)/#SS(0)) and paging (#PF) — and then does nothing.

use super::simd_common::{check_sse, mem_loc, MXCSR_MASK};
use crate::cpu::access::Access;
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic};

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.mnemonic() {
        Mnemonic::Ldmxcsr => ldmxcsr,
        Mnemonic::Stmxcsr => stmxcsr,
        Mnemonic::Lfence
        | Mnemonic::Sfence
        | Mnemonic::Mfence
        | Mnemonic::Prefetchnta
        | Mnemonic::Prefetcht0
        | Mnemonic::Prefetcht1
        | Mnemonic::Prefetcht2 => nop,
        Mnemonic::Clflush => clflush,
        _ => return None,
    })
}

fn nop(_: &mut Cpu, _: &DecodedInsn) -> ExResult {
    Ok(())
}

/// LDMXCSR m32: bits outside MXCSR_MASK → #GP(0).
fn ldmxcsr(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let (seg, off) = mem_loc(cpu, d);
    let v = cpu.read_mem(seg, off, 4)? as u32;
    if v & !MXCSR_MASK != 0 {
        return Err(Exception::GeneralProtection(0));
    }
    cpu.state.mxcsr = v;
    Ok(())
}

/// STMXCSR m32.
fn stmxcsr(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let (seg, off) = mem_loc(cpu, d);
    let v = cpu.state.mxcsr;
    cpu.write_mem(seg, off, 4, u64::from(v))
}

/// CLFLUSH m8: the address checks of a byte read, no data access.
fn clflush(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let (seg, off) = mem_loc(cpu, d);
    if cpu.model == crate::cpu::CpuModel::I8086 {
        return Ok(());
    }
    let lin = cpu.linear(seg, off, 1, Access::Read)?;
    cpu.translate(lin, Access::Read)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cpu::exception::Exception;
    use crate::cpu::exec::simd_common::testing::{exec, sse_cpu};
    use crate::cpu::state::{cr0, MXCSR_RESET};

    #[test]
    fn ldmxcsr_stmxcsr() {
        // ldmxcsr [bx]; stmxcsr [bx+4]
        let code = [0x0F, 0xAE, 0x17, 0x0F, 0xAE, 0x5F, 0x04];
        let mut cpu = sse_cpu(&code);
        assert_eq!(cpu.state.mxcsr, MXCSR_RESET);
        cpu.state.regs[3] = 0x2000;
        // (value, result)
        for (v, ok) in [
            (0x0000_FFFFu64, true),
            (0x1_0000, false),
            (0x8000_0000, false),
            (0x7F80, true),
        ] {
            cpu.state.rip = 0x100;
            cpu.mem.write(0x2000, 4, v);
            let before = cpu.state.mxcsr;
            let r = exec(&mut cpu);
            if ok {
                assert_eq!(r, Ok(()));
                assert_eq!(u64::from(cpu.state.mxcsr), v);
                assert_eq!(exec(&mut cpu), Ok(()));
                assert_eq!(cpu.mem.read(0x2004, 4), v);
            } else {
                assert_eq!(r, Err(Exception::GeneralProtection(0)), "{v:#x}");
                assert_eq!(cpu.state.mxcsr, before);
            }
        }
        cpu.state.rip = 0x100;
        cpu.state.cr0 |= cr0::TS;
        assert_eq!(exec(&mut cpu), Err(Exception::DeviceNotAvailable));
    }

    #[test]
    fn fences_prefetch_and_clflush() {
        let code = [
            0x0F, 0xAE, 0xE8, // lfence
            0x0F, 0xAE, 0xF8, // sfence
            0x0F, 0xAE, 0xF0, // mfence
            0x0F, 0x18, 0x07, // prefetchnta [bx]
            0x0F, 0x18, 0x0F, // prefetcht0 [bx]
            0x0F, 0xAE, 0x3F, // clflush [bx]
        ];
        let mut cpu = sse_cpu(&code);
        cpu.state.cr4 = 0;
        cpu.state.cr0 |= cr0::TS | cr0::EM;
        cpu.state.regs[3] = 0xFFFF;
        for _ in 0..6 {
            assert_eq!(exec(&mut cpu), Ok(()));
        }
        // CLFLUSH outside the segment: #SS through SS, #GP otherwise.
        let mut cpu = sse_cpu(&[0x0F, 0xAE, 0x3F, 0x36, 0x0F, 0xAE, 0x3F]);
        cpu.state.seg[crate::cpu::SegReg::Ds as usize].limit = 0xFFF;
        cpu.state.seg[crate::cpu::SegReg::Ss as usize].limit = 0xFFF;
        cpu.state.regs[3] = 0x1000;
        assert_eq!(exec(&mut cpu), Err(Exception::GeneralProtection(0)));
        cpu.state.rip = 0x103;
        assert_eq!(exec(&mut cpu), Err(Exception::StackFault(0)));
        // Prefetch never faults.
        let mut cpu = sse_cpu(&[0x0F, 0x18, 0x07]);
        cpu.state.seg[crate::cpu::SegReg::Ds as usize].limit = 0xFFF;
        cpu.state.regs[3] = 0x1000;
        assert_eq!(exec(&mut cpu), Ok(()));
    }
}
