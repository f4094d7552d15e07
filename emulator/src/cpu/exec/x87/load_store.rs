//! x87 data transfer (SDM Vol. 1 §8.3.3–8.3.4,
//! Vol. 2 pages): FLD ST(i)/m80, FST/FSTP ST(i), FSTP m80, FSTP1 alias
//! (D9 D8+i), FILD m16/m32/m64 (exact in 64 bits), FBLD m80, the constants
//! FLD1/FLDZ/FLDPI/FLDL2E/FLDL2T/FLDLG2/FLDLN2 (rounded per RC as a Core
//! host does: the exact value rounded), FCMOVcc, FCHS, FABS, FXAM.
//!
//! Loads of m32/m64 reals and all rounding stores (FST/FSTP m32/m64,
//! FIST/FISTP m16/m32/m64, FBSTP) use the soft-float core
//! [`crate::fpu::f80`].
//!
//! C1 after these instructions is 0 except for a stack overflow (1) or a
//! rounding store that rounded up; FXAM sets C1 to the sign; FCMOVcc leaves
//! it alone unless the stack underflows.

use super::{
    check_wait, check_write, env, from_f80, read_bytes, record, screen, sti, to_f80, write_bytes,
};
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::fpu_state::sw;
use crate::cpu::fpu_state::Reg80;
use crate::cpu::Cpu;
use crate::fpu::f80::{self, Constant, Rounding, DE, IE, OE, UE};
use iced_x86::{Code, Instruction, Mnemonic};

pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.code() {
        Code::Fld_sti => fld_sti,
        Code::Fld_m80fp => fld_m80,
        Code::Fld_m32fp => fld_real::<4>,
        Code::Fld_m64fp => fld_real::<8>,
        Code::Fst_m32fp => fst_mem::<F32, false>,
        Code::Fstp_m32fp => fst_mem::<F32, true>,
        Code::Fst_m64fp => fst_mem::<F64, false>,
        Code::Fstp_m64fp => fst_mem::<F64, true>,
        Code::Fist_m16int => fst_mem::<I16, false>,
        Code::Fistp_m16int => fst_mem::<I16, true>,
        Code::Fist_m32int => fst_mem::<I32, false>,
        Code::Fistp_m32int => fst_mem::<I32, true>,
        Code::Fistp_m64int => fst_mem::<I64, true>,
        Code::Fbstp_m80bcd => fst_mem::<BCD, true>,
        Code::Fst_sti => fst_sti::<false>,
        Code::Fstp_sti | Code::Fstp_sti_DFD0 | Code::Fstp_sti_DFD8 => fst_sti::<true>,
        Code::Fstpnce_sti => fstpnce,
        Code::Fstp_m80fp => fstp_m80,
        Code::Fild_m16int => fild::<2>,
        Code::Fild_m32int => fild::<4>,
        Code::Fild_m64int => fild::<8>,
        Code::Fbld_m80bcd => fbld,
        Code::Fld1 => fldc::<C_ONE>,
        Code::Fldz => fldc::<C_ZERO>,
        Code::Fldpi => fldc::<C_PI>,
        Code::Fldl2e => fldc::<C_L2E>,
        Code::Fldl2t => fldc::<C_L2T>,
        Code::Fldlg2 => fldc::<C_LG2>,
        Code::Fldln2 => fldc::<C_LN2>,
        Code::Fchs => fsign::<false>,
        Code::Fabs => fsign::<true>,
        Code::Fxam => fxam,
        _ => match insn.mnemonic() {
            Mnemonic::Fcmovb
            | Mnemonic::Fcmove
            | Mnemonic::Fcmovbe
            | Mnemonic::Fcmovu
            | Mnemonic::Fcmovnb
            | Mnemonic::Fcmovne
            | Mnemonic::Fcmovnbe
            | Mnemonic::Fcmovnu => fcmov,
            _ => return None,
        },
    })
}

/// Push `v` onto the stack (overflow check, C1).
fn push(cpu: &mut Cpu, v: Reg80) {
    let f = &mut cpu.state.fpu;
    if f.is_empty(7) {
        f.set_c1(false);
    }
    f.push(v);
}

fn fld_sti(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let i = sti(d, 0);
    let f = &mut cpu.state.fpu;
    if f.is_empty(i) {
        if f.stack_underflow() {
            return Ok(());
        }
        // Masked: the indefinite is pushed; the underflow is the only
        // fault reported even if ST(7) is in use (as a Core host does).
        f.push_unchecked(Reg80::INDEFINITE);
        return Ok(());
    }
    let v = f.st(i);
    push(cpu, v);
    Ok(())
}

/// Read the 10-byte memory operand.
fn read_m80(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult<Reg80> {
    let v = read_bytes(cpu, d, 0, 10)?;
    Ok(Reg80 {
        sig: v as u64,
        se: (v >> 64) as u16,
    })
}

/// FLD m80: an exact copy (no #IA on SNaN, no #D for extended operands).
fn fld_m80(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    let v = read_m80(cpu, d)?;
    record(cpu, d);
    push(cpu, v);
    Ok(())
}

fn fst_sti<const POP: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let i = sti(d, 0);
    let f = &mut cpu.state.fpu;
    let v = if f.is_empty(0) {
        if f.stack_underflow() {
            return Ok(());
        }
        Reg80::INDEFINITE
    } else {
        f.set_c1(false);
        f.st(0)
    };
    f.set_st(i, v);
    if POP {
        f.pop();
    }
    Ok(())
}

/// FSTP1 (D9 D8+i, "no check empty"): copies ST(0) into ST(i) and pops
/// without a stack-underflow check: an empty ST(0) is not stored (ST(i)
/// keeps its value and tag) and no exception is raised, as a Core host
/// does; C1 = 0.
fn fstpnce(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let i = sti(d, 0);
    let f = &mut cpu.state.fpu;
    f.set_c1(false);
    if !f.is_empty(0) {
        let v = f.st(0);
        f.set_st(i, v);
    }
    f.pop();
    Ok(())
}

fn fstp_m80(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    check_write(cpu, d, 10)?;
    record(cpu, d);
    let f = &mut cpu.state.fpu;
    let v = if f.is_empty(0) {
        if f.stack_underflow() {
            return Ok(());
        }
        Reg80::INDEFINITE
    } else {
        f.set_c1(false);
        f.st(0)
    };
    write_bytes(cpu, d, 0, 10, u128::from(v.sig) | (u128::from(v.se) << 64))?;
    cpu.state.fpu.pop();
    Ok(())
}

/// FLD m32/m64: exact widening; SNaN → IE (quieted), denormal → DE; an
/// unmasked IE/DE pushes nothing.
fn fld_real<const N: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    let raw = read_bytes(cpu, d, 0, N)?;
    record(cpu, d);
    let r = if N == 4 {
        f80::from_f32(raw as u32)
    } else {
        f80::from_f64(raw as u64)
    };
    // Stack overflow takes precedence over operand exceptions.
    if !cpu.state.fpu.is_empty(7) {
        push(cpu, Reg80::INDEFINITE);
        return Ok(());
    }
    // An unmasked DE still loads the value (as a Core host does).
    let (flags, stop) = screen(cpu, r.flags, IE);
    cpu.state.fpu.signal(u16::from(flags));
    if stop {
        cpu.state.fpu.set_c1(false);
        return Ok(());
    }
    push(cpu, from_f80(r.value));
    Ok(())
}

const F32: u8 = 0;
const F64: u8 = 1;
const I16: u8 = 2;
const I32: u8 = 3;
const I64: u8 = 4;
const BCD: u8 = 5;

/// FST/FSTP m32/m64, FIST/FISTP m16/m32/m64, FBSTP: round ST(0) to the
/// memory format. Masked stack underflow stores the format's indefinite;
/// unmasked IE, DE, OE or UE store nothing and do not pop.
fn fst_mem<const FMT: u8, const POP: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    let n: u32 = match FMT {
        F32 | I32 => 4,
        F64 | I64 => 8,
        I16 => 2,
        _ => 10,
    };
    check_write(cpu, d, n)?;
    record(cpu, d);
    let (bits, flags, c1): (u128, u8, bool) = if cpu.state.fpu.is_empty(0) {
        if cpu.state.fpu.stack_underflow() {
            return Ok(());
        }
        let ind: u128 = match FMT {
            F32 => 0xFFC0_0000,
            F64 => 0xFFF8_0000_0000_0000,
            I16 => 0x8000,
            I32 => 0x8000_0000,
            I64 => 0x8000_0000_0000_0000,
            _ => u128::from_le_bytes(pad(f80::BCD_INDEFINITE)),
        };
        (ind, 0, false)
    } else {
        let a = to_f80(cpu.state.fpu.st(0));
        let e = env(cpu);
        match FMT {
            F32 => {
                let r = f80::to_f32(a, e);
                (u128::from(r.bits), r.flags, r.c1)
            }
            F64 => {
                let r = f80::to_f64(a, e);
                (u128::from(r.bits), r.flags, r.c1)
            }
            I16 => {
                let r = f80::to_i16(a, e);
                (u128::from(r.value as u64), r.flags, r.c1)
            }
            I32 => {
                let r = f80::to_i32(a, e);
                (u128::from(r.value as u64), r.flags, r.c1)
            }
            I64 => {
                let r = f80::to_i64(a, e);
                (u128::from(r.value as u64), r.flags, r.c1)
            }
            _ => {
                let r = f80::to_bcd(a, e);
                (u128::from_le_bytes(pad(r.bytes)), r.flags, r.c1)
            }
        }
    };
    let (flags, stop) = screen(cpu, flags, IE | DE | OE | UE);
    let f = &mut cpu.state.fpu;
    f.signal(u16::from(flags));
    f.set_c1(c1 && !stop);
    if stop {
        return Ok(());
    }
    write_bytes(cpu, d, 0, n, bits)?;
    if POP {
        cpu.state.fpu.pop();
    }
    Ok(())
}

fn pad(b: [u8; 10]) -> [u8; 16] {
    let mut o = [0u8; 16];
    o[..10].copy_from_slice(&b);
    o
}

/// FILD m16/m32/m64: exact.
fn fild<const N: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    let raw = read_bytes(cpu, d, 0, N)? as u64;
    record(cpu, d);
    let v = match N {
        2 => f80::from_i16(raw as u16 as i16),
        4 => f80::from_i32(raw as u32 as i32),
        _ => f80::from_i64(raw as i64),
    };
    push(cpu, from_f80(v));
    Ok(())
}

/// FBLD: 18 packed BCD digits and a sign byte (bit 7), exact (the core
/// weights invalid digits as written; the SDM leaves them undefined).
fn fbld(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    let raw = read_bytes(cpu, d, 0, 10)?;
    record(cpu, d);
    let mut b = [0u8; 10];
    b.copy_from_slice(&raw.to_le_bytes()[..10]);
    push(cpu, from_f80(f80::from_bcd(b)));
    Ok(())
}

const C_ONE: u8 = 0;
const C_ZERO: u8 = 1;
const C_PI: u8 = 2;
const C_L2E: u8 = 3;
const C_L2T: u8 = 4;
const C_LG2: u8 = 5;
const C_LN2: u8 = 6;

/// The constant rounded per RC (the core's table; host-verified).
pub(super) fn constant(c: u8, rc: u8) -> Reg80 {
    let c = match c {
        C_ONE => Constant::One,
        C_ZERO => Constant::Zero,
        C_PI => Constant::Pi,
        C_L2E => Constant::L2E,
        C_L2T => Constant::L2T,
        C_LG2 => Constant::Lg2,
        _ => Constant::Ln2,
    };
    let rc = match rc {
        0 => Rounding::Nearest,
        1 => Rounding::Down,
        2 => Rounding::Up,
        _ => Rounding::Zero,
    };
    from_f80(f80::constant(c, rc))
}

fn fldc<const C: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let v = constant(C, cpu.state.fpu.rc());
    push(cpu, v);
    Ok(())
}

/// FCHS (ABS = false) / FABS: sign bit only, on any operand.
fn fsign<const ABS: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let f = &mut cpu.state.fpu;
    if f.is_empty(0) {
        if !f.stack_underflow() {
            f.set_st(0, Reg80::INDEFINITE);
        }
        return Ok(());
    }
    f.set_c1(false);
    let mut v = f.st(0);
    v.se = if ABS { v.se & 0x7FFF } else { v.se ^ 0x8000 };
    f.set_st(0, v);
    Ok(())
}

fn fxam(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let f = &mut cpu.state.fpu;
    let v = f.st(0);
    // Empty: C3 C2 C0 = 101 (C1 = sign even then); else the core's class.
    let cc = if f.is_empty(0) {
        sw::C3 | sw::C0 | if v.sign() { sw::C1 } else { 0 }
    } else {
        f80::fxam(to_f80(v))
    };
    f.sw = (f.sw & !sw::CC) | cc;
    Ok(())
}

/// FCMOVcc ST(0), ST(i): an empty operand is a stack underflow whatever the
/// condition; its masked response loads the indefinite into ST(0) (as a
/// Core host does).
fn fcmov(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let i = sti(d, 1);
    let take = {
        let fl = &cpu.state.flags;
        match d.insn.mnemonic() {
            Mnemonic::Fcmovb => fl.cf(),
            Mnemonic::Fcmove => fl.zf(),
            Mnemonic::Fcmovbe => fl.cf() || fl.zf(),
            Mnemonic::Fcmovu => fl.pf(),
            Mnemonic::Fcmovnb => !fl.cf(),
            Mnemonic::Fcmovne => !fl.zf(),
            Mnemonic::Fcmovnbe => !fl.cf() && !fl.zf(),
            _ => !fl.pf(),
        }
    };
    let f = &mut cpu.state.fpu;
    if f.is_empty(0) || f.is_empty(i) {
        if !f.stack_underflow() {
            f.set_st(0, Reg80::INDEFINITE);
        }
        return Ok(());
    }
    // C1 unchanged unless the stack underflows (as a Core host does).
    if take {
        let v = f.st(i);
        f.set_st(0, v);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{fpu_cpu, int, run};
    use super::*;
    use crate::cpu::fpu_state::sw;

    #[test]
    fn loads_and_register_stores() {
        // FILD word [0x200]; FILD dword [0x202]; FILD qword [0x206]; FLD ST2;
        // FSTP ST3; FBLD [0x210]; FSTP tword [0x220]; FLD tword [0x220]
        let code = [
            0xDF, 0x06, 0x00, 0x02, 0xDB, 0x06, 0x02, 0x02, 0xDF, 0x2E, 0x06, 0x02, 0xD9, 0xC2,
            0xDD, 0xDB, 0xDF, 0x26, 0x10, 0x02, 0xDB, 0x3E, 0x20, 0x02, 0xDB, 0x2E, 0x20, 0x02,
        ];
        let mut cpu = fpu_cpu(&code);
        cpu.mem.write(0x200, 2, (-5i16) as u16 as u64);
        cpu.mem.write(0x202, 4, 100_000);
        cpu.mem.write(0x206, 8, i64::MIN as u64);
        cpu.mem.write(0x210, 8, 0x0000_0012_3456_7890);
        cpu.mem.write(0x218, 2, 0x8000);
        run(&mut cpu, 3);
        let f = &cpu.state.fpu;
        assert_eq!(
            (f.st(0), f.st(1), f.st(2)),
            (int(i64::MIN), int(100_000), int(-5))
        );
        run(&mut cpu, 2); // FLD ST2 (-5), FSTP ST3 → old ST2 position
        let f = &cpu.state.fpu;
        assert_eq!((f.top, f.st(2)), (5, int(-5)));
        run(&mut cpu, 3);
        let f = &cpu.state.fpu;
        assert_eq!(f.st(0), int(-1_234_567_890));
        assert_eq!(cpu.mem.read(0x220, 8), int(-1_234_567_890).sig);
        assert_eq!(f.sw & sw::EXCEPTIONS, 0);
    }

    #[test]
    fn constants_follow_rounding_control() {
        // (RC, constant, expected significand low word)
        let cases = [
            (0u8, C_PI, 0xC235u64),
            (1, C_PI, 0xC234),
            (2, C_PI, 0xC235),
            (3, C_PI, 0xC234),
            (0, C_L2T, 0x8AFE),
            (2, C_L2T, 0x8AFF),
            (0, C_LG2, 0xF799),
            (3, C_LG2, 0xF798),
            (0, C_L2E, 0xF0BC),
            (2, C_ONE, 0x0000),
        ];
        for (rc, c, low) in cases {
            assert_eq!(constant(c, rc).sig & 0xFFFF, low, "rc {rc} c {c}");
        }
    }

    #[test]
    fn fchs_fabs_fcmov_and_underflow() {
        // FLD1; FCHS; FLDZ; STC; FCMOVB ST1; FABS; FSTP ST0; FSTP ST0; FCHS (empty)
        let code = [
            0xD9, 0xE8, 0xD9, 0xE0, 0xD9, 0xEE, 0xF9, 0xDA, 0xC1, 0xD9, 0xE1, 0xDD, 0xD8, 0xDD,
            0xD8, 0xD9, 0xE0,
        ];
        let mut cpu = fpu_cpu(&code);
        run(&mut cpu, 2);
        assert_eq!(cpu.state.fpu.st(0), int(-1));
        run(&mut cpu, 3);
        assert_eq!(cpu.state.fpu.st(0), int(-1));
        run(&mut cpu, 1);
        assert_eq!(cpu.state.fpu.st(0), int(1));
        run(&mut cpu, 3);
        let f = &cpu.state.fpu;
        assert_eq!(f.sw & (sw::IE | sw::SF | sw::C1), sw::IE | sw::SF);
        assert_eq!(f.st(0), Reg80::INDEFINITE);
    }

    /// A store that crosses the segment limit faults (#GP) before any x87
    /// state changes: no pop, no flags, no pointers.
    #[test]
    fn faulting_stores_change_nothing() {
        // FLD1; FSTP tword [FFF8h]; FNSAVE [FFF0h]; FISTP dword [FFFEh]
        for (code, n) in [
            (&[0xD9, 0xE8, 0xDB, 0x3E, 0xF8, 0xFF][..], 2),
            (&[0xD9, 0xE8, 0xDD, 0x36, 0xF0, 0xFF][..], 2),
            (&[0xD9, 0xE8, 0xDB, 0x1E, 0xFE, 0xFF][..], 2),
        ] {
            let mut cpu = fpu_cpu(code);
            cpu.mem.write(13 * 4, 4, 0x500);
            run(&mut cpu, 1);
            let before = cpu.state.fpu.clone();
            run(&mut cpu, n - 1);
            assert_eq!(cpu.state.rip, 0x500, "{code:x?}");
            assert_eq!(cpu.state.fpu, before, "{code:x?}");
        }
    }
}
