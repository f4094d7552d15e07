//! FXSAVE and FXRSTOR (SDM Vol. 1 §10.5, Table 10-2 "Format of an FXSAVE
//! Area" for non-64-bit modes; Vol. 2 FXSAVE/FXRSTOR pages).
//!
//! The 512-byte area (16-byte aligned, else #GP(0)):
//!
//! | bytes   | field                                             |
//! |---------|---------------------------------------------------|
//! | 0–1     | FCW                                               |
//! | 2–3     | FSW (TOP included)                                |
//! | 4       | abridged FTW: bit i = 1 when physical R_i is not empty |
//! | 6–7     | FOP                                               |
//! | 8–11    | FIP, 12–13 FCS                                    |
//! | 16–19   | FDP, 20–21 FDS                                    |
//! | 24–27   | MXCSR, 28–31 MXCSR_MASK                           |
//! | 32–159  | ST0–ST7 (stack order), 10 bytes in 16-byte slots   |
//! | 160–287 | XMM0–XMM7                                         |
//!
//! Behaviour chosen where the SDM leaves it to the implementation:
//! - The reserved bytes inside 0–287 (byte 5, 14–15, 22–23, slot padding)
//!   are written as zero; bytes 288–511 are neither written nor read.
//! - With CR4.OSFXSR clear the XMM registers are not saved or restored
//!   (MXCSR is).
//!
//! Checks: CR0.EM or CR0.TS → #NM (no #MF check, no x87 reinitialisation);
//! the whole 512 bytes are checked (segment limit, alignment, paging for
//! the store) before any byte is written; FXRSTOR of an MXCSR with bits
//! outside MXCSR_MASK raises #GP(0) before any state changes.
//! FXRSTOR rebuilds the full tag word from the abridged one and the
//! register contents (§10.5.1.1).

use super::simd_common::{check_range, mem_loc, CR4_OSFXSR, MXCSR_MASK};
use crate::cpu::access::Access;
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::fpu_state::{Reg80, TAG_EMPTY};
use crate::cpu::state::cr0;
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic};

/// Size of the part of the area ox86 writes and reads (through XMM7).
const USED: usize = 288;
/// Offset of the XMM registers.
const XMM_OFF: usize = 160;

/// Handler for FXSAVE/FXRSTOR (the 64-bit forms do not exist outside
/// long mode).
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.mnemonic() {
        Mnemonic::Fxsave => fxsave,
        Mnemonic::Fxrstor => fxrstor,
        _ => return None,
    })
}

/// #NM when CR0.EM or CR0.TS.
fn check_nm(cpu: &Cpu) -> ExResult {
    if cpu.state.cr0 & (cr0::EM | cr0::TS) != 0 {
        return Err(Exception::DeviceNotAvailable);
    }
    Ok(())
}

/// The FXSAVE image of the current state (bytes 0–287).
pub fn image(cpu: &Cpu) -> [u8; USED] {
    let f = &cpu.state.fpu;
    let mut b = [0u8; USED];
    b[0..2].copy_from_slice(&f.cw.to_le_bytes());
    b[2..4].copy_from_slice(&f.status_word().to_le_bytes());
    b[4] = (0..8).fold(0u8, |t, p| t | (u8::from(f.tag_of(p) != TAG_EMPTY) << p));
    b[6..8].copy_from_slice(&f.fop.to_le_bytes());
    b[8..12].copy_from_slice(&f.fip.to_le_bytes());
    b[12..14].copy_from_slice(&f.fcs.to_le_bytes());
    b[16..20].copy_from_slice(&f.fdp.to_le_bytes());
    b[20..22].copy_from_slice(&f.fds.to_le_bytes());
    b[24..28].copy_from_slice(&cpu.state.mxcsr.to_le_bytes());
    b[28..32].copy_from_slice(&MXCSR_MASK.to_le_bytes());
    for i in 0..8u8 {
        let o = 32 + 16 * usize::from(i);
        b[o..o + 10].copy_from_slice(&f.st(i).to_bytes());
    }
    for (i, x) in cpu.state.xmm.iter().enumerate() {
        let o = XMM_OFF + 16 * i;
        b[o..o + 16].copy_from_slice(&x.to_le_bytes());
    }
    b
}

/// Load the state from an FXSAVE image; #GP(0) (nothing changed) when the
/// MXCSR field has reserved bits set.
pub fn restore(cpu: &mut Cpu, b: &[u8; USED], with_xmm: bool) -> ExResult {
    let word = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]);
    let dword = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    let mxcsr = dword(24);
    if mxcsr & !MXCSR_MASK != 0 {
        return Err(Exception::GeneralProtection(0));
    }
    cpu.state.mxcsr = mxcsr;
    let f = &mut cpu.state.fpu;
    f.set_control_word(word(0));
    f.set_status_word(word(2));
    f.fop = word(6) & 0x7FF;
    f.fip = dword(8);
    f.fcs = word(12);
    f.fdp = dword(16);
    f.fds = word(20);
    for i in 0..8u8 {
        let o = 32 + 16 * usize::from(i);
        let mut r = [0u8; 10];
        r.copy_from_slice(&b[o..o + 10]);
        let p = f.phys(i);
        f.regs[p] = Reg80::from_bytes(r);
    }
    // Abridged tag: 0 → empty, 1 → recomputed from the contents.
    f.tag = (0..8).fold(0u16, |t, p| {
        t | if b[4] >> p & 1 == 0 {
            TAG_EMPTY << (2 * p)
        } else {
            0
        }
    });
    f.retag();
    if with_xmm {
        for i in 0..8 {
            let o = XMM_OFF + 16 * i;
            let mut x = [0u8; 16];
            x.copy_from_slice(&b[o..o + 16]);
            cpu.state.xmm[i] = u128::from_le_bytes(x);
        }
    }
    Ok(())
}

fn fxsave(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_nm(cpu)?;
    let (seg, off) = mem_loc(cpu, d);
    check_range(cpu, seg, off, 512, Access::Write, true)?;
    cpu.check_write(seg, off, 512)?;
    let b = image(cpu);
    let n = if cpu.state.cr4 & CR4_OSFXSR != 0 {
        USED
    } else {
        XMM_OFF
    };
    for (k, q) in b[..n].chunks_exact(8).enumerate() {
        let mut v = [0u8; 8];
        v.copy_from_slice(q);
        cpu.write_mem(seg, off + 8 * k as u64, 8, u64::from_le_bytes(v))?;
    }
    Ok(())
}

fn fxrstor(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_nm(cpu)?;
    let (seg, off) = mem_loc(cpu, d);
    check_range(cpu, seg, off, 512, Access::Read, true)?;
    let with_xmm = cpu.state.cr4 & CR4_OSFXSR != 0;
    let n = if with_xmm { USED } else { XMM_OFF };
    let mut b = [0u8; USED];
    for k in 0..n / 8 {
        let v = cpu.read_mem(seg, off + 8 * k as u64, 8)?;
        b[8 * k..8 * k + 8].copy_from_slice(&v.to_le_bytes());
    }
    restore(cpu, &b, with_xmm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::exec::simd_common::testing::{exec, sse_cpu};

    /// A CPU with a recognisable x87/SSE state.
    fn state_cpu(code: &[u8]) -> Cpu {
        let mut cpu = sse_cpu(code);
        let f = &mut cpu.state.fpu;
        f.cw = 0x037F & !1; // IM clear
        f.sw = 0x0001 | 0x0080 | 0x8000; // IE, ES, B
        f.top = 6;
        f.fop = 0x5D9;
        f.fip = 0x1234_5678;
        f.fcs = 0x0008;
        f.fdp = 0x9ABC_DEF0;
        f.fds = 0x0010;
        for p in 0..8 {
            f.regs[p] = Reg80 {
                sig: 0x8000_0000_0000_0000 | p as u64,
                se: 0x3FFF + p as u16,
            };
        }
        f.regs[2] = Reg80 { sig: 0, se: 0 };
        // R6, R7 valid, R2 zero, the rest empty.
        f.tag = 0x0FDF;
        cpu.state.mxcsr = 0x1F80 | 0x40 | 0x3;
        for i in 0..8 {
            cpu.state.xmm[i] = 0x1111_1111_1111_1111_1111_1111_1111_1111u128 * (i as u128 + 1);
        }
        cpu
    }

    #[test]
    fn save_layout_and_round_trip() {
        // fxsave [bx]; fxrstor [bx]
        let mut cpu = state_cpu(&[0x0F, 0xAE, 0x07, 0x0F, 0xAE, 0x0F]);
        cpu.state.regs[3] = 0x2000;
        for a in 288..512u32 {
            cpu.mem.write(0x2000 + a, 1, 0xCC);
        }
        let saved = cpu.state.clone();
        assert_eq!(exec(&mut cpu), Ok(()));
        let rd = |cpu: &Cpu, o: u32, n: u32| cpu.mem.read(0x2000 + o, n);
        assert_eq!(rd(&cpu, 0, 2), 0x037E);
        assert_eq!(rd(&cpu, 2, 2), 0x8081 | (6 << 11));
        assert_eq!(rd(&cpu, 4, 1), 0b1100_0100);
        assert_eq!(rd(&cpu, 5, 1), 0);
        assert_eq!(rd(&cpu, 6, 2), 0x5D9);
        assert_eq!(rd(&cpu, 8, 4), 0x1234_5678);
        assert_eq!(rd(&cpu, 12, 2), 8);
        assert_eq!(rd(&cpu, 16, 4), 0x9ABC_DEF0);
        assert_eq!(rd(&cpu, 20, 2), 0x10);
        assert_eq!(rd(&cpu, 24, 4), 0x1FC3);
        assert_eq!(rd(&cpu, 28, 4), 0xFFFF);
        // ST0 = R6, ST1 = R7, ST2 = R0.
        assert_eq!(rd(&cpu, 32, 8), 0x8000_0000_0000_0006);
        assert_eq!(rd(&cpu, 40, 2), 0x3FFF + 6);
        assert_eq!(rd(&cpu, 42, 6), 0);
        assert_eq!(rd(&cpu, 48, 8), 0x8000_0000_0000_0007);
        assert_eq!(rd(&cpu, 64, 8), 0x8000_0000_0000_0000);
        assert_eq!(rd(&cpu, 160, 8), 0x1111_1111_1111_1111);
        assert_eq!(rd(&cpu, 280, 8), 0x8888_8888_8888_8888);
        assert_eq!(rd(&cpu, 288, 8), 0xCCCC_CCCC_CCCC_CCCC);
        // Scramble and restore.
        cpu.state.fpu.init();
        cpu.state.fpu.regs = [Reg80::ZERO; 8];
        cpu.state.xmm = [0; 8];
        cpu.state.mxcsr = 0x1F80;
        assert_eq!(exec(&mut cpu), Ok(()));
        let mut want = saved.clone();
        want.rip = cpu.state.rip;
        // The tag word is rebuilt from contents: R2 (zero) → 01, R6/R7
        // valid → 00.
        assert_eq!(cpu.state.fpu.tag, 0x0FDF);
        assert_eq!(cpu.state, want);
    }

    #[test]
    fn faults() {
        let fxsave = [0x0F, 0xAE, 0x07];
        let fxrstor = [0x0F, 0xAE, 0x0F];
        // (code, bx, cr0, fault)
        let cases: [(&[u8], u64, u64, Exception); 6] = [
            (&fxsave, 0x2008, 0, Exception::GeneralProtection(0)),
            (&fxrstor, 0x2008, 0, Exception::GeneralProtection(0)),
            (&fxsave, 0x2000, cr0::TS, Exception::DeviceNotAvailable),
            (&fxrstor, 0x2000, cr0::EM, Exception::DeviceNotAvailable),
            // The area runs past the 64 KiB limit.
            (&fxsave, 0xFF00, 0, Exception::GeneralProtection(0)),
            (&fxrstor, 0xFF00, 0, Exception::GeneralProtection(0)),
        ];
        for (code, bx, c0, e) in cases {
            let mut cpu = state_cpu(code);
            cpu.state.regs[3] = bx;
            cpu.state.cr0 = c0;
            let before = cpu.state.clone();
            assert_eq!(exec(&mut cpu), Err(e), "{code:02x?} {bx:#x}");
            assert_eq!(cpu.state, before);
            assert_eq!(cpu.mem.read(0xFF00, 8), 0);
        }
        // MXCSR with a reserved bit: #GP(0), nothing restored.
        let mut cpu = state_cpu(&fxrstor);
        cpu.state.regs[3] = 0x2000;
        cpu.mem.write(0x2000 + 24, 4, 0x1_1F80);
        let before = cpu.state.clone();
        assert_eq!(exec(&mut cpu), Err(Exception::GeneralProtection(0)));
        assert_eq!(cpu.state, before);
    }

    #[test]
    fn osfxsr_clear_skips_xmm() {
        let mut cpu = state_cpu(&[0x0F, 0xAE, 0x07, 0x0F, 0xAE, 0x0F]);
        cpu.state.cr4 = 0;
        cpu.state.regs[3] = 0x2000;
        assert_eq!(exec(&mut cpu), Ok(()));
        assert_eq!(cpu.mem.read(0x2000 + 24, 4), 0x1FC3);
        assert_eq!(cpu.mem.read(0x2000 + 160, 8), 0);
        cpu.mem.write(0x2000 + 160, 8, 0x77);
        assert_eq!(exec(&mut cpu), Ok(()));
        assert_eq!(cpu.state.xmm[0], 0x1111_1111_1111_1111_1111_1111_1111_1111);
    }
}
