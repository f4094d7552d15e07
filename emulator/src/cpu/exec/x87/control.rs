//! x87 control instructions (SDM Vol. 1 §8.3.11–8.3.13, Vol. 2 pages):
//! FNINIT/FINIT, FNCLEX/FCLEX, FLDCW, FNSTCW/FSTCW, FNSTSW/FSTSW (m16 and
//! AX), WAIT/FWAIT, FNOP, FINCSTP, FDECSTP, FFREE, FFREEP, FXCH, and the
//! 8087/287 instructions a 387 and later execute as no-ops (FNENI, FNDISI,
//! FNSETPM). FRSTPM (287XL only) stays #UD.

use super::{check_nm, check_pending, check_wait, record, sti};
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::fpu_state::{sw, Reg80};
use crate::cpu::state::cr0;
use crate::cpu::Cpu;
use iced_x86::{Code, Instruction};

pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.code() {
        Code::Fninit => fninit,
        Code::Finit => finit,
        Code::Fnclex => fnclex,
        Code::Fclex => fclex,
        Code::Fldcw_m2byte => fldcw,
        Code::Fnstcw_m2byte => fnstcw,
        Code::Fstcw_m2byte => fstcw,
        Code::Fnstsw_m2byte | Code::Fnstsw_AX => fnstsw,
        Code::Fstsw_m2byte | Code::Fstsw_AX => fstsw,
        Code::Wait => wait,
        Code::Fnop => fnop,
        Code::Fneni | Code::Fndisi | Code::Fnsetpm => fnop_nowait,
        Code::Feni | Code::Fdisi | Code::Fsetpm => fnop_waited,
        Code::Fincstp => fincstp,
        Code::Fdecstp => fdecstp,
        Code::Ffree_sti => ffree,
        Code::Ffreep_sti => ffreep,
        Code::Fxch_st0_sti | Code::Fxch_st0_sti_DDC8 | Code::Fxch_st0_sti_DFC8 => fxch,
        _ => return None,
    })
}

fn fninit(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    check_nm(cpu)?;
    cpu.state.fpu.init();
    Ok(())
}

fn finit(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    fninit(cpu, d)
}

/// FNCLEX: clear the exception flags, SF, ES and B (C0–C3 undefined: kept).
fn fnclex(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    check_nm(cpu)?;
    cpu.state.fpu.sw &= !(sw::EXCEPTIONS | sw::SF | sw::ES | sw::B);
    cpu.state.fpu.ferr = false;
    Ok(())
}

fn fclex(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    fnclex(cpu, d)
}

fn fldcw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    let v = cpu.read_op(d, 0, 2)? as u16;
    cpu.state.fpu.set_control_word(v);
    Ok(())
}

fn fnstcw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_nm(cpu)?;
    let v = cpu.state.fpu.cw;
    cpu.write_op(d, 0, 2, u64::from(v))
}

fn fstcw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    fnstcw(cpu, d)
}

fn fnstsw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_nm(cpu)?;
    let v = cpu.state.fpu.status_word();
    cpu.write_op(d, 0, 2, u64::from(v))
}

fn fstsw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    fnstsw(cpu, d)
}

/// WAIT/FWAIT: #NM only when CR0.MP and TS are both set; then the pending
/// exception check.
fn wait(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    if cpu.state.cr0 & (cr0::MP | cr0::TS) == cr0::MP | cr0::TS {
        return Err(Exception::DeviceNotAvailable);
    }
    check_pending(cpu)
}

fn fnop(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    Ok(())
}

/// FNENI/FNDISI/FNSETPM on a 387 or later: no operation, no wait.
fn fnop_nowait(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    check_nm(cpu)
}

/// FENI/FDISI/FSETPM (with the WAIT prefix).
fn fnop_waited(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    check_wait(cpu)
}

fn fincstp(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let f = &mut cpu.state.fpu;
    f.top = (f.top + 1) & 7;
    f.set_c1(false);
    Ok(())
}

fn fdecstp(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let f = &mut cpu.state.fpu;
    f.top = (f.top + 7) & 7;
    f.set_c1(false);
    Ok(())
}

fn ffree(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    cpu.state.fpu.free(sti(d, 0));
    // C0–C3 are undefined; a Core host clears C1.
    cpu.state.fpu.set_c1(false);
    Ok(())
}

/// FFREEP ST(i) (DF C0+i): free ST(i), then pop.
fn ffreep(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    cpu.state.fpu.free(sti(d, 0));
    cpu.state.fpu.pop();
    cpu.state.fpu.set_c1(false);
    Ok(())
}

/// FXCH ST(i): swap with ST(0); C1 = 0. An empty operand is a stack
/// underflow: masked, empty registers read as the real indefinite and the
/// swap happens; unmasked, nothing changes.
fn fxch(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let i = sti(d, 1);
    let f = &mut cpu.state.fpu;
    let (e0, ei) = (f.is_empty(0), f.is_empty(i));
    if e0 || ei {
        if f.stack_underflow() {
            return Ok(());
        }
    } else {
        f.set_c1(false);
    }
    let a = if e0 { Reg80::INDEFINITE } else { f.st(0) };
    let b = if ei { Reg80::INDEFINITE } else { f.st(i) };
    f.set_st(0, b);
    f.set_st(i, a);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{fpu_cpu, int, run};
    use crate::cpu::exception::Exception;
    use crate::cpu::fpu_state::{sw, Reg80};
    use crate::cpu::state::cr0;

    #[test]
    fn init_clex_and_control_word() {
        // FLD1; FLDCW [0x200]; FNSTCW [0x202]; FNSTSW AX; FNINIT; FNSTSW [0x204]
        let mut cpu = fpu_cpu(&[
            0xD9, 0xE8, 0xD9, 0x2E, 0x00, 0x02, 0xD9, 0x3E, 0x02, 0x02, 0xDF, 0xE0, 0xDB, 0xE3,
            0xDD, 0x3E, 0x04, 0x02,
        ]);
        cpu.mem.write(0x200, 2, 0x0C7F);
        cpu.mem.write(0x204, 2, 0xFFFF);
        run(&mut cpu, 3);
        assert_eq!(cpu.mem.read(0x202, 2), 0x0C7F);
        run(&mut cpu, 1);
        assert_eq!(cpu.state.regs[0] & 0xFFFF, 7 << 11); // TOP = 7
        run(&mut cpu, 2);
        assert_eq!(cpu.mem.read(0x204, 2), 0);
        assert_eq!(cpu.state.fpu.cw, 0x037F);
        assert_eq!(cpu.state.fpu.tag, 0xFFFF);
    }

    #[test]
    fn stack_pointer_and_exchange() {
        // FLD1; FLDZ; FXCH ST1; FINCSTP; FDECSTP; FFREE ST1
        let mut cpu = fpu_cpu(&[
            0xD9, 0xE8, 0xD9, 0xEE, 0xD9, 0xC9, 0xD9, 0xF7, 0xD9, 0xF6, 0xDD, 0xC1,
        ]);
        run(&mut cpu, 3);
        let f = &cpu.state.fpu;
        assert_eq!((f.st(0), f.st(1), f.top), (int(1), Reg80::ZERO, 6));
        run(&mut cpu, 1);
        assert_eq!(cpu.state.fpu.top, 7);
        assert_eq!(cpu.state.fpu.st(0), Reg80::ZERO);
        run(&mut cpu, 1);
        assert_eq!(cpu.state.fpu.top, 6);
        run(&mut cpu, 1);
        assert!(cpu.state.fpu.is_empty(1));
        assert!(!cpu.state.fpu.is_empty(0));
        // FXCH with an empty ST1 (masked underflow): indefinite swapped in.
        let mut cpu = fpu_cpu(&[0xD9, 0xE8, 0xD9, 0xC9]);
        run(&mut cpu, 2);
        let f = &cpu.state.fpu;
        assert_eq!((f.st(0), f.st(1)), (Reg80::INDEFINITE, int(1)));
        assert_eq!(f.sw & (sw::IE | sw::SF | sw::C1), sw::IE | sw::SF);
    }

    #[test]
    fn nm_and_mf_rules() {
        // (CR0 bits, bytes, expected exception)
        let cases: [(u64, &[u8], Option<Exception>); 8] = [
            (cr0::EM, &[0xDB, 0xE3], Some(Exception::DeviceNotAvailable)),
            (cr0::TS, &[0xDB, 0xE3], Some(Exception::DeviceNotAvailable)),
            (cr0::TS, &[0x9B], None),
            (
                cr0::MP | cr0::TS,
                &[0x9B],
                Some(Exception::DeviceNotAvailable),
            ),
            (cr0::EM, &[0x9B], None),
            // Pending exception: FWAIT raises #MF with NE; FNCLEX does not.
            (cr0::NE, &[0x9B], Some(Exception::FpuError)),
            (cr0::NE, &[0xDB, 0xE2], None),
            (cr0::NE, &[0xD9, 0xE8], Some(Exception::FpuError)),
        ];
        for (bits, code, want) in cases {
            let mut cpu = fpu_cpu(code);
            cpu.state.cr0 |= bits;
            if bits & cr0::NE != 0 {
                cpu.state.fpu.sw = sw::ZE | sw::ES | sw::B;
                cpu.state.fpu.cw &= !0x04;
            }
            // Catch the exception through its IVT entry: vector n → 0:n*0x10.
            for v in 0..32u32 {
                cpu.mem.write(v * 4, 4, u64::from(v * 0x10));
            }
            let before = cpu.state.fpu.clone();
            run(&mut cpu, 1);
            match want {
                Some(e) => {
                    assert_eq!(
                        cpu.state.rip,
                        u64::from(e.vector()) * 0x10,
                        "{code:x?} {bits:x}"
                    );
                    assert_eq!(cpu.state.fpu, before);
                }
                None => assert_eq!(cpu.state.rip, 0x100 + code.len() as u64, "{code:x?}"),
            }
        }
    }

    #[test]
    fn pending_exception_without_ne_asserts_ferr() {
        let mut cpu = fpu_cpu(&[0x9B, 0xDB, 0xE2]);
        cpu.state.fpu.cw &= !0x04;
        cpu.state.fpu.sw = sw::ZE | sw::ES | sw::B;
        run(&mut cpu, 1);
        assert!(cpu.state.fpu.ferr);
        assert_eq!(cpu.state.rip, 0x101);
        run(&mut cpu, 1); // FNCLEX drops it
        assert!(!cpu.state.fpu.ferr);
        assert_eq!(cpu.state.fpu.sw, 0);
    }
}
