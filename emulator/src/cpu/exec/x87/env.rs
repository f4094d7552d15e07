//! x87 environment and state images (SDM Vol. 1 §8.1.10, Figures 8-9 to
//! 8-12; Vol. 2 FSTENV/FLDENV/FSAVE/FRSTOR): FNSTENV/FSTENV, FLDENV,
//! FNSAVE/FSAVE, FRSTOR in the four layouts (protected or real/V86 mode ×
//! 16- or 32-bit operand size).
//!
//! Real-mode layouts hold 20/32-bit linear instruction and data pointers
//! (selector × 16 + offset) instead of selectors; loading one sets the
//! selector to 0 and the offset to the linear value. Reserved fields of the
//! 32-bit layouts are stored as 1s, as a Core-class host does (checked by
//! the host differential test for the protected-mode layout; the real-mode
//! 32-bit layout's reserved bits follow the same rule, unverified).
//!
//! FNSTENV masks all exceptions after storing; FNSAVE then reinitialises the
//! FPU as FNINIT does. FLDENV/FRSTOR use only the empty/non-empty part of
//! the loaded tag word and recompute the rest from the register contents
//! (§8.1.7); a pending unmasked exception in the loaded image is reported
//! at the next waiting instruction.

use super::{check_nm, check_wait, check_write, read_bytes, write_bytes};
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::fpu_state::{Reg80, TAG_EMPTY};
use crate::cpu::Cpu;
use iced_x86::{Code, Instruction};

pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.code() {
        Code::Fnstenv_m14byte | Code::Fnstenv_m28byte => fnstenv,
        Code::Fstenv_m14byte | Code::Fstenv_m28byte => fstenv,
        Code::Fldenv_m14byte | Code::Fldenv_m28byte => fldenv,
        Code::Fnsave_m94byte | Code::Fnsave_m108byte => fnsave,
        Code::Fsave_m94byte | Code::Fsave_m108byte => fsave,
        Code::Frstor_m94byte | Code::Frstor_m108byte => frstor,
        _ => return None,
    })
}

/// Size of the environment image: 14 or 28 bytes.
fn env_size(d: &DecodedInsn) -> u32 {
    match d.insn.code() {
        Code::Fnstenv_m14byte
        | Code::Fstenv_m14byte
        | Code::Fldenv_m14byte
        | Code::Fnsave_m94byte
        | Code::Fsave_m94byte
        | Code::Frstor_m94byte => 14,
        _ => 28,
    }
}

/// Protected-mode layout (not real or virtual-8086 mode).
fn pm_layout(cpu: &Cpu) -> bool {
    cpu.state.protected() && !cpu.state.v86()
}

/// The environment image as bytes (first `env_size` used).
pub(super) fn env_image(cpu: &Cpu, size: u32) -> [u8; 28] {
    let f = &cpu.state.fpu;
    let pm = pm_layout(cpu);
    let (cwv, swv, twv) = (f.cw, f.status_word(), f.tag_word());
    let mut b = [0u8; 28];
    if size == 14 {
        let words: [u16; 7] = if pm {
            [cwv, swv, twv, f.fip as u16, f.fcs, f.fdp as u16, f.fds]
        } else {
            let ip = (u32::from(f.fcs) << 4).wrapping_add(f.fip);
            let dp = (u32::from(f.fds) << 4).wrapping_add(f.fdp);
            [
                cwv,
                swv,
                twv,
                ip as u16,
                (((ip >> 16) & 0xF) << 12) as u16 | (f.fop & 0x7FF),
                dp as u16,
                (((dp >> 16) & 0xF) << 12) as u16,
            ]
        };
        for (i, w) in words.iter().enumerate() {
            b[2 * i..2 * i + 2].copy_from_slice(&w.to_le_bytes());
        }
    } else {
        let hi = 0xFFFF_0000u32;
        let dwords: [u32; 7] = if pm {
            [
                hi | u32::from(cwv),
                hi | u32::from(swv),
                hi | u32::from(twv),
                f.fip,
                u32::from(f.fcs) | (u32::from(f.fop & 0x7FF) << 16),
                f.fdp,
                hi | u32::from(f.fds),
            ]
        } else {
            let ip = (u32::from(f.fcs) << 4).wrapping_add(f.fip);
            let dp = (u32::from(f.fds) << 4).wrapping_add(f.fdp);
            [
                hi | u32::from(cwv),
                hi | u32::from(swv),
                hi | u32::from(twv),
                hi | (ip & 0xFFFF),
                ((ip >> 16) << 12) | u32::from(f.fop & 0x7FF),
                hi | (dp & 0xFFFF),
                (dp >> 16) << 12,
            ]
        };
        for (i, w) in dwords.iter().enumerate() {
            b[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
    }
    b
}

/// Load the environment from image bytes.
pub(super) fn load_env(cpu: &mut Cpu, b: &[u8; 28], size: u32) {
    let pm = pm_layout(cpu);
    let w = |i: usize| u16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
    let dw = |i: usize| u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
    let (cwv, swv, twv, fip, fcs, fop, fdp, fds);
    if size == 14 {
        (cwv, swv, twv) = (w(0), w(1), w(2));
        if pm {
            (fip, fcs, fop, fdp, fds) = (
                u32::from(w(3)),
                w(4),
                cpu.state.fpu.fop,
                u32::from(w(5)),
                w(6),
            );
        } else {
            fip = u32::from(w(3)) | (u32::from(w(4) >> 12) << 16);
            fop = w(4) & 0x7FF;
            fdp = u32::from(w(5)) | (u32::from(w(6) >> 12) << 16);
            (fcs, fds) = (0, 0);
        }
    } else {
        (cwv, swv, twv) = (dw(0) as u16, dw(1) as u16, dw(2) as u16);
        if pm {
            fip = dw(3);
            fcs = dw(4) as u16;
            fop = ((dw(4) >> 16) & 0x7FF) as u16;
            fdp = dw(5);
            fds = dw(6) as u16;
        } else {
            fip = (dw(3) & 0xFFFF) | (((dw(4) >> 12) & 0xFFFF) << 16);
            fop = (dw(4) & 0x7FF) as u16;
            fdp = (dw(5) & 0xFFFF) | (((dw(6) >> 12) & 0xFFFF) << 16);
            (fcs, fds) = (0, 0);
        }
    }
    let f = &mut cpu.state.fpu;
    f.cw = cwv;
    f.set_status_word(swv);
    f.set_control_word(cwv);
    // Only empty / not empty is taken from the image.
    f.tag = 0;
    for p in 0..8 {
        if (twv >> (2 * p)) & 3 == TAG_EMPTY {
            f.tag |= TAG_EMPTY << (2 * p);
        }
    }
    f.retag();
    (f.fip, f.fcs, f.fop, f.fdp, f.fds) = (fip, fcs, fop, fdp, fds);
}

fn fnstenv(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_nm(cpu)?;
    let n = env_size(d);
    check_write(cpu, d, n)?;
    let img = env_image(cpu, n);
    store_image(cpu, d, &img[..n as usize])?;
    // Then mask all exceptions (ES/B follow).
    let cwv = cpu.state.fpu.cw | 0x3F;
    cpu.state.fpu.set_control_word(cwv);
    Ok(())
}

fn fstenv(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    fnstenv(cpu, d)
}

fn store_image(cpu: &mut Cpu, d: &DecodedInsn, img: &[u8]) -> ExResult {
    for (k, chunk) in img.chunks(8).enumerate() {
        let mut v = 0u128;
        for (j, &byte) in chunk.iter().enumerate() {
            v |= u128::from(byte) << (8 * j);
        }
        write_bytes(cpu, d, 8 * k as u64, chunk.len() as u32, v)?;
    }
    Ok(())
}

fn load_image(cpu: &mut Cpu, d: &DecodedInsn, out: &mut [u8]) -> ExResult {
    for (k, chunk) in out.chunks_mut(8).enumerate() {
        let v = read_bytes(cpu, d, 8 * k as u64, chunk.len() as u32)?;
        for (j, byte) in chunk.iter_mut().enumerate() {
            *byte = (v >> (8 * j)) as u8;
        }
    }
    Ok(())
}

fn fldenv(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    let n = env_size(d);
    let mut img = [0u8; 28];
    load_image(cpu, d, &mut img[..n as usize])?;
    load_env(cpu, &img, n);
    Ok(())
}

fn fnsave(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_nm(cpu)?;
    let n = env_size(d);
    check_write(cpu, d, n + 80)?;
    let mut img = [0u8; 108];
    img[..28].copy_from_slice(&env_image(cpu, n));
    let n = n as usize;
    for i in 0..8u8 {
        let at = n + 10 * usize::from(i);
        img[at..at + 10].copy_from_slice(&cpu.state.fpu.st(i).to_bytes());
    }
    store_image(cpu, d, &img[..n + 80])?;
    cpu.state.fpu.init();
    Ok(())
}

fn fsave(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    fnsave(cpu, d)
}

fn frstor(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    let n = env_size(d) as usize;
    let mut img = [0u8; 108];
    load_image(cpu, d, &mut img[..n + 80])?;
    let mut env = [0u8; 28];
    env.copy_from_slice(&img[..28]);
    // TOP first (from the status word), so ST(i) maps to the right register.
    let swv = if n == 14 {
        u16::from_le_bytes([img[2], img[3]])
    } else {
        u16::from_le_bytes([img[4], img[5]])
    };
    cpu.state.fpu.top = ((swv >> 11) & 7) as u8;
    for i in 0..8u8 {
        let at = n + 10 * usize::from(i);
        let mut r = [0u8; 10];
        r.copy_from_slice(&img[at..at + 10]);
        let p = cpu.state.fpu.phys(i);
        cpu.state.fpu.regs[p] = Reg80::from_bytes(r);
    }
    load_env(cpu, &env, n as u32);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{fpu_cpu, int, run};
    use crate::cpu::fpu_state::{cw, sw, FpuState, Reg80};
    use crate::cpu::state::attr;
    use crate::cpu::{SegReg, Segment};

    fn sample() -> FpuState {
        let mut f = FpuState::reset();
        f.init();
        f.push_unchecked(int(1));
        f.push_unchecked(Reg80::ZERO);
        f.push_unchecked(Reg80::INDEFINITE);
        f.cw = 0x0A7F;
        f.sw = sw::C3 | sw::C0 | sw::PE;
        f.fip = 0x1234;
        f.fcs = 0x0100;
        f.fop = 0x1E8;
        f.fdp = 0x5678;
        f.fds = 0x0200;
        f
    }

    /// (protected mode, 32-bit operand size, bytes of FNSTENV [0x400],
    /// expected image)
    #[test]
    fn fnstenv_layouts() {
        let tw: u16 = 0b00_01_10_11_11_11_11_11; // R7 valid, R6 zero, R5 special
        let swv: u16 = sw::C3 | sw::C0 | sw::PE | (5 << 11);
        let ip = 0x1000u32 + 0x1234;
        let dp = 0x2000u32 + 0x5678;
        let le16 = |ws: &[u16]| ws.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>();
        let le32 = |ws: &[u32]| ws.iter().flat_map(|w| w.to_le_bytes()).collect::<Vec<u8>>();
        let cases: [(bool, bool, Vec<u8>); 4] = [
            (
                false,
                false,
                le16(&[0x0A7F, swv, tw, ip as u16, 0x1E8, dp as u16, 0]),
            ),
            (
                true,
                false,
                le16(&[0x0A7F, swv, tw, 0x1234, 0x100, 0x5678, 0x200]),
            ),
            (
                false,
                true,
                le32(&[
                    0xFFFF_0A7F,
                    0xFFFF_0000 | u32::from(swv),
                    0xFFFF_0000 | u32::from(tw),
                    0xFFFF_0000 | (ip & 0xFFFF),
                    0x1E8,
                    0xFFFF_0000 | (dp & 0xFFFF),
                    0,
                ]),
            ),
            (
                true,
                true,
                le32(&[
                    0xFFFF_0A7F,
                    0xFFFF_0000 | u32::from(swv),
                    0xFFFF_0000 | u32::from(tw),
                    0x1234,
                    0x01E8_0100,
                    0x5678,
                    0xFFFF_0200,
                ]),
            ),
        ];
        for (pm, o32, want) in cases {
            let code: &[u8] = if o32 {
                &[0x66, 0xD9, 0x36, 0x00, 0x04]
            } else {
                &[0xD9, 0x36, 0x00, 0x04]
            };
            let mut cpu = fpu_cpu(code);
            cpu.state.fpu = sample();
            if pm {
                // Flat 16-bit protected-mode segments (descriptor caches only).
                cpu.state.cr0 |= crate::cpu::state::cr0::PE;
                for r in SegReg::ALL {
                    let code = r == SegReg::Cs;
                    cpu.state.seg[r as usize] = Segment {
                        selector: 8,
                        base: 0,
                        limit: 0xFFFF,
                        attr: if code {
                            attr::REAL_CODE
                        } else {
                            attr::REAL_DATA
                        },
                    };
                }
            }
            run(&mut cpu, 1);
            let got: Vec<u8> = (0..want.len() as u32)
                .map(|i| cpu.mem.read(0x400 + i, 1) as u8)
                .collect();
            assert_eq!(got, want, "pm={pm} o32={o32}");
            assert_eq!(cpu.state.fpu.cw, 0x0A7F, "exceptions masked after FNSTENV");
            // FLDENV of the same image gives the same environment back.
            let mut back = fpu_cpu(&[if o32 { 0x66 } else { 0x90 }, 0xD9, 0x26, 0x00, 0x04]);
            back.state.seg = cpu.state.seg;
            back.state.cr0 = cpu.state.cr0;
            back.state.fpu.regs = cpu.state.fpu.regs;
            for (i, b) in want.iter().enumerate() {
                back.mem.write(0x400 + i as u32, 1, u64::from(*b));
            }
            run(&mut back, if o32 { 1 } else { 2 });
            let f = &back.state.fpu;
            let s = sample();
            assert_eq!(
                (f.cw, f.status_word(), f.tag_word()),
                (s.cw, s.status_word(), s.tag_word())
            );
            if pm {
                assert_eq!((f.fip, f.fcs, f.fdp, f.fds), (s.fip, s.fcs, s.fdp, s.fds));
            } else {
                assert_eq!((f.fip, f.fcs, f.fop, f.fdp, f.fds), (ip, 0, s.fop, dp, 0));
            }
        }
    }

    #[test]
    fn fsave_frstor_round_trip() {
        // FNSAVE [0x400]; FRSTOR [0x400]  (16-bit real-mode layout)
        let mut cpu = fpu_cpu(&[0xDD, 0x36, 0x00, 0x04, 0xDD, 0x26, 0x00, 0x04]);
        let s = sample();
        cpu.state.fpu = s.clone();
        run(&mut cpu, 1);
        assert_eq!(cpu.state.fpu.cw, cw::INIT);
        assert_eq!(cpu.state.fpu.tag, 0xFFFF);
        // ST(0) first, at offset 14.
        let st0: Vec<u8> = (0..10)
            .map(|i| cpu.mem.read(0x400 + 14 + i, 1) as u8)
            .collect();
        assert_eq!(st0, Reg80::INDEFINITE.to_bytes());
        let st2: Vec<u8> = (0..10)
            .map(|i| cpu.mem.read(0x400 + 34 + i, 1) as u8)
            .collect();
        assert_eq!(st2, int(1).to_bytes());
        cpu.state.fpu.regs = [Reg80::ZERO; 8];
        run(&mut cpu, 1);
        let f = &cpu.state.fpu;
        assert_eq!(f.regs, s.regs);
        assert_eq!((f.top, f.cw, f.tag, f.sw), (s.top, s.cw, s.tag, s.sw));
    }

    #[test]
    fn fldenv_with_unmasked_flag_sets_es() {
        let mut cpu = fpu_cpu(&[0xD9, 0x26, 0x00, 0x04]);
        // cw = ZE unmasked, sw = ZE set, tags all empty
        for (i, w) in [0x037Bu16, sw::ZE, 0xFFFF, 0, 0, 0, 0].iter().enumerate() {
            cpu.mem.write(0x400 + 2 * i as u32, 2, u64::from(*w));
        }
        run(&mut cpu, 1);
        assert_eq!(cpu.state.fpu.sw, sw::ZE | sw::ES | sw::B);
    }

    /// FNSTENV stores the pending state, then masks everything, which
    /// clears ES and B (as a Core host does).
    #[test]
    fn fnstenv_masks_and_clears_es() {
        let mut cpu = fpu_cpu(&[0xD9, 0x36, 0x00, 0x04]);
        cpu.state.fpu.set_control_word(0x037B);
        cpu.state.fpu.sw = sw::ZE | sw::ES | sw::B;
        run(&mut cpu, 1);
        assert_eq!(cpu.mem.read(0x402, 2), u64::from(sw::ZE | sw::ES | sw::B));
        assert_eq!((cpu.state.fpu.cw, cpu.state.fpu.sw), (0x037F, sw::ZE));
    }
}
