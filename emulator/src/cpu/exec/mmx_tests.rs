//! Unit tests of the MMX family (`mmx.rs`).

use super::*;
use crate::cpu::exception::Exception;
use crate::cpu::exec::simd_common::testing::{exec, sse_cpu};
use crate::cpu::fpu_state::sw;
use crate::cpu::state::cr0;

/// A CPU with x87 TOP = 5 and all tags empty, MM0 = `a`, MM1 = `b`.
fn mmx_cpu(code: &[u8], a: u64, b: u64) -> Cpu {
    let mut cpu = sse_cpu(code);
    cpu.state.fpu.top = 5;
    cpu.state.fpu.tag = 0xFFFF;
    cpu.state.fpu.regs[0] = Reg80 { sig: a, se: 0x3FFF };
    cpu.state.fpu.regs[1] = Reg80 { sig: b, se: 0x4000 };
    cpu
}

#[test]
fn register_ops_alias_x87_and_set_tags() {
    // (code, mm0, mm1, expected mm0)
    let cases: [(&[u8], u64, u64, u64); 10] = [
        (
            &[0x0F, 0xFD, 0xC1],
            0x7FFF_0001_FFFF_8000,
            0x0001_0001_0001_8000,
            0x8000_0002_0000_0000,
        ), // paddw
        (
            &[0x0F, 0xED, 0xC1],
            0x7FFF_0001_FFFF_8000,
            0x0001_0001_0001_8000,
            0x7FFF_0002_0000_8000,
        ), // paddsw
        (&[0x0F, 0xD4, 0xC1], u64::MAX, 2, 1), // paddq mm
        (
            &[0x0F, 0xF4, 0xC1],
            0xFFFF_FFFF,
            0xFFFF_FFFF,
            0xFFFF_FFFE_0000_0001,
        ), // pmuludq mm
        (
            &[0x0F, 0x71, 0xE0, 0x04],
            0x8000_0010_7FF0_0100,
            0,
            0xF800_0001_07FF_0010,
        ), // psraw mm0, 4
        (&[0x0F, 0xF3, 0xC1], 0x1, 64, 0),     // psllq mm0, mm1
        (
            &[0x0F, 0x60, 0xC1],
            0x4433_2211,
            0x8877_6655,
            0x8844_7733_6622_5511,
        ), // punpcklbw
        (
            &[0x0F, 0x63, 0xC1],
            0x8000_7FFF_0001_FFFF,
            0,
            0x0000_0000_807F_01FF,
        ), // packsswb
        (
            &[0x0F, 0x70, 0xC1, 0x1B],
            0,
            0x4444_3333_2222_1111,
            0x1111_2222_3333_4444,
        ), // pshufw
        (
            &[0x0F, 0xF6, 0xC1],
            0x0000_0000_0000_00FF,
            0x0100_0000_0000_0000,
            0x100,
        ), // psadbw
    ];
    for (code, a, b, want) in cases {
        let mut cpu = mmx_cpu(code, a, b);
        assert_eq!(exec(&mut cpu), Ok(()), "{code:02x?}");
        let f = &cpu.state.fpu;
        assert_eq!(
            f.regs[0],
            Reg80 {
                sig: want,
                se: 0xFFFF
            },
            "{code:02x?}"
        );
        assert_eq!((f.top, f.tag), (0, 0), "{code:02x?}");
        assert_eq!(f.regs[1].se, 0x4000, "a source keeps its exponent");
    }
}

#[test]
fn emms_and_element_moves() {
    // emms
    let mut cpu = mmx_cpu(&[0x0F, 0x77], 1, 2);
    cpu.state.fpu.tag = 0;
    cpu.state.fpu.top = 3;
    assert_eq!(exec(&mut cpu), Ok(()));
    assert_eq!((cpu.state.fpu.tag, cpu.state.fpu.top), (0xFFFF, 3));
    // pextrw eax, mm1, 2; pinsrw mm0, eax, 3; pmovmskb ecx, mm1
    let code = [
        0x0F, 0xC5, 0xC1, 0x02, 0x0F, 0xC4, 0xC0, 0x03, 0x0F, 0xD7, 0xC9,
    ];
    let mut cpu = mmx_cpu(&code, 0, 0x8000_ABCD_0080_0000);
    cpu.state.regs[0] = u64::MAX;
    for _ in 0..3 {
        assert_eq!(exec(&mut cpu), Ok(()));
    }
    assert_eq!(cpu.state.regs[0], 0xABCD);
    assert_eq!(mm_get(&cpu, 0), 0xABCD_0000_0000_0000);
    assert_eq!(cpu.state.regs[1], 0b1011_0100);
    // movq2dq xmm0, mm1; movdq2q mm0, xmm1
    let mut cpu = mmx_cpu(&[0xF3, 0x0F, 0xD6, 0xC1, 0xF2, 0x0F, 0xD6, 0xC1], 0, 0x1234);
    cpu.state.xmm[0] = u128::MAX;
    cpu.state.xmm[1] = (5u128 << 64) | 6;
    assert_eq!(exec(&mut cpu), Ok(()));
    assert_eq!(cpu.state.xmm[0], 0x1234);
    assert_eq!(exec(&mut cpu), Ok(()));
    assert_eq!(mm_get(&cpu, 0), 6);
}

#[test]
fn memory_forms() {
    // movd mm0, [bx]; movq [bx+8], mm1; punpcklbw mm0, [bx] (m32);
    // movntq [bx+16], mm1; maskmovq mm0, mm1 (to DS:DI)
    let code = [
        0x0F, 0x6E, 0x07, 0x0F, 0x7F, 0x4F, 0x08, 0x0F, 0x60, 0x07, 0x0F, 0xE7, 0x4F, 0x10, 0x0F,
        0xF7, 0xC1,
    ];
    let mut cpu = mmx_cpu(&code, 0, 0x8000_0000_0000_80FF);
    cpu.state.regs[3] = 0x2000;
    cpu.mem.write(0x2000, 8, 0xAAAA_AAAA_4433_2211);
    assert_eq!(exec(&mut cpu), Ok(()));
    assert_eq!(mm_get(&cpu, 0), 0x4433_2211);
    assert_eq!(exec(&mut cpu), Ok(()));
    assert_eq!(cpu.mem.read(0x2008, 8), 0x8000_0000_0000_80FF);
    // m32 at the very end of the segment: only 4 bytes are read.
    cpu.state.regs[3] = 0xFFFC;
    cpu.mem.write(0xFFFC, 4, 0x8877_6655);
    assert_eq!(exec(&mut cpu), Ok(()));
    assert_eq!(mm_get(&cpu, 0), 0x8844_7733_6622_5511);
    cpu.state.regs[3] = 0x2000;
    assert_eq!(exec(&mut cpu), Ok(()));
    assert_eq!(cpu.mem.read(0x2010, 8), 0x8000_0000_0000_80FF);
    cpu.state.regs[7] = 0x3000;
    assert_eq!(exec(&mut cpu), Ok(()));
    // Mask bytes 0, 1 and 7 selected: bytes 11, 55, 88 of mm0.
    assert_eq!(cpu.mem.read(0x3000, 8), 0x8800_0000_0000_5511);
}

#[test]
fn faults_leave_state_unchanged() {
    let code = [0x0F, 0xFD, 0x07]; // paddw mm0, [bx]
                                   // (cr0, pending ES, bx, fault)
    let cases = [
        (cr0::EM, false, 0, Exception::InvalidOpcode),
        (cr0::TS, false, 0, Exception::DeviceNotAvailable),
        (cr0::NE, true, 0, Exception::FpuError),
        (0, false, 0xFFFC, Exception::GeneralProtection(0)),
    ];
    for (c0, es, bx, e) in cases {
        let mut cpu = mmx_cpu(&code, 1, 2);
        cpu.state.cr0 = c0;
        cpu.state.regs[3] = bx;
        if es {
            cpu.state.fpu.sw |= sw::ES | sw::IE;
        }
        let before = cpu.state.fpu.clone();
        assert_eq!(exec(&mut cpu), Err(e), "{e:?}");
        assert_eq!(cpu.state.fpu, before, "{e:?}");
    }
    // MMX needs no CR4.OSFXSR; MOVQ2DQ does.
    let mut cpu = mmx_cpu(&[0x0F, 0xFD, 0xC1, 0xF3, 0x0F, 0xD6, 0xC1], 1, 2);
    cpu.state.cr4 = 0;
    assert_eq!(exec(&mut cpu), Ok(()));
    assert_eq!(exec(&mut cpu), Err(Exception::InvalidOpcode));
    // With CR0.NE clear a pending exception asserts FERR# and the
    // instruction runs (as in the x87 family).
    let mut cpu = mmx_cpu(&[0x0F, 0xFD, 0xC1], 1, 2);
    cpu.state.fpu.sw |= sw::ES | sw::IE;
    assert_eq!(exec(&mut cpu), Ok(()));
    assert!(cpu.state.fpu.ferr);
    assert_eq!(mm_get(&cpu, 0), 3);
}
