//! Software interrupts and interrupt return: INT n, INT3, INTO, INT1
//! (ICEBP), IRET/IRETD, and BOUND, which raises #BR (SDM Vol. 1 §6.4, §7.3.8.4;
//! Vol. 2 "INT n/INTO/INT3/INT1—Call to Interrupt Procedure",
//! "IRET/IRETD—Interrupt Return" and "BOUND—Check Array Index Against
//! Bounds"; Vol. 3A §6.4 sources of interrupts, §6.12 exception and
//! interrupt handling).
//!
//! The handlers run with rip already at the next instruction, so INT n
//! pushes the right return address; delivery itself is
//! [`Cpu::interrupt`](crate::cpu::Cpu::interrupt), which leaves the
//! registers as they were when it faults. IRET checks everything before it
//! changes anything.
//!
//! Privilege rules (SDM Vol. 3A §6.12.1.1, §20.2.7, Table 20-2; no VME):
//! INT n, INT3 and INTO check the gate DPL against CPL (#GP(vector·8+2));
//! INT1 and BOUND's #BR do not. In virtual-8086 mode INT n and IRET are
//! IOPL-sensitive (#GP(0) when IOPL < 3); INT3, INTO and BOUND are not.
//! Protected-mode IRET (Vol. 2 IRET): NT set → task return through the
//! back link; VM set in the popped EFLAGS at CPL 0 → return to V86 mode;
//! RPL of the popped CS above CPL → return to an outer level (SS:ESP
//! popped, data segments not valid at the new CPL nulled).

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::exec::control::FLAGS_LOW;
use crate::cpu::exec::gates::NULL_SEGMENT;
use crate::cpu::flags;
use crate::cpu::interrupt::IntSource;
use crate::cpu::model::CpuModel;
use crate::cpu::state::{attr, gpr, SegReg, Segment};
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
/// instruction). [`Cpu::interrupt`] restores the registers if delivery
/// faults part-way, so the fault is reported on the instruction.
#[inline]
fn soft_interrupt(cpu: &mut Cpu, vector: u8, src: IntSource) -> ExResult {
    cpu.interrupt(vector, src)
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
    cpu.far_target(ip)?;
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

/// Every EFLAGS bit an IRET to virtual-8086 mode loads.
const FLAGS_V86_RETURN: u32 =
    FLAGS_LOW | flags::RF | flags::VM | flags::AC | flags::VIF | flags::VIP | flags::ID;

/// IRET in protected mode (SDM Vol. 2 IRET, PROTECTED-MODE and what
/// follows it).
fn iret_protected<const OS: u32>(cpu: &mut Cpu) -> ExResult {
    if cpu.state.flags.get(flags::NT) {
        return cpu.task_return();
    }
    let size = u64::from(OS);
    let ip = cpu.peek(0, OS)?;
    let sel = cpu.peek(size, OS)? as u16;
    let image = cpu.peek(2 * size, OS)? as u32;
    let cpl = cpu.state.cpl;
    if OS == 4 && image & flags::VM != 0 && cpl == 0 {
        return iret_to_v86(cpu, ip, sel, image);
    }
    let d = cpu.check_return_cs(sel)?;
    let rpl = (sel & 3) as u8;
    // Which flags load depends on the CPL before the return.
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
    if rpl == cpl {
        if ip > u64::from(d.limit) {
            return Err(Exception::GeneralProtection(0));
        }
        cpu.load_cs(sel, &d, cpl)?;
        cpu.state.rip = ip;
        cpu.state.flags.set_masked(image, mask);
        cpu.release_stack(3 * size);
        return Ok(());
    }
    let esp = cpu.peek(3 * size, OS)?;
    let ss = cpu.peek(4 * size, OS)? as u16;
    let ssd = cpu.check_return_ss(ss, rpl)?;
    if ip > u64::from(d.limit) {
        return Err(Exception::GeneralProtection(0));
    }
    cpu.atomically(|cpu| {
        cpu.state.flags.set_masked(image, mask);
        cpu.enter_outer_level(sel, &d, ip, ss, &ssd, esp, 0)?;
        // IRET also nulls registers that hold a null selector (RPL bits
        // included), unlike RET.
        for r in [SegReg::Es, SegReg::Ds, SegReg::Fs, SegReg::Gs] {
            if cpu.state.seg[r as usize].selector & !3 == 0 {
                cpu.state.seg[r as usize] = NULL_SEGMENT;
            }
        }
        Ok(())
    })
}

/// IRET from CPL 0 to virtual-8086 mode (SDM Vol. 2 IRET,
/// RETURN-TO-VIRTUAL-8086-MODE; Vol. 3A §20.2.5): the 36-byte frame EIP,
/// CS, EFLAGS, ESP, SS, ES, DS, FS, GS is popped, every EFLAGS bit loads,
/// the segment registers load the V86 way, CPL becomes 3.
fn iret_to_v86(cpu: &mut Cpu, ip: u64, cs: u16, image: u32) -> ExResult {
    let mut frame = [0u16; 5];
    let esp = cpu.peek(12, 4)?;
    for (i, f) in frame.iter_mut().enumerate() {
        *f = cpu.peek(16 + 4 * i as u64, 4)? as u16;
    }
    let [ss, es, ds, fs, gs] = frame;
    if ip > 0xFFFF {
        return Err(Exception::GeneralProtection(0));
    }
    cpu.state.flags.set_masked(image, FLAGS_V86_RETURN);
    for (r, sel) in [
        (SegReg::Cs, cs),
        (SegReg::Ss, ss),
        (SegReg::Es, es),
        (SegReg::Ds, ds),
        (SegReg::Fs, fs),
        (SegReg::Gs, gs),
    ] {
        cpu.state.seg[r as usize] = v86_segment(sel, r == SegReg::Cs);
    }
    cpu.state.regs[gpr::RSP] = esp & 0xFFFF_FFFF;
    cpu.state.cpl = 3;
    cpu.state.rip = ip;
    Ok(())
}

/// A segment register as virtual-8086 mode loads it: base = selector × 16,
/// 64 KiB limit, present, DPL 3, writable data or readable code (SDM
/// Vol. 3A §20.1.1).
pub fn v86_segment(sel: u16, code: bool) -> Segment {
    let a = if code {
        attr::REAL_CODE
    } else {
        attr::REAL_DATA
    };
    Segment {
        selector: sel,
        base: u32::from(sel) << 4,
        limit: 0xFFFF,
        attr: a | (3 << attr::DPL_SHIFT),
    }
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

    mod protected {
        use crate::cpu::exception::Exception;
        use crate::cpu::exec::gates::NULL_SEGMENT;
        use crate::cpu::exec::interrupts::v86_segment;
        use crate::cpu::exec::pm_fixture::*;
        use crate::cpu::exec::testutil::step;
        use crate::cpu::flags::{AC, CF, IF, IOPL, NT, RF, VIF, VIP, VM, ZF};
        use crate::cpu::segment::sys_type::INTERRUPT_GATE32;
        use crate::cpu::state::{gpr, SegReg};
        use crate::cpu::Cpu;

        /// Ring 0 (IOPL `iopl`) about to run `code` with `frame` (dwords) at ESP.
        fn with_frame(code: &[u8], iopl: u32, frame: &[u32]) -> Cpu {
            let mut cpu = pm_cpu(0, code);
            cpu.state.flags.set_masked(iopl << 12, IOPL);
            for (i, v) in frame.iter().enumerate() {
                cpu.mem.write(START_ESP + 4 * i as u32, 4, u64::from(*v));
            }
            cpu
        }

        fn sel(cpu: &Cpu, r: SegReg) -> u16 {
            cpu.state.seg[r as usize].selector
        }

        #[test]
        fn iret_to_ring3() {
            // EFLAGS image: CF ZF IF, IOPL 3, NT clear, AC.
            let image = CF | ZF | IF | IOPL | AC | 2;
            let frame = [0x1_2345, u32::from(CODE3), image, 0x6000, u32::from(DATA3)];
            let mut cpu = with_frame(&[0xCF], 0, &frame);
            cpu.state.seg[SegReg::Gs as usize] = cache(&cpu, DATA3);
            step(&mut cpu);
            assert_eq!(
                (sel(&cpu, SegReg::Cs), cpu.state.cpl, cpu.state.rip),
                (CODE3, 3, 0x1_2345)
            );
            assert_eq!(cpu.state.seg[SegReg::Ss as usize], cache(&cpu, DATA3));
            assert_eq!(cpu.state.regs[gpr::RSP], 0x6000);
            assert_eq!(cpu.state.flags.eflags(), image, "CPL 0 loads IOPL and IF");
            for r in [SegReg::Es, SegReg::Ds, SegReg::Fs] {
                assert_eq!(cpu.state.seg[r as usize], NULL_SEGMENT, "{r:?}");
            }
            assert_eq!(sel(&cpu, SegReg::Gs), DATA3);
        }

        #[test]
        fn iret_flag_rules_at_ring3() {
            // At CPL 3 with IOPL 0, IRET changes neither IF nor IOPL.
            let mut cpu = pm_cpu(3, &[0xCF]);
            for (i, v) in [0x200u32, u32::from(CODE3), CF | IF | IOPL | VIF | VIP | 2]
                .iter()
                .enumerate()
            {
                cpu.mem.write(START_ESP + 4 * i as u32, 4, u64::from(*v));
            }
            step(&mut cpu);
            assert_eq!(cpu.state.rip, 0x200);
            assert_eq!(cpu.state.flags.eflags(), CF | 2);
            assert_eq!(cpu.state.regs[gpr::RSP], u64::from(START_ESP + 12));
        }

        #[test]
        fn iret_to_v86_and_int_back() {
            let image = VM | IF | IOPL | CF | 2;
            let frame = [
                0x0100, 0x1000, image, 0x0FFE, 0x2000, 0x3000, 0x4000, 0x5000, 0x6000,
            ];
            let mut cpu = with_frame(&[0xCF], 0, &frame);
            // int 40h in the V86 code at 1000:0100, back to ring 0.
            cpu.mem.write_bytes(0x1_0100, &[0xCD, 0x40]);
            set_idt(
                &mut cpu,
                0x40,
                gate_desc(CODE0, 0x2_0000, INTERRUPT_GATE32, 3, 0),
            );
            step(&mut cpu);
            assert!(cpu.state.v86());
            assert_eq!((cpu.state.cpl, cpu.state.rip), (3, 0x100));
            assert_eq!(cpu.state.flags.eflags(), image);
            assert_eq!(cpu.state.regs[gpr::RSP], 0x0FFE);
            for (r, s) in [
                (SegReg::Cs, 0x1000),
                (SegReg::Ss, 0x2000),
                (SegReg::Es, 0x3000),
                (SegReg::Ds, 0x4000),
                (SegReg::Fs, 0x5000),
                (SegReg::Gs, 0x6000),
            ] {
                assert_eq!(
                    cpu.state.seg[r as usize],
                    v86_segment(s, r == SegReg::Cs),
                    "{r:?}"
                );
            }
            step(&mut cpu);
            assert!(!cpu.state.v86());
            assert_eq!((sel(&cpu, SegReg::Cs), cpu.state.rip), (CODE0, 0x2_0000));
            assert_eq!(cpu.state.regs[gpr::RSP], u64::from(ESP0 - 36));
            assert_eq!(
                dwords(&cpu, ESP0 - 36, 9),
                [0x102, 0x1000, image, 0x0FFE, 0x2000, 0x3000, 0x4000, 0x5000, 0x6000]
            );
        }

        #[test]
        fn iret_faults_change_nothing() {
            let cs3 = u32::from(CODE3);
            let ds3 = u32::from(DATA3);
            let fl = IF | 2;
            // (name, IRET bytes, frame, fault)
            type Case = (&'static str, &'static [u8], [u32; 9], Exception);
            #[rustfmt::skip]
            let cases: [Case; 7] = [
                ("outer: SS null", &[0xCF], [0, cs3, fl, 0x6000, 0, 0, 0, 0, 0], Exception::GeneralProtection(0)),
                ("outer: SS DPL 0", &[0xCF], [0, cs3, fl, 0x6000, u32::from(DATA0 | 3), 0, 0, 0, 0],
                    Exception::GeneralProtection(DATA0)),
                ("outer: SS RPL 0", &[0xCF], [0, cs3, fl, 0x6000, ds3 & !3, 0, 0, 0, 0],
                    Exception::GeneralProtection(DATA3 & !3)),
                ("CS is data", &[0xCF], [0, ds3, fl, 0x6000, ds3, 0, 0, 0, 0], Exception::GeneralProtection(DATA3 & !3)),
                ("EIP beyond the CS limit", &[0xCF], [0x1_0000, u32::from(CODE16_3), fl, 0x6000, ds3, 0, 0, 0, 0],
                    Exception::GeneralProtection(0)),
                ("to V86: EIP above FFFFh", &[0xCF], [0x1_0000, 0x1000, VM | fl, 0, 0, 0, 0, 0, 0],
                    Exception::GeneralProtection(0)),
                ("16-bit IRET ignores VM: CS 1000h is no selector", &[0x66, 0xCF], [0x1000_0100, VM | fl, 0, 0, 0, 0, 0, 0, 0],
                    Exception::GeneralProtection(0x1000)),
            ];
            for (name, code, frame, fault) in cases {
                let mut cpu = with_frame(code, 0, &frame);
                let before = cpu.state.clone();
                assert_eq!(run_handler(&mut cpu), Err(fault), "{name}");
                assert_eq!(cpu.state, before, "{name}: state changed");
            }
            // The 36-byte V86 frame must be within the stack limit: #SS(0).
            let mut cpu = with_frame(&[0xCF], 0, &[0x100, 0x1000, VM | fl]);
            let mut ss = cpu.state.seg[SegReg::Ss as usize];
            ss.limit = START_ESP + 31;
            cpu.state.seg[SegReg::Ss as usize] = ss;
            assert_eq!(run_handler(&mut cpu), Err(Exception::StackFault(0)));
        }

        #[test]
        fn iret_with_nt_returns_to_the_back_linked_task() {
            // The back link (TSS offset 0) is 0: the task return refuses it
            // with #TS(0) rather than popping a frame.
            let mut cpu = with_frame(&[0xCF], 0, &[0x200, u32::from(CODE0), 2]);
            cpu.state.flags.set(NT, true);
            cpu.mem.write(TSS, 2, 0);
            let before = cpu.state.clone();
            assert_eq!(run_handler(&mut cpu), Err(Exception::InvalidTss(0)));
            assert_eq!(cpu.state, before);
        }

        #[test]
        fn iret_in_v86_with_iopl3_keeps_iopl() {
            let mut cpu = v86_cpu(3, &[0x66, 0xCF]);
            for (i, v) in [0x0200u32, 0x1000, CF | RF | 2].iter().enumerate() {
                cpu.mem.write(0x2_0FFE + 4 * i as u32, 4, u64::from(*v));
            }
            step(&mut cpu);
            assert!(cpu.state.v86());
            assert_eq!(cpu.state.rip, 0x200);
            assert_eq!(cpu.state.flags.eflags(), CF | RF | VM | IOPL | 2);
        }
    }
}
