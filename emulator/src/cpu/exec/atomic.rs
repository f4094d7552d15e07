//! Atomic read-modify-write instructions: XADD, CMPXCHG, CMPXCHG8B (SDM
//! Vol. 2A "CMPXCHG", "CMPXCHG8B/CMPXCHG16B"; Vol. 2B "XADD"; Vol. 1
//! §7.3.1.2).
//!
//! The emulation is single-threaded, so a LOCK prefix (accepted by the
//! decoder for these instructions) needs no extra work. A memory
//! destination is checked for writing before anything changes, and it is
//! written back even when a compare fails (as the processor does, so a
//! read-only destination faults either way).
//!
//! Flags: XADD as ADD; CMPXCHG as CMP accumulator, destination;
//! CMPXCHG8B changes only ZF.

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::flags::{LazyOp, ZF};
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic, OpKind};

/// Register numbers of the implicit operands.
const RAX: usize = 0;
const RCX: usize = 1;
const RDX: usize = 2;
const RBX: usize = 3;

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.mnemonic() {
        Mnemonic::Xadd => xadd,
        Mnemonic::Cmpxchg => cmpxchg,
        Mnemonic::Cmpxchg8b => cmpxchg8b,
        _ => return None,
    })
}

/// XADD r/m, r: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP.
fn xadd(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let (dst, loc) = cpu.read_rmw(d, size)?;
    let src = cpu.read_op(d, 1, size)?;
    let sum = dst.wrapping_add(src);
    let src_reg = d.insn.op1_register();
    if loc.is_some() {
        cpu.write_rmw(d, loc, size, sum)?;
        cpu.state.set_reg(src_reg, dst);
    } else {
        // Register order matters for XADD r, r with the same register:
        // the destination is written last.
        cpu.state.set_reg(src_reg, dst);
        cpu.write_rmw(d, loc, size, sum)?;
    }
    cpu.state.flags.set_lazy(LazyOp::Add, size, dst, src, sum);
    Ok(())
}

/// CMPXCHG r/m, r: compare the accumulator with DEST; equal: DEST = SRC,
/// else the accumulator = DEST.
fn cmpxchg(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let (dst, loc) = cpu.read_rmw(d, size)?;
    let src = cpu.read_op(d, 1, size)?;
    let acc = cpu.state.gpr(RAX, size);
    if acc == dst {
        cpu.write_rmw(d, loc, size, src)?;
    } else {
        if loc.is_some() {
            cpu.write_rmw(d, loc, size, dst)?;
        }
        cpu.state.set_gpr(RAX, size, dst);
    }
    cpu.state
        .flags
        .set_lazy(LazyOp::Sub, size, acc, dst, acc.wrapping_sub(dst));
    Ok(())
}

/// CMPXCHG8B m64: compare EDX:EAX with m64; equal: m64 = ECX:EBX, else
/// EDX:EAX = m64. The register form is #UD.
fn cmpxchg8b(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    if d.insn.op0_kind() != OpKind::Memory {
        return Err(Exception::InvalidOpcode);
    }
    let seg = cpu.mem_seg(d);
    let off = cpu.ea(d);
    let v = cpu.read_mem(seg, off, 8)?;
    cpu.check_write(seg, off, 8)?;
    let s = &cpu.state;
    let expected = (s.gpr(RDX, 4) << 32) | s.gpr(RAX, 4);
    let equal = v == expected;
    if equal {
        let new = (s.gpr(RCX, 4) << 32) | s.gpr(RBX, 4);
        cpu.write_mem(seg, off, 8, new)?;
    } else {
        cpu.write_mem(seg, off, 8, v)?;
        cpu.state.set_gpr(RAX, 4, v & 0xFFFF_FFFF);
        cpu.state.set_gpr(RDX, 4, v >> 32);
    }
    cpu.state.flags.set(ZF, equal);
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
        /// EAX, ECX, EDX, EBX in.
        regs: [u64; 4],
        mem: u64,
        regs_out: [u64; 4],
        mem_out: u64,
        flags_out: u32,
    }

    #[test]
    fn atomic_table() {
        let cases = [
            // xadd ax,bx: ax = 3+4, bx = 3.
            Case {
                name: "xadd ax,bx",
                code: &[0x0F, 0xC1, 0xD8],
                regs: [3, 0, 0, 4],
                mem: 0,
                regs_out: [7, 0, 0, 3],
                mem_out: 0,
                flags_out: 0,
            },
            // xadd ax,ax: the destination wins: 2*0x8000 = 0 with CF.
            Case {
                name: "xadd ax,ax",
                code: &[0x0F, 0xC1, 0xC0],
                regs: [0x8000, 0, 0, 0],
                mem: 0,
                regs_out: [0, 0, 0, 0],
                mem_out: 0,
                flags_out: CF | ZF | PF | OF,
            },
            // lock xadd [bx+0x10],al: memory 0xFF + 1.
            Case {
                name: "lock xadd byte [bx],al",
                code: &[0xF0, 0x0F, 0xC0, 0x47, 0x10],
                regs: [1, 0, 0, 0x1FF0],
                mem: 0xFF,
                regs_out: [0xFF, 0, 0, 0x1FF0],
                mem_out: 0,
                flags_out: CF | ZF | PF | AF,
            },
            // cmpxchg bx,cx with ax == bx: bx = cx, ZF.
            Case {
                name: "cmpxchg equal",
                code: &[0x0F, 0xB1, 0xCB],
                regs: [5, 9, 0, 5],
                mem: 0,
                regs_out: [5, 9, 0, 9],
                mem_out: 0,
                flags_out: ZF | PF,
            },
            // cmpxchg bx,cx with ax != bx: ax = bx, flags of 3 - 5.
            Case {
                name: "cmpxchg differ",
                code: &[0x0F, 0xB1, 0xCB],
                regs: [3, 9, 0, 5],
                mem: 0,
                regs_out: [5, 9, 0, 5],
                mem_out: 0,
                flags_out: CF | SF | AF,
            },
            // cmpxchg [bx+0x10],ecx (32-bit, memory): equal.
            Case {
                name: "cmpxchg dword mem equal",
                code: &[0x66, 0x0F, 0xB1, 0x4F, 0x10],
                regs: [0x1234_5678, 0xCAFE_F00D, 0, 0x1FF0],
                mem: 0x1234_5678,
                regs_out: [0x1234_5678, 0xCAFE_F00D, 0, 0x1FF0],
                mem_out: 0xCAFE_F00D,
                flags_out: ZF | PF,
            },
            // cmpxchg byte [bx+0x10],cl: differs, AL = memory.
            Case {
                name: "cmpxchg byte mem differ",
                code: &[0x0F, 0xB0, 0x4F, 0x10],
                regs: [0xAA01, 0x77, 0, 0x1FF0],
                mem: 0x80,
                regs_out: [0xAA80, 0x77, 0, 0x1FF0],
                mem_out: 0x80,
                flags_out: CF | SF | OF | PF,
            },
            // lock cmpxchg8b [bx+0x10]: equal -> m64 = ECX:EBX, ZF.
            Case {
                name: "cmpxchg8b equal",
                code: &[0xF0, 0x0F, 0xC7, 0x4F, 0x10],
                regs: [0x5555_6666, 0x1111_2222, 0x7777_8888, 0x1FF0],
                mem: 0x7777_8888_5555_6666,
                regs_out: [0x5555_6666, 0x1111_2222, 0x7777_8888, 0x1FF0],
                mem_out: 0x1111_2222_0000_1FF0,
                flags_out: ZF | CF,
            },
            // cmpxchg8b differs: EDX:EAX = m64, ZF = 0, other flags kept.
            Case {
                name: "cmpxchg8b differ",
                code: &[0x0F, 0xC7, 0x4F, 0x10],
                regs: [0, 0x1111_2222, 0, 0x1FF0],
                mem: 0xDEAD_BEEF_0BAD_F00D,
                regs_out: [0x0BAD_F00D, 0x1111_2222, 0xDEAD_BEEF, 0x1FF0],
                mem_out: 0xDEAD_BEEF_0BAD_F00D,
                flags_out: CF,
            },
        ];
        for t in &cases {
            let mut cpu = cpu_with(CpuModel::Pentium, t.code);
            cpu.state.regs[..4].copy_from_slice(&t.regs);
            cpu.mem.write(0x2000, 8, t.mem);
            cpu.state.flags.set_masked(CF, ARITH);
            step(&mut cpu);
            assert_eq!(cpu.state.rip, 0x100 + t.code.len() as u64, "{}: ip", t.name);
            assert_eq!(cpu.state.regs[..4], t.regs_out, "{}: regs", t.name);
            assert_eq!(cpu.mem.read(0x2000, 8), t.mem_out, "{}: mem", t.name);
            assert_eq!(
                cpu.state.flags.eflags() & ARITH,
                t.flags_out,
                "{}: flags",
                t.name
            );
        }
    }

    #[test]
    fn cmpxchg8b_register_form_and_old_models_are_ud() {
        // 0F C7 C8 (mod = 11) is #UD; so is CMPXCHG8B on the 80286.
        for (model, code) in [
            (CpuModel::Pentium, &[0x0F, 0xC7, 0xC8][..]),
            (CpuModel::I80286, &[0x0F, 0xC7, 0x0F][..]),
        ] {
            let mut cpu = cpu_with(model, code);
            cpu.mem.write(6 * 4, 4, 0x1234_0000);
            step(&mut cpu);
            assert_eq!(
                cpu.state.seg[crate::cpu::SegReg::Cs as usize].selector,
                0x1234,
                "{model:?}: #UD taken"
            );
        }
    }

    #[test]
    fn faulting_destination_changes_nothing() {
        // cmpxchg word [bx],cx at offset FFFF: #GP before any register write.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x0F, 0xB1, 0x0F]);
        cpu.state.regs[3] = 0xFFFF;
        cpu.state.regs[0] = 0x4444;
        step(&mut cpu);
        assert_eq!(cpu.state.regs[0], 0x4444);
        assert_eq!(cpu.state.rip, 0);
    }
}
