//! String instructions: MOVS, CMPS, SCAS, LODS, STOS, INS, OUTS with the
//! REP / REPE / REPNE prefixes (SDM Vol. 1 §7.3.9; Vol. 2 instruction pages
//! "MOVS", "CMPS", "SCAS", "LODS", "STOS", "INS", "OUTS", "REP/REPE/REPZ/
//! REPNE/REPNZ").
//!
//! - The address size (`d.asize`, from iced's `MemorySegSI` vs
//!   `MemorySegESI` operand kinds) selects SI/DI/CX or ESI/EDI/ECX; the
//!   upper half of a register that is not used is left alone.
//! - The source (DS:SI) segment can be overridden; the destination is
//!   always ES:DI. EFLAGS.DF selects the direction.
//! - REP repeats while the count register is non-zero (a count of 0 does
//!   nothing). REPE/REPNE additionally stop CMPS/SCAS when ZF is 0/1 after
//!   an iteration. With MOVS, LODS, STOS, INS and OUTS, F2 (REPNE) acts as
//!   F3 (REP) — true of the 8086 as of later CPUs.
//!
//! Restartability: SI/DI/CX are updated after every completed iteration, so
//! when an iteration faults the registers show the iterations done and the
//! engine's roll-back leaves IP on the string instruction, which the
//! exception handler's IRET re-executes to finish the job. The 80286 is the
//! exception: its SingleStepTests data shows the faulting iteration's
//! registers already advanced (modelled in `late_fault`).
//!
//! Interruptibility: one handler call runs at most
//! [`MAX_ITERATIONS_PER_CALL`] iterations. If the count is not exhausted by
//! then, IP is set back to the instruction (prefixes included) and the
//! handler returns `Ok`; the next execution resumes where it stopped, and
//! the engine may deliver interrupts in between, as a real CPU does between
//! iterations. For this to be correct in the block tier a REP string
//! instruction ends its basic block (`exec::ends_block`).
//!
//! Not modelled: the 8086 quirk that an interrupted REP instruction with
//! more than one prefix resumes with only the last prefix (our resume keeps
//! all prefixes, the 286+ behaviour); single-step traps between iterations
//! (TF) come with debug support. 64-bit forms (MOVSQ …) come with long mode.
//!
//! Fast path: forward REP MOVS/STOS runs in RAM, in the `fast` submodule.

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::flags::LazyOp;
use crate::cpu::state::{gpr, size_mask, SegReg};
use crate::cpu::{Cpu, CpuModel};
use iced_x86::{Code, Instruction};

mod fast;

/// Most iterations one execution of a REP string instruction performs
/// before it leaves IP on itself to be resumed (see the module docs).
pub const MAX_ITERATIONS_PER_CALL: u64 = 4096;

/// String operations (const parameter of [`string`]).
const MOVS: u8 = 0;
const CMPS: u8 = 1;
const SCAS: u8 = 2;
const LODS: u8 = 3;
const STOS: u8 = 4;
const INS: u8 = 5;
const OUTS: u8 = 6;

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.code() {
        Code::Movsb_m8_m8 => string::<MOVS, 1>,
        Code::Movsw_m16_m16 => string::<MOVS, 2>,
        Code::Movsd_m32_m32 => string::<MOVS, 4>,
        Code::Cmpsb_m8_m8 => string::<CMPS, 1>,
        Code::Cmpsw_m16_m16 => string::<CMPS, 2>,
        Code::Cmpsd_m32_m32 => string::<CMPS, 4>,
        Code::Scasb_AL_m8 => string::<SCAS, 1>,
        Code::Scasw_AX_m16 => string::<SCAS, 2>,
        Code::Scasd_EAX_m32 => string::<SCAS, 4>,
        Code::Lodsb_AL_m8 => string::<LODS, 1>,
        Code::Lodsw_AX_m16 => string::<LODS, 2>,
        Code::Lodsd_EAX_m32 => string::<LODS, 4>,
        Code::Stosb_m8_AL => string::<STOS, 1>,
        Code::Stosw_m16_AX => string::<STOS, 2>,
        Code::Stosd_m32_EAX => string::<STOS, 4>,
        Code::Insb_m8_DX => string::<INS, 1>,
        Code::Insw_m16_DX => string::<INS, 2>,
        Code::Insd_m32_DX => string::<INS, 4>,
        Code::Outsb_DX_m8 => string::<OUTS, 1>,
        Code::Outsw_DX_m16 => string::<OUTS, 2>,
        Code::Outsd_DX_m32 => string::<OUTS, 4>,
        _ => return None,
    })
}

/// Whether the operation reads through DS:SI (overridable) / writes or
/// reads through ES:DI.
#[inline(always)]
const fn uses_si(op: u8) -> bool {
    matches!(op, MOVS | CMPS | LODS | OUTS)
}

#[inline(always)]
const fn uses_di(op: u8) -> bool {
    matches!(op, MOVS | CMPS | SCAS | STOS | INS)
}

/// One string instruction (`OP` on elements of `SIZE` bytes).
fn string<const OP: u8, const SIZE: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let asize = u32::from(d.asize);
    let forward = !cpu.state.flags.df();
    let step = if forward {
        u64::from(SIZE)
    } else {
        u64::from(SIZE).wrapping_neg()
    };
    let src = cpu.mem_seg(d);
    if !(d.insn.has_rep_prefix() || d.insn.has_repne_prefix()) {
        return once::<OP, SIZE>(cpu, src, asize, step, false);
    }
    let amask = size_mask(asize);
    let mut done = 0u64;
    loop {
        let count = cpu.state.regs[gpr::RCX] & amask;
        if count == 0 {
            return Ok(());
        }
        if done >= MAX_ITERATIONS_PER_CALL {
            // Resume later: re-execute this instruction with the updated
            // registers.
            cpu.state.rip = cpu.state.rip.wrapping_sub(u64::from(d.len)) & cpu.ip_mask();
            return Ok(());
        }
        // The page-at-a-time path bypasses read_mem/write_mem, so it is
        // only taken when no data breakpoint or alignment check is armed.
        if (OP == MOVS || OP == STOS) && forward && !cpu.access_hooks() {
            let max = count.min(MAX_ITERATIONS_PER_CALL - done);
            let n = fast::forward::<OP, SIZE>(cpu, src, asize, max);
            if n > 0 {
                cpu.state.set_gpr(gpr::RCX, asize, count - n);
                done += n;
                continue;
            }
        }
        once::<OP, SIZE>(cpu, src, asize, step, true)?;
        cpu.state.set_gpr(gpr::RCX, asize, count - 1);
        done += 1;
        // A data breakpoint hit traps after this iteration (SDM Vol. 3A
        // §17.3.1.2): stop here with IP on the instruction if more remain,
        // so the handler sees the registers of the iteration that hit.
        if cpu.debug.hits != 0 {
            if (count - 1) & amask != 0 {
                cpu.state.rip = cpu.state.rip.wrapping_sub(u64::from(d.len)) & cpu.ip_mask();
            }
            return Ok(());
        }
        // REPE stops CMPS/SCAS on a difference (ZF = 0), REPNE on a match.
        if (OP == CMPS || OP == SCAS) && d.insn.has_repe_prefix() != cpu.state.flags.zf() {
            return Ok(());
        }
    }
}

/// One iteration: the access(es), then SI/DI advanced by `step`. Registers
/// change only if every access succeeded (except on the 80286, see
/// [`late_fault`]).
#[inline(always)]
fn once<const OP: u8, const SIZE: u32>(
    cpu: &mut Cpu,
    src: SegReg,
    asize: u32,
    step: u64,
    rep: bool,
) -> ExResult {
    let amask = size_mask(asize);
    let si = cpu.state.regs[gpr::RSI] & amask;
    let di = cpu.state.regs[gpr::RDI] & amask;
    let it = Iteration {
        asize,
        step,
        si,
        di,
        rep,
    };
    match OP {
        MOVS => {
            let v = cpu
                .read_mem(src, si, SIZE)
                .map_err(|e| late_fault(cpu, e, it, ADV_SI, 1))?;
            cpu.write_mem(SegReg::Es, di, SIZE, v)
                .map_err(|e| late_fault(cpu, e, it, ADV_SI | ADV_DI, 2))?;
        }
        CMPS => {
            // The 80286 reads ES:DI first (which register it has advanced
            // when both accesses would fault shows this).
            let (a, b) = if cpu.model == CpuModel::I80286 {
                let b = cpu
                    .read_mem(SegReg::Es, di, SIZE)
                    .map_err(|e| late_fault(cpu, e, it, ADV_DI, 0))?;
                let a = cpu
                    .read_mem(src, si, SIZE)
                    .map_err(|e| late_fault(cpu, e, it, ADV_SI | ADV_DI, 1))?;
                (a, b)
            } else {
                let a = cpu.read_mem(src, si, SIZE)?;
                (a, cpu.read_mem(SegReg::Es, di, SIZE)?)
            };
            let r = a.wrapping_sub(b);
            cpu.state.flags.set_lazy(LazyOp::Sub, SIZE, a, b, r);
        }
        SCAS => {
            let a = cpu.state.gpr(gpr::RAX, SIZE);
            let b = cpu
                .read_mem(SegReg::Es, di, SIZE)
                .map_err(|e| late_fault(cpu, e, it, ADV_DI, 1))?;
            let r = a.wrapping_sub(b);
            cpu.state.flags.set_lazy(LazyOp::Sub, SIZE, a, b, r);
        }
        LODS => {
            let v = cpu
                .read_mem(src, si, SIZE)
                .map_err(|e| late_fault(cpu, e, it, ADV_SI, 1))?;
            cpu.state.set_gpr(gpr::RAX, SIZE, v);
        }
        STOS => {
            let v = cpu.state.gpr(gpr::RAX, SIZE);
            cpu.write_mem(SegReg::Es, di, SIZE, v)
                .map_err(|e| late_fault(cpu, e, it, ADV_DI, 2))?;
        }
        INS => {
            // Check the destination first so a fault does not swallow the
            // value read from the port.
            cpu.check_write(SegReg::Es, di, SIZE)
                .map_err(|e| late_fault(cpu, e, it, ADV_DI, 2))?;
            let port = cpu.state.regs[gpr::RDX] as u16;
            let v = cpu.port_in(port, SIZE)?;
            cpu.write_mem(SegReg::Es, di, SIZE, u64::from(v))?;
        }
        _ => {
            let v = cpu
                .read_mem(src, si, SIZE)
                .map_err(|e| late_fault(cpu, e, it, ADV_SI, 1))?;
            let port = cpu.state.regs[gpr::RDX] as u16;
            cpu.port_out(port, SIZE, v as u32)?;
        }
    }
    if uses_si(OP) {
        cpu.state.set_gpr(gpr::RSI, asize, si.wrapping_add(step));
    }
    if uses_di(OP) {
        cpu.state.set_gpr(gpr::RDI, asize, di.wrapping_add(step));
    }
    Ok(())
}

/// The registers of the iteration in progress, for [`late_fault`].
#[derive(Clone, Copy)]
struct Iteration {
    asize: u32,
    step: u64,
    si: u64,
    di: u64,
    rep: bool,
}

/// [`late_fault`]: SI / DI had been advanced when the access faulted.
const ADV_SI: u8 = 1;
const ADV_DI: u8 = 2;

/// 80286 only: when a string access faults (in real mode, a word at offset
/// FFFF), the registers of the faulting iteration have already moved on —
/// the pointer of the faulting access and those of the accesses before it
/// are advanced, and under REP the count is decremented by `cx_dec` (1
/// after a faulting read, 2 after a faulting write, 0 when the first read
/// of CMPS faults; never below 0). IP still points at the instruction.
/// This is what the SingleStepTests 80286 data records (e.g. MOVSW with
/// SI = DI = FFFF: SI = 0001, DI unchanged; REP STOSW: CX − 2); the counts
/// for a faulting MOVS write, SCAS and the second CMPS read under REP are
/// not in that data and follow the read/write pattern. The 386 and later
/// fault precisely (nothing of the faulting iteration is done).
#[cold]
fn late_fault(cpu: &mut Cpu, e: Exception, it: Iteration, adv: u8, cx_dec: u64) -> Exception {
    if cpu.model != CpuModel::I80286 {
        return e;
    }
    if adv & ADV_SI != 0 {
        cpu.state
            .set_gpr(gpr::RSI, it.asize, it.si.wrapping_add(it.step));
    }
    if adv & ADV_DI != 0 {
        cpu.state
            .set_gpr(gpr::RDI, it.asize, it.di.wrapping_add(it.step));
    }
    if it.rep {
        let count = cpu.state.regs[gpr::RCX] & size_mask(it.asize);
        cpu.state
            .set_gpr(gpr::RCX, it.asize, count - cx_dec.min(count));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::MAX_ITERATIONS_PER_CALL;
    use crate::cpu::exception::{ExResult, Exception};
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::flags::{ARITH, CF, DF, PF, SF, ZF};
    use crate::cpu::state::gpr::*;
    use crate::cpu::{Cpu, CpuModel, SegReg, Segment};

    /// Decode and run the handler of the instruction at CS:IP as the engine
    /// does, but return its result instead of delivering the exception.
    fn exec_raw(cpu: &mut Cpu) -> ExResult {
        let d = cpu.decode_at(cpu.linear_ip())?;
        let ip = cpu.state.rip;
        cpu.state.rip = ip.wrapping_add(u64::from(d.len)) & cpu.ip_mask();
        let r = (d.handler)(cpu, &d);
        if r.is_err() {
            cpu.state.rip = ip;
        }
        r
    }

    fn set_seg(cpu: &mut Cpu, r: SegReg, sel: u16) {
        cpu.state.seg[r as usize] = Segment::real(sel, r == SegReg::Cs);
    }

    /// One MOVS case: name, code, DF, [SI, DI, CX] in and out, and the
    /// bytes expected at an address afterwards.
    type MovCase = (
        &'static str,
        &'static [u8],
        bool,
        [u64; 3],
        [u64; 3],
        u32,
        &'static [u8],
    );

    const fn mc(
        name: &'static str,
        code: &'static [u8],
        df: bool,
        regs: [u64; 3],
        regs_out: [u64; 3],
        check_at: u32,
        expect: &'static [u8],
    ) -> MovCase {
        (name, code, df, regs, regs_out, check_at, expect)
    }

    #[test]
    fn rep_movs_table() {
        // Source bytes 0x00..0x3F at 0x1000; 0xEE around the destination.
        const FWD: [u64; 3] = [0x1000, 0x2000, 0];
        #[rustfmt::skip]
        let cases = [
            mc("rep movsb forward", &[0xF3, 0xA4], false, [0x1000, 0x2000, 5],
                [0x1005, 0x2005, 0], 0x2000, &[0, 1, 2, 3, 4, 0xEE]),
            mc("rep movsw forward", &[0xF3, 0xA5], false, [0x1000, 0x2000, 3],
                [0x1006, 0x2006, 0], 0x2000, &[0, 1, 2, 3, 4, 5, 0xEE]),
            mc("rep movsd forward", &[0x66, 0xF3, 0xA5], false, [0x1000, 0x2000, 2],
                [0x1008, 0x2008, 0], 0x2000, &[0, 1, 2, 3, 4, 5, 6, 7, 0xEE]),
            mc("rep movsb backward", &[0xF3, 0xA4], true, [0x1004, 0x2004, 3],
                [0x1001, 0x2001, 0], 0x2001, &[0xEE, 2, 3, 4, 0xEE]),
            mc("rep movsw backward", &[0xF3, 0xA5], true, [0x1004, 0x2004, 2],
                [0x1000, 0x2000, 0], 0x2002, &[2, 3, 4, 5, 0xEE]),
            mc("rep movsd backward", &[0x66, 0xF3, 0xA5], true, [0x1004, 0x2004, 2],
                [0x0FFC, 0x1FFC, 0], 0x2000, &[0, 1, 2, 3, 4, 5, 6, 7, 0xEE]),
            mc("rep with cx=0 does nothing", &[0xF3, 0xA4], false, FWD, FWD, 0x2000, &[0xEE]),
            mc("movsb without rep ignores cx", &[0xA4], false, [0x1000, 0x2000, 7],
                [0x1001, 0x2001, 7], 0x2000, &[0, 0xEE]),
            mc("repne movsb acts as rep", &[0xF2, 0xA4], false, [0x1000, 0x2000, 2],
                [0x1002, 0x2002, 0], 0x2000, &[0, 1, 0xEE]),
            // Bytes from DS:FFFF then DS:0000 (both zero); ESI's upper half
            // is kept.
            mc("16-bit SI wraps", &[0xF3, 0xA4], false, [0xABCD_FFFF, 0x2000, 2],
                [0xABCD_0001, 0x2002, 0], 0x2000, &[0, 0, 0xEE]),
        ];
        for model in [CpuModel::I8086, CpuModel::I80286, CpuModel::Pentium] {
            for &(name, code, df, regs, regs_out, check_at, expect) in &cases {
                if model != CpuModel::Pentium && code[0] == 0x66 {
                    continue;
                }
                let mut cpu = cpu_with(model, code);
                let src: Vec<u8> = (0..0x40).collect();
                cpu.mem.write_bytes(0x1000, &src);
                cpu.mem.write_bytes(0x1FF0, &[0xEE; 0x40]);
                cpu.state.flags.set(DF, df);
                let r = &mut cpu.state.regs;
                [r[RSI], r[RDI], r[RCX]] = regs;
                step(&mut cpu);
                let name = format!("{name} ({model:?})");
                let r = &cpu.state.regs;
                assert_eq!([r[RSI], r[RDI], r[RCX]], regs_out, "{name}: SI, DI, CX");
                let mut got = vec![0; expect.len()];
                cpu.mem.read_bytes(check_at, &mut got);
                assert_eq!(got, expect, "{name}: memory");
                assert_eq!(cpu.state.rip, 0x100 + code.len() as u64, "{name}: ip");
            }
        }
    }

    #[test]
    fn repe_cmpsb_stops_at_the_first_difference() {
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xF3, 0xA6]);
        cpu.mem.write_bytes(0x300, b"abcXe");
        cpu.mem.write_bytes(0x400, b"abcde");
        cpu.state.regs[RSI] = 0x300;
        cpu.state.regs[RDI] = 0x400;
        cpu.state.regs[RCX] = 5;
        step(&mut cpu);
        // 4 iterations: the 4th compares 'X' (0x58) with 'd' (0x64).
        assert_eq!(cpu.state.regs[RCX], 1);
        assert_eq!(cpu.state.regs[RSI], 0x304);
        assert_eq!(cpu.state.regs[RDI], 0x404);
        // 0x58 - 0x64 = 0xF4: borrow, negative, odd parity.
        assert_eq!(cpu.state.flags.eflags() & ARITH, CF | SF);
        // All equal: runs out with ZF = 1.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xF3, 0xA6]);
        cpu.mem.write_bytes(0x300, b"abc");
        cpu.mem.write_bytes(0x400, b"abc");
        cpu.state.regs[RSI] = 0x300;
        cpu.state.regs[RDI] = 0x400;
        cpu.state.regs[RCX] = 3;
        step(&mut cpu);
        assert_eq!(cpu.state.regs[RCX], 0);
        assert_eq!(cpu.state.flags.eflags() & ARITH, ZF | PF);
        // REPNE CMPSW stops at the first equal word.
        let mut cpu = cpu_with(CpuModel::I80286, &[0xF2, 0xA7]);
        cpu.mem.write(0x300, 2, 0x1111);
        cpu.mem.write(0x302, 2, 0x2222);
        cpu.mem.write(0x400, 2, 0x0001);
        cpu.mem.write(0x402, 2, 0x2222);
        cpu.state.regs[RSI] = 0x300;
        cpu.state.regs[RDI] = 0x400;
        cpu.state.regs[RCX] = 10;
        step(&mut cpu);
        assert_eq!(cpu.state.regs[RCX], 8);
        assert_eq!(cpu.state.regs[RSI], 0x304);
        assert!(cpu.state.flags.zf());
    }

    #[test]
    fn repne_scasb_finds_a_byte() {
        for model in [CpuModel::I8086, CpuModel::I80286, CpuModel::Pentium] {
            let mut cpu = cpu_with(model, &[0xF2, 0xAE]);
            cpu.mem.write_bytes(0x500, b"hello\0world");
            cpu.state.regs[RAX] = 0xFF00; // AL = 0, AH must not matter
            cpu.state.regs[RDI] = 0x500;
            cpu.state.regs[RCX] = 0xFFFF;
            step(&mut cpu);
            // Six bytes scanned; DI points past the NUL.
            assert_eq!(cpu.state.regs[RDI], 0x506, "{model:?}");
            assert_eq!(cpu.state.regs[RCX], 0xFFFF - 6, "{model:?}");
            assert!(cpu.state.flags.zf(), "{model:?}");
        }
        // Not found: runs out of count with ZF = 0.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xF2, 0xAE]);
        cpu.mem.write_bytes(0x500, b"abc");
        cpu.state.regs[RAX] = u64::from(b'z');
        cpu.state.regs[RDI] = 0x500;
        cpu.state.regs[RCX] = 3;
        step(&mut cpu);
        assert_eq!(cpu.state.regs[RCX], 0);
        assert_eq!(cpu.state.regs[RDI], 0x503);
        assert!(!cpu.state.flags.zf());
        // REPE SCASW skips a run of equal words.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xF3, 0xAF]);
        cpu.mem
            .write_bytes(0x500, &[0x20, 0x20, 0x20, 0x20, 0x41, 0x20]);
        cpu.state.regs[RAX] = 0x2020;
        cpu.state.regs[RDI] = 0x500;
        cpu.state.regs[RCX] = 9;
        step(&mut cpu);
        assert_eq!(cpu.state.regs[RDI], 0x506);
        assert_eq!(cpu.state.regs[RCX], 6);
        assert!(!cpu.state.flags.zf());
    }

    #[test]
    fn lods_and_stos() {
        // lodsb ; lodsw ; 66 lodsd ; std ; stosw
        let code = [0xAC, 0xAD, 0x66, 0xAD, 0xFD, 0xAB];
        let mut cpu = cpu_with(CpuModel::Pentium, &code);
        cpu.mem.write_bytes(0x600, &[1, 2, 3, 4, 5, 6, 7]);
        cpu.state.regs[RAX] = 0xFFFF_FFFF;
        cpu.state.regs[RSI] = 0x600;
        cpu.state.regs[RDI] = 0x700;
        step(&mut cpu);
        assert_eq!(cpu.state.regs[RAX], 0xFFFF_FF01);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[RAX], 0xFFFF_0302);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[RAX], 0x0706_0504);
        assert_eq!(cpu.state.regs[RSI], 0x607);
        step(&mut cpu);
        step(&mut cpu);
        assert_eq!(cpu.mem.read(0x700, 2), 0x0504);
        assert_eq!(cpu.state.regs[RDI], 0x6FE);
        // rep stosb fills (fast path) and leaves AL alone.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xF3, 0xAA]);
        cpu.state.regs[RAX] = 0x5A;
        cpu.state.regs[RDI] = 0x7FF;
        cpu.state.regs[RCX] = 3;
        step(&mut cpu);
        assert_eq!(cpu.mem.read(0x7FE, 4), 0x005A_5A5A << 8);
        assert_eq!(cpu.state.regs[RDI], 0x802);
    }

    #[test]
    fn rep_stosd_with_address_size_prefix() {
        // 67 F3 66 AB: rep stosd with ECX/EDI in 16-bit code. ES is given a
        // 4 GiB limit ("unreal mode") so EDI may exceed 0xFFFF.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x67, 0xF3, 0x66, 0xAB]);
        cpu.state.seg[SegReg::Es as usize].limit = 0xFFFF_FFFF;
        cpu.state.regs[RAX] = 0xDEAD_BEEF;
        cpu.state.regs[RDI] = 0x0001_0000;
        cpu.state.regs[RCX] = 3;
        step(&mut cpu);
        assert_eq!(cpu.state.regs[RDI], 0x0001_000C);
        assert_eq!(cpu.state.regs[RCX], 0);
        assert_eq!(cpu.mem.read(0x1_0000, 4), 0xDEAD_BEEF);
        assert_eq!(cpu.mem.read(0x1_0008, 4), 0xDEAD_BEEF);
        assert_eq!(cpu.mem.read(0x1_000C, 4), 0);
        assert_eq!(cpu.mem.read(0, 4), 0, "16-bit DI would have written at 0");
        // Without 67 only CX counts and only DI moves.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xF3, 0x66, 0xAB]);
        cpu.state.regs[RAX] = 0x1234_5678;
        cpu.state.regs[RDI] = 0xAAAA_0200;
        cpu.state.regs[RCX] = 0xABCD_0002;
        step(&mut cpu);
        assert_eq!(cpu.state.regs[RCX], 0xABCD_0000);
        assert_eq!(cpu.state.regs[RDI], 0xAAAA_0208);
        assert_eq!(cpu.mem.read(0x204, 4), 0x1234_5678);
        assert_eq!(cpu.mem.read(0x208, 4), 0);
    }

    #[test]
    fn movs_source_segment_override() {
        // (prefix, segment whose base the source comes from)
        let cases: [(&[u8], u32); 5] = [
            (&[0xA4], 0x1_0000),       // DS
            (&[0x26, 0xA4], 0x2_0000), // ES:
            (&[0x2E, 0xA4], 0),        // CS:
            (&[0x36, 0xA4], 0x3_0000), // SS:
            (&[0x64, 0xA4], 0x4_0000), // FS:
        ];
        for (code, base) in cases {
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            set_seg(&mut cpu, SegReg::Ds, 0x1000);
            set_seg(&mut cpu, SegReg::Es, 0x2000);
            set_seg(&mut cpu, SegReg::Ss, 0x3000);
            set_seg(&mut cpu, SegReg::Fs, 0x4000);
            for (i, b) in [0x1_0000u32, 0x2_0000, 0, 0x3_0000, 0x4_0000]
                .iter()
                .enumerate()
            {
                cpu.mem.write_u8(b + 0x800, 0x10 + i as u8);
            }
            let want = cpu.mem.read_u8(base + 0x800);
            cpu.state.regs[RSI] = 0x800;
            cpu.state.regs[RDI] = 0x900;
            step(&mut cpu);
            // The destination is always ES:DI.
            assert_eq!(cpu.mem.read_u8(0x2_0900), want, "prefix {code:02x?}");
        }
    }

    #[test]
    fn rep_movsw_fault_leaves_registers_at_the_faulting_iteration() {
        // 386+: the word at DS:FFFF crosses the limit → #GP(0) on the third
        // iteration; two words were copied, nothing of the third is done.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xF3, 0xA5]);
        cpu.mem.write(0xFFFB, 4, 0x4433_2211);
        cpu.state.regs[RSI] = 0xFFFB;
        cpu.state.regs[RDI] = 0x1000;
        cpu.state.regs[RCX] = 5;
        assert_eq!(exec_raw(&mut cpu), Err(Exception::GeneralProtection(0)));
        let r = &cpu.state.regs;
        assert_eq!([r[RSI], r[RDI], r[RCX]], [0xFFFF, 0x1004, 3]);
        assert_eq!(cpu.mem.read(0x1000, 4), 0x4433_2211);
        assert_eq!(cpu.state.rip, 0x100, "IP on the string instruction");
        // Through the engine: the exception is delivered with the
        // instruction's address (prefixes included) pushed; an SS: source
        // gives #SS.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x36, 0xF3, 0xA5]);
        cpu.mem.write(12 * 4, 4, 0x0000_0500); // IVT[12] = 0000:0500
        cpu.state.regs[RSI] = 0xFFFD;
        cpu.state.regs[RDI] = 0x1000;
        cpu.state.regs[RCX] = 5;
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0x500, "#SS delivered");
        assert_eq!(cpu.state.regs[RCX], 4);
        assert_eq!(cpu.state.regs[RSI], 0xFFFF);
        assert_eq!(cpu.mem.read(0xFFFE - 6, 2), 0x100, "pushed IP");
        // The 8086 wraps within the segment instead of faulting.
        let mut cpu = cpu_with(CpuModel::I8086, &[0xF3, 0xA5]);
        cpu.mem.write_u8(0xFFFF, 0x11);
        cpu.mem.write_u8(0x0000, 0x22);
        cpu.state.regs[RSI] = 0xFFFF;
        cpu.state.regs[RDI] = 0x1000;
        cpu.state.regs[RCX] = 1;
        step(&mut cpu);
        assert_eq!(cpu.mem.read(0x1000, 2), 0x2211);
        assert_eq!(cpu.state.regs[RSI], 1);
    }

    #[test]
    fn the_286_has_advanced_the_faulting_iteration() {
        // Cases from the SingleStepTests 80286 data (file/test in the
        // name): code, DF, [SI, DI, CX] before and after the #GP(0).
        type Case = (&'static str, &'static [u8], bool, [u64; 3], [u64; 3]);
        #[rustfmt::skip]
        let cases: [Case; 10] = [
            ("A5 #41 movsw read", &[0xA5], false, [0xFFFF, 0xFFFF, 9], [0x0001, 0xFFFF, 9]),
            ("A5 #63 movsw write", &[0xA5], false, [0x0000, 0xFFFF, 9], [0x0002, 0x0001, 9]),
            ("A7 #57 cmpsw di first", &[0xA7], false, [0xFFFF, 0xFFFF, 9], [0xFFFF, 0x0001, 9]),
            ("A7 #108 cmpsw si", &[0xA7], false, [0xFFFF, 0xFFDD, 9], [0x0001, 0xFFDF, 9]),
            ("A5 #175 repne movsw", &[0xF2, 0xA5], true, [0xFFFF, 0xFFFF, 7], [0xFFFD, 0xFFFF, 6]),
            ("A5 #167 after one", &[0xF2, 0xA5], false, [0xFFFD, 0xEBFF, 0x3F], [0x0001, 0xEC01, 0x3D]),
            ("A7 #191 repne cmpsw", &[0xF2, 0xA7], true, [0xFFFF, 0xFFFF, 7], [0xFFFF, 0xFFFD, 7]),
            ("AB #223 repne stosw", &[0xF2, 0xAB], true, [0xFFFF, 0xFFFF, 7], [0xFFFF, 0xFFFD, 5]),
            ("6D #151 repne insw", &[0xF2, 0x6D], true, [0, 0x006B, 0x3F], [0, 0xFFFD, 7]),
            ("6F #24 rep outsw", &[0xF3, 0x6F], true, [0xFFFF, 0x1234, 0x3F], [0xFFFD, 0x1234, 0x3E]),
        ];
        for (name, code, df, regs, regs_out) in cases {
            let mut cpu = cpu_with(CpuModel::I80286, code);
            cpu.state.flags.set(DF, df);
            let r = &mut cpu.state.regs;
            [r[RSI], r[RDI], r[RCX]] = regs;
            assert_eq!(
                exec_raw(&mut cpu),
                Err(Exception::GeneralProtection(0)),
                "{name}"
            );
            let r = &cpu.state.regs;
            assert_eq!([r[RSI], r[RDI], r[RCX]], regs_out, "{name}: SI, DI, CX");
            assert_eq!(cpu.state.rip, 0x100, "{name}: IP on the instruction");
        }
    }

    #[test]
    fn long_rep_resumes_in_chunks() {
        let n = MAX_ITERATIONS_PER_CALL + 10;
        // rep stosb ; hlt — block tier and step tier must agree.
        for block_tier in [false, true] {
            let mut cpu = cpu_with(CpuModel::Pentium, &[0xF3, 0xAA, 0xF4]);
            cpu.state.seg[SegReg::Es as usize] = Segment::real(0x1000, false);
            cpu.state.regs[RAX] = 0x77;
            cpu.state.regs[RCX] = n;
            if block_tier {
                let mut cache = crate::engine::block_cache::BlockCache::new();
                cache.run(&mut cpu, 100);
            } else {
                step(&mut cpu);
                assert_eq!(cpu.state.rip, 0x100, "IP left on the instruction");
                assert_eq!(cpu.state.regs[RCX], 10);
                assert_eq!(cpu.state.regs[RDI], MAX_ITERATIONS_PER_CALL);
                step(&mut cpu);
                step(&mut cpu);
            }
            assert!(cpu.state.halted, "block tier {block_tier}");
            assert_eq!(cpu.state.regs[RCX], 0);
            assert_eq!(cpu.state.regs[RDI], n);
            assert_eq!(cpu.mem.read_u8(0x1_0000 + n as u32 - 1), 0x77);
            assert_eq!(cpu.mem.read_u8(0x1_0000 + n as u32), 0);
        }
        // A REPE CMPS that runs past a chunk still stops at the difference.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xF3, 0xA6]);
        cpu.state.seg[SegReg::Ds as usize] = Segment::real(0x3000, false);
        cpu.state.seg[SegReg::Es as usize] = Segment::real(0x2000, false);
        cpu.mem.write_u8(0x2_0000 + 5000, 1);
        cpu.state.regs[RCX] = 0xFFFF;
        step(&mut cpu);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[RSI], 5001);
        assert_eq!(cpu.state.regs[RCX], 0xFFFF - 5001);
        assert!(!cpu.state.flags.zf());
        assert_eq!(cpu.state.rip, 0x102);
    }

    #[test]
    fn outs_to_the_debug_console_and_ins() {
        // rep outsb to port 0xE9.
        let mut cpu = cpu_with(CpuModel::I80286, &[0xF3, 0x6E]);
        cpu.mem.write_bytes(0x800, b"hi!");
        cpu.state.regs[RSI] = 0x800;
        cpu.state.regs[RDX] = 0xE9;
        cpu.state.regs[RCX] = 3;
        step(&mut cpu);
        assert_eq!(cpu.io.debug.take_console(), b"hi!");
        assert_eq!(cpu.state.regs[RSI], 0x803);
        assert_eq!(cpu.state.regs[RCX], 0);
        // insw from an unclaimed port stores all-ones words.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xF3, 0x6D]);
        cpu.state.regs[RDI] = 0x900;
        cpu.state.regs[RDX] = 0x1234;
        cpu.state.regs[RCX] = 2;
        step(&mut cpu);
        assert_eq!(cpu.mem.read(0x900, 4), 0xFFFF_FFFF);
        assert_eq!(cpu.mem.read(0x904, 1), 0);
        assert_eq!(cpu.state.regs[RDI], 0x904);
        // insd into a dword that would fault does not touch the port.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x66, 0x6D]);
        cpu.state.regs[RDI] = 0xFFFE;
        cpu.state.regs[RDX] = 0x1234;
        let before = cpu.io.accesses;
        assert_eq!(exec_raw(&mut cpu), Err(Exception::GeneralProtection(0)));
        assert_eq!(cpu.io.accesses, before);
        assert_eq!(cpu.state.regs[RDI], 0xFFFE);
    }

    #[test]
    fn data_breakpoint_on_rep_movsb_traps_after_the_iteration_that_hit() {
        // rep movsb copying 16 bytes from 0x2000 to 0x3000; DR0 = 0x3005
        // (write, 1 byte). The #DB handler (vector 1) is an HLT at 0x500.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xF3, 0xA4]);
        cpu.mem.write(4, 4, 0x0000_0500);
        cpu.mem.write_u8(0x500, 0xF4);
        cpu.state.regs[RSI] = 0x2000;
        cpu.state.regs[RDI] = 0x3000;
        cpu.state.regs[RCX] = 16;
        cpu.state.dr[0] = 0x3005;
        cpu.state.dr[7] = 0x1 | (0x1 << 16); // L0, R/W0 = write, LEN0 = 1 byte
        cpu.sync_debug();
        step(&mut cpu);
        // Six bytes copied (0x3000..=0x3005), then the trap: the handler
        // runs with the REP resumable at the instruction.
        assert_eq!(cpu.state.regs[RCX], 10);
        assert_eq!(cpu.state.regs[RDI], 0x3006);
        assert_eq!(cpu.state.rip, 0x500, "#DB delivered");
        assert_eq!(
            cpu.mem.read(0xFFFE - 6, 2),
            0x100,
            "return IP is the REP MOVSB"
        );
        assert_eq!(cpu.state.dr[6] & 1, 1, "DR6.B0");
    }
}
