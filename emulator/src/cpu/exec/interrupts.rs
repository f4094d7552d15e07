//! Software interrupts and interrupt return: INT n, INT3, INTO, INT1
//! (ICEBP), IRET/IRETD, and BOUND, which raises #BR (SDM Vol. 1 §6.4, §7.3.8.4;
//! Vol. 2 "INT n/INTO/INT3/INT1—Call to Interrupt Procedure",
//! "IRET/IRETD—Interrupt Return" and "BOUND—Check Array Index Against
//! Bounds"; Vol. 3A §6.4 sources of interrupts, §6.12 exception and
//! interrupt handling).
//!
//! The handlers run with rip already at the next instruction, so INT n
//! pushes the right return address; delivery itself is
//! [`Cpu::interrupt`](crate::cpu::Cpu::interrupt). A fault part-way through
//! delivery or IRET leaves the registers as they were before the
//! instruction.
//!
//! Partial: in protected mode IRET does same-privilege returns only. IRET
//! with NT set (task return), IRET to virtual-8086 mode and returns to an
//! outer privilege level are the protected-mode system work of a later
//! issue; they raise #GP (logged) for now.

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::exec::control::{FarKind, FLAGS_LOW};
use crate::cpu::flags;
use crate::cpu::interrupt::IntSource;
use crate::cpu::model::CpuModel;
use crate::cpu::state::gpr;
use crate::cpu::Cpu;
use iced_x86::{Code, Instruction, OpKind};

/// #BR vector is raised as [`Exception::BoundRange`]; these are the
/// software interrupt vectors with fixed meaning.
const VECTOR_DB: u8 = 1;
const VECTOR_BP: u8 = 3;
const VECTOR_OF: u8 = 4;

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.code() {
        Code::Iretw => iret::<2>,
        Code::Iretd => iret::<4>,
        Code::Int_imm8 => int_n,
        Code::Int3 => int3,
        Code::Into => into,
        Code::Int1 => int1,
        Code::Bound_r16_m1616 => bound::<2>,
        Code::Bound_r32_m3232 => bound::<4>,
        _ => return None,
    })
}

/// Deliver an interrupt raised by an instruction (rip already at the next
/// instruction). If delivery faults part-way (a later push, the CS load),
/// SP and FLAGS are put back so the fault is reported with the registers
/// as they were before the instruction.
fn soft_interrupt(cpu: &mut Cpu, vector: u8, src: IntSource) -> ExResult {
    let sp = cpu.state.regs[gpr::RSP];
    let fl = cpu.state.flags;
    let r = cpu.interrupt(vector, src);
    if r.is_err() {
        cpu.state.regs[gpr::RSP] = sp;
        cpu.state.flags = fl;
    }
    r
}

fn int_n(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    // Without VME, INT n in virtual-8086 mode is IOPL-sensitive.
    if cpu.state.v86() && cpu.state.flags.iopl() < 3 {
        return Err(Exception::GeneralProtection(0));
    }
    soft_interrupt(cpu, d.insn.immediate8(), IntSource::Software)
}

fn int3(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    soft_interrupt(cpu, VECTOR_BP, IntSource::Software)
}

fn into(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    if cpu.state.flags.of() {
        soft_interrupt(cpu, VECTOR_OF, IntSource::Software)?;
    }
    Ok(())
}

/// INT1/ICEBP (F1): a #DB trap delivered like a hardware event, without the
/// gate DPL check or IOPL sensitivity of INT n (SDM Vol. 2 "INT n/INTO/INT3/INT1").
fn int1(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    soft_interrupt(cpu, VECTOR_DB, IntSource::Exception(None))
}

fn iret<const OS: u32>(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    if cpu.state.protected() && !cpu.state.v86() {
        return iret_protected::<OS>(cpu);
    }
    // Virtual-8086 mode without VME: IRET is IOPL-sensitive.
    if cpu.state.v86() && cpu.state.flags.iopl() < 3 {
        return Err(Exception::GeneralProtection(0));
    }
    let ip = cpu.peek(0, OS)?;
    let sel = cpu.peek(u64::from(OS), OS)? as u16;
    let image = cpu.peek(2 * u64::from(OS), OS)? as u32;
    let sel = cpu.far_target(sel, ip, FarKind::Return)?;
    let mut mask = if OS == 4 {
        // SDM IRET, real-address mode: VIP, VIF and VM keep their values.
        FLAGS_LOW | flags::RF | flags::AC | flags::ID
    } else {
        FLAGS_LOW
    };
    if cpu.state.v86() {
        mask &= !flags::IOPL;
    }
    if cpu.model < CpuModel::Pentium {
        // 8086 and 80286 real mode: IOPL and NT cannot be set (the 8086
        // reads bits 12–15 back as 1s, see `Cpu::flags_image`).
        mask &= !(flags::IOPL | flags::NT);
    }
    cpu.far_commit(sel, ip)?;
    cpu.state.flags.set_masked(image, mask);
    cpu.release_stack(3 * u64::from(OS));
    Ok(())
}

/// IRET in protected mode: same-privilege returns only (see module docs).
fn iret_protected<const OS: u32>(cpu: &mut Cpu) -> ExResult {
    if cpu.state.flags.get(flags::NT) {
        log::warn!("IRET with NT set (task return) is not supported yet");
        return Err(Exception::GeneralProtection(0));
    }
    let ip = cpu.peek(0, OS)?;
    let sel = cpu.peek(u64::from(OS), OS)? as u16;
    let image = cpu.peek(2 * u64::from(OS), OS)? as u32;
    let cpl = cpu.state.cpl;
    if OS == 4 && image & flags::VM != 0 && cpl == 0 {
        log::warn!("IRET to virtual-8086 mode is not supported yet");
        return Err(Exception::GeneralProtection(0));
    }
    let sel = cpu.far_target(sel, ip, FarKind::Return)?;
    let mut mask = FLAGS_LOW & !(flags::IF | flags::IOPL);
    if OS == 4 {
        mask |= flags::RF | flags::AC | flags::ID;
    }
    if cpl <= cpu.state.flags.iopl() {
        mask |= flags::IF;
    }
    if cpl == 0 {
        mask |= flags::IOPL;
        if OS == 4 {
            mask |= flags::VIF | flags::VIP;
        }
    }
    cpu.far_commit(sel, ip)?;
    cpu.state.flags.set_masked(image, mask);
    cpu.release_stack(3 * u64::from(OS));
    Ok(())
}

/// BOUND r, m: #BR unless lower <= index <= upper (signed). The register
/// form does not decode (it is #UD).
fn bound<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    if d.insn.op1_kind() != OpKind::Memory {
        return Err(Exception::InvalidOpcode);
    }
    let sext = |v: u64| -> i64 {
        if OS == 2 {
            i64::from(v as u16 as i16)
        } else {
            i64::from(v as u32 as i32)
        }
    };
    let index = sext(cpu.state.get_reg(d.insn.op0_register()));
    let seg = cpu.mem_seg(d);
    let off = cpu.ea(d);
    let lower = sext(cpu.read_mem(seg, off, OS)?);
    let upper = sext(cpu.read_mem(seg, off.wrapping_add(u64::from(OS)) & d.amask(), OS)?);
    if index < lower || index > upper {
        return Err(Exception::BoundRange);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cpu::exception::{ExResult, Exception};
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::flags::{CF, IF, OF};
    use crate::cpu::{Cpu, CpuModel, SegReg};

    /// Decode and run the handler at CS:IP without delivering a fault, so a
    /// test sees the `Err` and the state the handler left.
    fn run_handler(cpu: &mut Cpu) -> ExResult {
        let d = cpu.decode_at(cpu.linear_ip())?;
        cpu.state.rip = cpu.state.rip.wrapping_add(u64::from(d.len)) & cpu.ip_mask();
        (d.handler)(cpu, &d)
    }

    /// Step until the CPU halts (HLT), at most `max` instructions.
    fn run_to_halt(cpu: &mut Cpu, max: u64) -> u64 {
        let start = cpu.icount;
        while !cpu.state.halted && cpu.icount - start < max {
            step(cpu);
        }
        assert!(cpu.state.halted, "did not halt in {max} instructions");
        cpu.icount - start
    }

    fn cs(cpu: &Cpu) -> u16 {
        cpu.state.seg[SegReg::Cs as usize].selector
    }

    #[test]
    fn int_iret_round_trip_through_ivt() {
        // int 21h ; hlt   — vector 21h -> 0040:0010 (linear 0x410): inc bx ; iret
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xCD, 0x21, 0xF4]);
        cpu.mem.write(0x21 * 4, 2, 0x0010);
        cpu.mem.write(0x21 * 4 + 2, 2, 0x0040);
        cpu.mem.write_bytes(0x410, &[0x43, 0xCF]);
        cpu.state.flags.set(IF, true);
        cpu.state.flags.set(CF, true);
        step(&mut cpu);
        assert_eq!((cs(&cpu), cpu.state.rip), (0x40, 0x10));
        assert_eq!(cpu.state.regs[4], 0xFFF8);
        assert_eq!(cpu.mem.read(0xFFF8, 2), 0x102, "return IP");
        assert_eq!(cpu.mem.read(0xFFFA, 2), 0, "return CS");
        assert_eq!(cpu.mem.read(0xFFFC, 2) as u32 & (IF | CF), IF | CF);
        assert!(!cpu.state.flags.if_(), "IF cleared in the handler");
        run_to_halt(&mut cpu, 10);
        assert_eq!(cpu.state.regs[3], 1);
        assert_eq!(cpu.state.regs[4], 0xFFFE);
        assert_eq!((cs(&cpu), cpu.state.rip), (0, 0x103));
        assert!(cpu.state.flags.if_() && cpu.state.flags.cf());
    }

    #[test]
    fn iret_flags_per_model() {
        // iret popping FLAGS = 0xFFFF: what sticks depends on the model.
        let cases = [
            (CpuModel::I8086, 0x0FD7u32, 0xFFD7u32),
            (CpuModel::I80286, 0x0FD7, 0x0FD7),
            (CpuModel::Pentium, 0x7FD7, 0x7FD7),
        ];
        for (model, eflags, image) in cases {
            let mut cpu = cpu_with(model, &[0xCF]);
            cpu.state.regs[4] = 0x1000;
            cpu.mem.write(0x1000, 2, 0x0200);
            cpu.mem.write(0x1002, 2, 0x0000);
            cpu.mem.write(0x1004, 2, 0xFFFF);
            step(&mut cpu);
            assert_eq!(cpu.state.rip, 0x200, "{model:?}");
            assert_eq!(cpu.flags_image(), image, "{model:?} image");
            assert_eq!(cpu.state.flags.eflags(), eflags, "{model:?} stored");
        }
        // 66 iret in real mode: VM is kept clear, RF/AC/ID load.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x66, 0xCF]);
        cpu.state.regs[4] = 0x1000;
        cpu.mem.write(0x1000, 4, 0x0200);
        cpu.mem.write(0x1004, 4, 0x0000);
        cpu.mem.write(0x1008, 4, 0x003F_7FD7);
        step(&mut cpu);
        assert_eq!(cpu.state.flags.eflags(), 0x0025_7FD7);
        assert_eq!(cpu.state.regs[4], 0x100C);
    }

    #[test]
    fn int3_into_int1() {
        // int3 -> vector 3; into with OF clear does nothing; with OF set -> vector 4;
        // int1 -> vector 1. Each vector points at a distinct IP in segment 0.
        for (code, of, vector) in [
            (&[0xCCu8][..], false, Some(3u8)),
            (&[0xCE], false, None),
            (&[0xCE], true, Some(4)),
            (&[0xF1], false, Some(1)),
            (&[0xCD, 0x80], false, Some(0x80)),
        ] {
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            for v in [1u32, 3, 4, 0x80] {
                cpu.mem.write(v * 4, 2, 0x1000 + u64::from(v));
            }
            cpu.state.flags.set(OF, of);
            step(&mut cpu);
            let next = 0x100 + code.len() as u64;
            match vector {
                Some(v) => {
                    assert_eq!(cpu.state.rip, 0x1000 + u64::from(v), "{code:x?}");
                    assert_eq!(cpu.mem.read(0xFFF8, 2), next, "{code:x?}: return IP");
                }
                None => assert_eq!(cpu.state.rip, next, "{code:x?}"),
            }
        }
    }

    #[test]
    fn int_fault_leaves_no_partial_state() {
        // int 21h whose third push (IP) wraps beyond SS limit 7FFF: #SS(0),
        // SP and FLAGS as before.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xCD, 0x21]);
        cpu.state.seg[SegReg::Ss as usize].limit = 0x7FFF;
        cpu.state.regs[4] = 4;
        cpu.state.flags.set(IF, true);
        let before = cpu.state.clone();
        assert_eq!(run_handler(&mut cpu), Err(Exception::StackFault(0)));
        cpu.state.rip = before.rip;
        assert_eq!(cpu.state, before);
    }

    #[test]
    fn bound() {
        // bound ax, [bx] with bounds -2..=5 at 0x2000
        for (ax, ok) in [(0xFFFEu64, true), (5, true), (0xFFFD, false), (6, false)] {
            let mut cpu = cpu_with(CpuModel::I80286, &[0x62, 0x07]);
            cpu.state.regs[0] = ax;
            cpu.state.regs[3] = 0x2000;
            cpu.mem.write(0x2000, 2, 0xFFFE);
            cpu.mem.write(0x2002, 2, 5);
            let r = run_handler(&mut cpu);
            assert_eq!(r.is_ok(), ok, "ax={ax:#x}");
            if !ok {
                assert_eq!(r, Err(Exception::BoundRange));
            }
        }
        // 66 bound eax, [bx]: 32-bit bounds.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x66, 0x62, 0x07]);
        cpu.state.regs[0] = 0x1_0000;
        cpu.state.regs[3] = 0x2000;
        cpu.mem.write(0x2000, 4, 0);
        cpu.mem.write(0x2004, 4, 0xFFFF);
        assert_eq!(run_handler(&mut cpu), Err(Exception::BoundRange));
        // #BR is a fault: delivered with the BOUND's own address.
        let mut cpu = cpu_with(CpuModel::I80286, &[0x62, 0x07]);
        cpu.state.regs[3] = 0x2000;
        cpu.mem.write(0x2000, 2, 1);
        cpu.mem.write(0x2002, 2, 2);
        cpu.mem.write(5 * 4, 2, 0x0500);
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0x500);
        assert_eq!(cpu.mem.read(0xFFF8, 2), 0x100);
        // The register form does not exist: #UD.
        let mut cpu = cpu_with(CpuModel::I80286, &[0x62, 0xC0]);
        assert_eq!(run_handler(&mut cpu), Err(Exception::InvalidOpcode));
    }
}
