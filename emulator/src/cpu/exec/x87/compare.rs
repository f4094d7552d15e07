//! x87 comparisons (SDM Vol. 1 §8.3.6 Tables 8-6/8-7, Vol. 2 pages): FCOM,
//! FCOMP, FCOMPP (m32/m64/ST(i), incl. the DC D0/DC D8/DE D0 aliases),
//! FUCOM, FUCOMP, FUCOMPP, FICOM/FICOMP m16/m32, FTST, FCOMI, FCOMIP,
//! FUCOMI, FUCOMIP.
//!
//! Condition codes (C3, C2, C0): greater 000, less 001, equal 100,
//! unordered 111; C1 = 0. FCOMI forms set ZF, PF, CF the same way and clear
//! OF, SF, AF. FCOM/FICOM/FTST/FCOMI raise IE on any NaN, the FUCOM forms
//! only on SNaNs (the core's `compare`). An empty operand is a stack
//! underflow: masked, the result is "unordered" and the pops happen;
//! unmasked (and for unmasked IE or DE) the codes are left alone and
//! nothing is popped.

use super::{check_wait, read_source, record, screen, sti, to_f80};
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::flags;
use crate::cpu::fpu_state::sw;
use crate::cpu::Cpu;
use crate::fpu::f80::{self, F80Result, Ordering, DE, F80, IE};
use iced_x86::{Instruction, Mnemonic, OpKind};

pub fn handler(insn: &Instruction) -> Option<Handler> {
    let mem = insn.op_count() >= 1 && insn.op0_kind() == OpKind::Memory;
    Some(match insn.mnemonic() {
        Mnemonic::Fcom | Mnemonic::Ficom if mem => fcom_mem::<0>,
        Mnemonic::Fcomp | Mnemonic::Ficomp if mem => fcom_mem::<1>,
        Mnemonic::Fcom => fcom_reg::<true, 0>,
        Mnemonic::Fcomp => fcom_reg::<true, 1>,
        Mnemonic::Fcompp => fcom_reg::<true, 2>,
        Mnemonic::Fucom => fcom_reg::<false, 0>,
        Mnemonic::Fucomp => fcom_reg::<false, 1>,
        Mnemonic::Fucompp => fcom_reg::<false, 2>,
        Mnemonic::Ftst => ftst,
        Mnemonic::Fcomi => fcomi::<true, false>,
        Mnemonic::Fcomip => fcomi::<true, true>,
        Mnemonic::Fucomi => fcomi::<false, false>,
        Mnemonic::Fucomip => fcomi::<false, true>,
        _ => return None,
    })
}

/// (C3, C2, C0) of an ordering.
fn codes(o: Ordering) -> (bool, bool, bool) {
    match o {
        Ordering::Greater => (false, false, false),
        Ordering::Less => (false, false, true),
        Ordering::Equal => (true, false, false),
        Ordering::Unordered => (true, true, true),
    }
}

/// Set the condition codes and pop `pops` times, unless the comparison
/// raised an unmasked IE/DE (flags recorded either way).
fn finish_cc(cpu: &mut Cpu, o: Ordering, flags: u8, pops: u8) {
    let (flags, stop) = screen(cpu, flags, IE | DE);
    let f = &mut cpu.state.fpu;
    f.signal(u16::from(flags));
    // The codes are set even when IE is unmasked (as a Core host does);
    // only the pops are skipped.
    let (c3, c2, c0) = codes(o);
    f.set_cc(c3, c2, false, c0);
    if stop {
        return;
    }
    for _ in 0..pops {
        f.pop();
    }
}

/// Stack underflow of a compare: masked → unordered and pops.
fn underflow_cc(cpu: &mut Cpu, pops: u8) {
    let f = &mut cpu.state.fpu;
    let stop = f.stack_underflow();
    // "Unordered" even when IE is unmasked (as a Core host does).
    f.set_cc(true, true, false, true);
    if stop {
        return;
    }
    for _ in 0..pops {
        f.pop();
    }
}

fn fcom_mem<const POPS: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    let (b, lf) = read_source(cpu, d)?;
    record(cpu, d);
    if cpu.state.fpu.is_empty(0) {
        underflow_cc(cpu, POPS);
        return Ok(());
    }
    let a = to_f80(cpu.state.fpu.st(0));
    let (o, fl) = f80::compare(a, b, true);
    let fl = f80::apply_operand_de(a, b, F80Result::exact(a, fl), lf).flags;
    finish_cc(cpu, o, fl, POPS);
    Ok(())
}

/// ST(0) against ST(i) (ST(1) when there is no operand).
fn fcom_reg<const ORDERED: bool, const POPS: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let i = match d.insn.op_count() {
        2 => sti(d, 1),
        1 => sti(d, 0),
        _ => 1,
    };
    let f = &cpu.state.fpu;
    if f.is_empty(0) || f.is_empty(i) {
        underflow_cc(cpu, POPS);
        return Ok(());
    }
    let (o, fl) = f80::compare(to_f80(f.st(0)), to_f80(f.st(i)), ORDERED);
    finish_cc(cpu, o, fl, POPS);
    Ok(())
}

fn ftst(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    if cpu.state.fpu.is_empty(0) {
        underflow_cc(cpu, 0);
        return Ok(());
    }
    let (o, fl) = f80::compare(to_f80(cpu.state.fpu.st(0)), F80::ZERO, true);
    finish_cc(cpu, o, fl, 0);
    Ok(())
}

/// FCOMI/FUCOMI (and the popping forms): EFLAGS ZF, PF, CF.
fn fcomi<const ORDERED: bool, const POP: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let i = sti(d, 1);
    let f = &cpu.state.fpu;
    let (o, fl) = if f.is_empty(0) || f.is_empty(i) {
        let f = &mut cpu.state.fpu;
        f.stack_underflow();
        (Ordering::Unordered, 0)
    } else {
        f80::compare(to_f80(f.st(0)), to_f80(f.st(i)), ORDERED)
    };
    let (fl, stop) = screen(cpu, fl, IE | DE);
    let f = &mut cpu.state.fpu;
    f.signal(u16::from(fl));
    // C1 is only cleared by a stack underflow (C0, C2, C3 unaffected).
    let stop = stop || f.sw & sw::SF != 0 && f.sw & !f.cw & sw::IE != 0;
    let bits = match o {
        Ordering::Greater => 0,
        Ordering::Less => flags::CF,
        Ordering::Equal => flags::ZF,
        Ordering::Unordered => flags::ZF | flags::PF | flags::CF,
    };
    // EFLAGS are set even when IE is unmasked (assumed like FCOM's codes);
    // the pop is skipped then.
    cpu.state.flags.set_arith(bits);
    if POP && !stop {
        cpu.state.fpu.pop();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{fpu_cpu, run};
    use crate::cpu::fpu_state::sw;

    /// Loads a = m64 [0x200] then b = m64 [0x208] (ST0 = b, ST1 = a) and runs
    /// one compare; (a, b, code, expected C3 C2 C0 or ZF PF CF bits).
    #[test]
    fn compare_codes() {
        let nan = f64::NAN;
        let cases: [(f64, f64, &[u8], u16, u32); 10] = [
            (1.0, 2.0, &[0xD8, 0xD1], 0, 0),      // FCOM ST1: 2 > 1
            (2.0, 1.0, &[0xD8, 0xD1], sw::C0, 0), // 1 < 2
            (2.0, 2.0, &[0xD8, 0xD1], sw::C3, 0), // equal
            (nan, 2.0, &[0xDD, 0xE1], sw::C3 | sw::C2 | sw::C0, 0), // FUCOM unordered
            (0.0, -0.0, &[0xD9, 0xE4], sw::C3, 0), // FTST -0 = 0
            (1.0, -3.0, &[0xD9, 0xE4], sw::C0, 0), // FTST < 0
            (1.0, 2.0, &[0xDB, 0xF1], 0, 0),      // FCOMI >
            (2.0, 1.0, &[0xDB, 0xF1], 0, 1),      // FCOMI < → CF
            (2.0, 2.0, &[0xDF, 0xE9], 0, 0x40),   // FUCOMIP = → ZF
            (nan, 2.0, &[0xDB, 0xE9], 0, 0x45),   // FUCOMI unordered
        ];
        for (a, b, code, cc, fl) in cases {
            let mut prog = vec![0xDD, 0x06, 0x00, 0x02, 0xDD, 0x06, 0x08, 0x02];
            prog.extend_from_slice(code);
            let mut cpu = fpu_cpu(&prog);
            cpu.mem.write(0x200, 8, a.to_bits());
            cpu.mem.write(0x208, 8, b.to_bits());
            run(&mut cpu, 3);
            let f = &cpu.state.fpu;
            if code[0] == 0xDB || code[0] == 0xDF {
                assert_eq!(cpu.state.flags.eflags() & 0x8D5, fl, "{a} {b} {code:x?}");
            } else {
                assert_eq!(f.sw & sw::CC, cc, "{a} {b} {code:x?}");
            }
            let ie = f.sw & sw::IE != 0;
            // FCOM-class compares of a QNaN raise IE; FUCOM-class do not.
            assert!(!ie, "{a} {b} {code:x?}");
        }
    }

    #[test]
    fn fcompp_pops_twice_and_fcom_nan_is_invalid() {
        let mut cpu = fpu_cpu(&[0xD9, 0xE8, 0xD9, 0xEE, 0xDE, 0xD9]);
        run(&mut cpu, 3);
        assert_eq!(cpu.state.fpu.top, 0);
        assert_eq!(cpu.state.fpu.tag, 0xFFFF);
        assert_eq!(cpu.state.fpu.sw & sw::CC, sw::C0); // 0 < 1
                                                       // FLD qword NaN; FCOM ST0 → IE, unordered.
        let mut cpu = fpu_cpu(&[0xDD, 0x06, 0x00, 0x02, 0xD8, 0xD0]);
        cpu.mem.write(0x200, 8, f64::NAN.to_bits());
        run(&mut cpu, 2);
        let f = &cpu.state.fpu;
        assert_eq!(f.sw & (sw::CC | sw::IE), sw::C3 | sw::C2 | sw::C0 | sw::IE);
    }
}
