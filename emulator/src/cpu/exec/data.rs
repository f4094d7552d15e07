//! Data movement: MOV (incl. segment registers and moffs forms), MOVZX,
//! MOVSX, LEA, XCHG, the accumulator conversions CBW/CWDE and CWD/CDQ,
//! XLAT, and the far-pointer loads LDS/LES/LFS/LGS/LSS (SDM Vol. 1 §7.3.1,
//! §7.3.1.4 conversions, §7.3.16.4 pointer loads; Vol. 2 instruction pages).

use crate::cpu::decode::{reg_size, DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::state::{gpr, size_mask, SegReg};
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic, OpKind};

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.mnemonic() {
        Mnemonic::Mov => {
            let op0_seg = insn.op0_kind() == OpKind::Register
                && SegReg::from_iced(insn.op0_register()).is_some();
            let op1_seg = insn.op1_kind() == OpKind::Register
                && SegReg::from_iced(insn.op1_register()).is_some();
            let op0_gpr = insn.op0_kind() != OpKind::Register || reg_size(insn.op0_register()) != 0;
            let op1_gpr = insn.op1_kind() != OpKind::Register || reg_size(insn.op1_register()) != 0;
            if op0_seg {
                mov_to_sreg
            } else if op1_seg {
                mov_from_sreg
            } else if op0_gpr && op1_gpr {
                mov_form(insn)
            } else {
                // Control/debug/test registers: the system family.
                return None;
            }
        }
        Mnemonic::Movzx => match (insn.op1_kind(), insn.memory_size().size()) {
            (OpKind::Register, _) => movzx_rr,
            (OpKind::Memory, 1) => movzx_rm::<1>,
            (OpKind::Memory, 2) => movzx_rm::<2>,
            _ => movzx,
        },
        Mnemonic::Movsx => movsx,
        Mnemonic::Lea if insn.op0_kind() == OpKind::Register => lea_r,
        Mnemonic::Lea => lea,
        Mnemonic::Xchg => xchg,
        Mnemonic::Cbw | Mnemonic::Cwde => cbw,
        Mnemonic::Cwd | Mnemonic::Cdq => cwd,
        Mnemonic::Xlatb => xlat,
        Mnemonic::Lds => lxs::<{ SegReg::Ds as u8 }>,
        Mnemonic::Les => lxs::<{ SegReg::Es as u8 }>,
        Mnemonic::Lfs => lxs::<{ SegReg::Fs as u8 }>,
        Mnemonic::Lgs => lxs::<{ SegReg::Gs as u8 }>,
        Mnemonic::Lss => lxs::<{ SegReg::Ss as u8 }>,
        _ => return None,
    })
}

/// MOV between general registers, memory and immediates: the common forms
/// get handlers of their own (operands resolved at decode time, sizes
/// constant), the rest the generic one.
fn mov_form(insn: &Instruction) -> Handler {
    use OpKind::{Immediate16, Immediate32, Immediate8, Memory, Register};
    let size = match insn.op0_kind() {
        Register => reg_size(insn.op0_register()),
        _ => insn.memory_size().size() as u32,
    };
    macro_rules! sized {
        ($f:ident) => {
            match size {
                1 => $f::<1> as Handler,
                2 => $f::<2>,
                4 => $f::<4>,
                _ => mov,
            }
        };
    }
    match (insn.op0_kind(), insn.op1_kind()) {
        (Register, Register) => mov_rr,
        (Register, Memory) => sized!(mov_rm),
        (Memory, Register) => sized!(mov_mr),
        (Register, Immediate8 | Immediate16 | Immediate32) => mov_ri,
        (Memory, Immediate8 | Immediate16 | Immediate32) => sized!(mov_mi),
        _ => mov,
    }
}

fn mov(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let v = cpu.read_op(d, 1, size)?;
    cpu.write_op(d, 0, size, v)
}

/// MOV r, r.
fn mov_rr(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let v = d.reg[1].read(&cpu.state.regs);
    d.reg[0].write(&mut cpu.state.regs, v);
    Ok(())
}

/// MOV r, m (`S`-byte register).
fn mov_rm<const S: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let off = cpu.ea(d);
    let v = cpu.read_mem(d.mem.seg, off, S)?;
    d.reg[0].write(&mut cpu.state.regs, v);
    Ok(())
}

/// MOV m, r (`S`-byte register).
fn mov_mr<const S: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let off = cpu.ea(d);
    let v = d.reg[1].read(&cpu.state.regs);
    cpu.write_mem(d.mem.seg, off, S, v)
}

/// MOV r, imm (the register write keeps the register's size).
fn mov_ri(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    d.reg[0].write(&mut cpu.state.regs, d.imm);
    Ok(())
}

/// MOV m, imm (`S` bytes).
fn mov_mi<const S: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let off = cpu.ea(d);
    cpu.write_mem(d.mem.seg, off, S, d.imm)
}

/// MOVZX r, r.
fn movzx_rr(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let v = d.reg[1].read(&cpu.state.regs);
    d.reg[0].write(&mut cpu.state.regs, v);
    Ok(())
}

/// MOVZX r, m (`S`-byte source).
fn movzx_rm<const S: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let off = cpu.ea(d);
    let v = cpu.read_mem(d.mem.seg, off, S)?;
    d.reg[0].write(&mut cpu.state.regs, v);
    Ok(())
}

/// LEA r, m.
fn lea_r(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let ea = cpu.ea(d);
    d.reg[0].write(&mut cpu.state.regs, ea);
    Ok(())
}

fn mov_to_sreg(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let Some(r) = SegReg::from_iced(d.insn.op0_register()) else {
        return Err(Exception::InvalidOpcode);
    };
    if r == SegReg::Cs {
        return Err(Exception::InvalidOpcode);
    }
    let v = cpu.read_op(d, 1, 2)? as u16;
    cpu.load_seg(r, v)
}

fn mov_from_sreg(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let v = cpu.state.get_reg(d.insn.op1_register());
    match d.insn.op0_kind() {
        // A 32-bit register destination receives the zero-extended selector.
        OpKind::Register => cpu.write_op(d, 0, reg_size(d.insn.op0_register()), v),
        _ => cpu.write_op(d, 0, 2, v),
    }
}

fn movzx(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let src = cpu.op_size(d, 1);
    let v = cpu.read_op(d, 1, src)?;
    cpu.write_op(d, 0, d.os(), v)
}

fn movsx(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let src = cpu.op_size(d, 1);
    let v = cpu.read_op(d, 1, src)?;
    let shift = 64 - 8 * src;
    let v = (((v << shift) as i64) >> shift) as u64;
    cpu.write_op(d, 0, d.os(), v & size_mask(d.os()))
}

fn lea(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let ea = cpu.ea(d);
    cpu.write_op(d, 0, d.os(), ea)
}

fn xchg(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let (a, loc) = cpu.read_rmw(d, size)?;
    let b = cpu.read_op(d, 1, size)?;
    cpu.write_rmw(d, loc, size, b)?;
    cpu.write_op(d, 1, size, a)
}

/// Sign of the `size`-byte value `v` extended to all of `u64`.
#[inline]
fn sign_extend(v: u64, size: u32) -> u64 {
    let shift = 64 - 8 * size;
    (((v << shift) as i64) >> shift) as u64
}

/// CBW / CWDE: the accumulator's low half, sign-extended into all of it.
fn cbw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let v = sign_extend(cpu.state.gpr(gpr::RAX, size / 2), size / 2);
    cpu.state.set_gpr(gpr::RAX, size, v);
    Ok(())
}

/// CWD / CDQ: DX/EDX ← the sign of AX/EAX, repeated.
fn cwd(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let v = sign_extend(cpu.state.gpr(gpr::RAX, size), size) >> (8 * size);
    cpu.state.set_gpr(gpr::RDX, size, v);
    Ok(())
}

/// XLAT: AL ← [seg:(E)BX + AL]. iced-x86 decodes the table access as a
/// memory operand with base BX/EBX and index AL, so the address size and
/// a segment override come with it.
fn xlat(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let v = cpu.read_op(d, 0, 1)?;
    cpu.state.set_gpr(gpr::RAX, 1, v);
    Ok(())
}

/// LDS/LES/LFS/LGS/LSS r, m16:16|m16:32: the offset then the selector are
/// read, the segment register is loaded and only then the general
/// register is written, so any fault leaves both unchanged. The register
/// form is #UD.
fn lxs<const SEG: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    if d.insn.op1_kind() != OpKind::Memory {
        return Err(Exception::InvalidOpcode);
    }
    let seg = SegReg::ALL[usize::from(SEG)];
    let size = d.os();
    let ea = cpu.ea(d);
    let ms = cpu.mem_seg(d);
    let off = cpu.read_mem(ms, ea, size)?;
    // The selector follows the offset. Not masked to the address size: a
    // pointer that runs past the end of the segment faults (286+); the 8086
    // wraps within the segment in `read_mem`.
    let sel = cpu.read_mem(ms, ea + u64::from(size), 2)? as u16;
    cpu.load_seg(seg, sel)?;
    cpu.state.set_reg(d.insn.op0_register(), off);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cpu::exception::{ExResult, Exception};
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::state::{cr0, gpr::*};
    use crate::cpu::{Cpu, CpuModel, SegReg, Segment};

    /// Decode and run the handler at CS:IP, returning its result.
    fn exec_raw(cpu: &mut Cpu) -> ExResult {
        let d = cpu.decode_at(cpu.linear_ip())?;
        cpu.state.rip = cpu.state.rip.wrapping_add(u64::from(d.len)) & cpu.ip_mask();
        (d.handler)(cpu, &d)
    }

    #[test]
    fn mov_forms() {
        // mov ax, 0x1234 ; mov [0x200], ax ; mov ds, ax ; movzx ecx, byte [0x200] ; movsx edx, word [0x200]
        let code = [
            0xB8, 0x34, 0x12, 0xA3, 0x00, 0x02, 0x66, 0x0F, 0xB6, 0x0E, 0x00, 0x02, 0x66, 0x0F,
            0xBF, 0x16, 0x00, 0x02, 0x8E, 0xD8,
        ];
        let mut cpu = cpu_with(CpuModel::Pentium, &code);
        for _ in 0..5 {
            step(&mut cpu);
        }
        assert_eq!(cpu.state.regs[0] & 0xFFFF, 0x1234);
        assert_eq!(cpu.mem.read(0x200, 2), 0x1234);
        assert_eq!(cpu.state.regs[1], 0x34);
        assert_eq!(cpu.state.regs[2], 0x1234);
        assert_eq!(cpu.state.seg[3].selector, 0x1234);
        assert_eq!(cpu.state.seg[3].base, 0x12340);
    }

    #[test]
    fn lea_and_xchg() {
        // lea ax, [bx+si+5] ; xchg ax, cx
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x8D, 0x40, 0x05, 0x91]);
        cpu.state.regs[3] = 0xFFFF;
        cpu.state.regs[6] = 2;
        cpu.state.regs[1] = 7;
        step(&mut cpu);
        assert_eq!(cpu.state.regs[0], 6, "16-bit address wraps");
        step(&mut cpu);
        assert_eq!(cpu.state.regs[0], 7);
        assert_eq!(cpu.state.regs[1], 6);
    }

    #[test]
    fn accumulator_conversions() {
        // (name, code, EAX, EDX, EAX after, EDX after)
        type Case = (&'static str, &'static [u8], u64, u64, u64, u64);
        let cases: [Case; 8] = [
            ("cbw neg", &[0x98], 0x5555_1280, 0, 0x5555_FF80, 0),
            ("cbw pos", &[0x98], 0x5555_FF7F, 0, 0x5555_007F, 0),
            ("cwde neg", &[0x66, 0x98], 0x1234_8000, 0, 0xFFFF_8000, 0),
            ("cwde pos", &[0x66, 0x98], 0x1234_7FFF, 0, 0x7FFF, 0),
            ("cwd neg", &[0x99], 0x8000, 0x5555_1234, 0x8000, 0x5555_FFFF),
            ("cwd pos", &[0x99], 0xFFFF_7FFF, 0x1234, 0xFFFF_7FFF, 0),
            (
                "cdq neg",
                &[0x66, 0x99],
                0x8000_0000,
                7,
                0x8000_0000,
                0xFFFF_FFFF,
            ),
            ("cdq pos", &[0x66, 0x99], 0x7FFF_FFFF, 7, 0x7FFF_FFFF, 0),
        ];
        for (name, code, eax, edx, eax_out, edx_out) in cases {
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            cpu.state.regs[RAX] = eax;
            cpu.state.regs[RDX] = edx;
            step(&mut cpu);
            assert_eq!(cpu.state.regs[RAX], eax_out, "{name}: eax");
            assert_eq!(cpu.state.regs[RDX], edx_out, "{name}: edx");
            assert_eq!(cpu.state.rip, 0x100 + code.len() as u64, "{name}: ip");
        }
    }

    #[test]
    fn xlat_forms() {
        // (name, code, model, EBX, AL, linear address of the table byte)
        type Case = (&'static str, &'static [u8], CpuModel, u64, u64, u32);
        let cases: [Case; 5] = [
            ("ds", &[0xD7], CpuModel::Pentium, 0x300, 5, 0x1_0305),
            (
                "es override",
                &[0x26, 0xD7],
                CpuModel::Pentium,
                0x300,
                5,
                0x2_0305,
            ),
            (
                "16-bit wrap",
                &[0xD7],
                CpuModel::I80286,
                0xFFF0,
                0xFF,
                0x1_00EF,
            ),
            ("8086", &[0x2E, 0xD7], CpuModel::I8086, 0x10, 0x80, 0x90),
            (
                "67: ebx",
                &[0x67, 0xD7],
                CpuModel::Pentium,
                0x1_0000,
                2,
                0x2_0002,
            ),
        ];
        for (name, code, model, ebx, al, lin) in cases {
            let mut cpu = cpu_with(model, code);
            cpu.state.seg[SegReg::Ds as usize] = Segment::real(0x1000, false);
            cpu.state.seg[SegReg::Es as usize] = Segment::real(0x2000, false);
            cpu.state.seg[SegReg::Ds as usize].limit = 0xFFFF_FFFF;
            cpu.mem.write_u8(lin, 0x42);
            cpu.state.regs[RBX] = 0xAAAA_0000 | ebx;
            if name.starts_with("67") {
                cpu.state.regs[RBX] = ebx;
            }
            cpu.state.regs[RAX] = 0x1234_5600 | al;
            step(&mut cpu);
            assert_eq!(cpu.state.regs[RAX], 0x1234_5642, "{name}");
        }
    }

    #[test]
    fn far_pointer_loads() {
        // (name, code, register written, its value, segment, selector)
        type Case = (&'static str, &'static [u8], usize, u64, SegReg, u16);
        let cases: [Case; 6] = [
            (
                "lds si",
                &[0xC5, 0x36, 0x00, 0x02],
                RSI,
                0xAAAA_1234,
                SegReg::Ds,
                0x5678,
            ),
            (
                "les di",
                &[0xC4, 0x3E, 0x00, 0x02],
                RDI,
                0xAAAA_1234,
                SegReg::Es,
                0x5678,
            ),
            (
                "lds esi",
                &[0x66, 0xC5, 0x36, 0x00, 0x02],
                RSI,
                0x5678_1234,
                SegReg::Ds,
                0x9ABC,
            ),
            (
                "lss sp",
                &[0x0F, 0xB2, 0x26, 0x00, 0x02],
                RSP,
                0xAAAA_1234,
                SegReg::Ss,
                0x5678,
            ),
            (
                "lfs bx",
                &[0x0F, 0xB4, 0x1E, 0x00, 0x02],
                RBX,
                0xAAAA_1234,
                SegReg::Fs,
                0x5678,
            ),
            (
                "lgs ax",
                &[0x0F, 0xB5, 0x06, 0x00, 0x02],
                RAX,
                0xAAAA_1234,
                SegReg::Gs,
                0x5678,
            ),
        ];
        for (name, code, reg, value, seg, sel) in cases {
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            cpu.mem.write(0x200, 4, 0x5678_1234);
            cpu.mem.write(0x204, 2, 0x9ABC);
            cpu.state.regs[reg] = 0xAAAA_AAAA;
            step(&mut cpu);
            assert_eq!(cpu.state.rip, 0x100 + code.len() as u64, "{name}: ip");
            assert_eq!(cpu.state.regs[reg], value, "{name}: register");
            let s = cpu.state.seg[seg as usize];
            assert_eq!((s.selector, s.base), (sel, u32::from(sel) << 4), "{name}");
            assert_eq!(cpu.state.int_shadow, seg == SegReg::Ss, "{name}: shadow");
        }
        // The 8086 wraps the selector read within the segment.
        let mut cpu = cpu_with(CpuModel::I8086, &[0xC4, 0x3E, 0xFE, 0xFF]);
        cpu.mem.write(0xFFFE, 2, 0x1234);
        cpu.mem.write(0x0000, 2, 0x5678);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[RDI], 0x1234);
        assert_eq!(cpu.state.seg[SegReg::Es as usize].selector, 0x5678);
    }

    #[test]
    fn far_pointer_load_faults_change_nothing() {
        // 286: les di, [FFFE] — the selector lies past the limit → #GP(0).
        let mut cpu = cpu_with(CpuModel::I80286, &[0xC4, 0x3E, 0xFE, 0xFF]);
        cpu.state.regs[RDI] = 0x7777;
        let es = cpu.state.seg[SegReg::Es as usize];
        assert_eq!(exec_raw(&mut cpu), Err(Exception::GeneralProtection(0)));
        assert_eq!(cpu.state.regs[RDI], 0x7777);
        assert_eq!(cpu.state.seg[SegReg::Es as usize], es);
        // Register forms are #UD (C5 /r with mod=11 and 0F B2 /r with mod=11).
        for code in [&[0xC5u8, 0xC0][..], &[0x0F, 0xB2, 0xC0]] {
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            assert_eq!(
                exec_raw(&mut cpu),
                Err(Exception::InvalidOpcode),
                "{code:02x?}"
            );
        }
        // Protected mode: a not-present descriptor faults in the segment
        // load, before the register is written.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xC4, 0x3E, 0x00, 0x02]);
        cpu.mem.write(0x5008, 8, 0x0000_1200_0000_FFFF); // data RW, P = 0
        cpu.state.gdtr.base = 0x5000;
        cpu.state.gdtr.limit = 0x0F;
        cpu.state.cr0 |= cr0::PE;
        cpu.mem.write(0x200, 4, 0x0008_1111);
        cpu.state.regs[RDI] = 0x7777;
        assert_eq!(exec_raw(&mut cpu), Err(Exception::SegmentNotPresent(8)));
        assert_eq!(cpu.state.regs[RDI], 0x7777);
        assert_eq!(cpu.state.seg[SegReg::Es as usize].selector, 0);
    }
}
