//! TSS ring-stack and I/O-permission-bitmap tests (fixture in
//! [`super::tests`]).

use super::tests::*;
use super::*;
use crate::cpu::flags::{IOPL, VM};
use crate::cpu::state::gpr::*;

#[test]
fn tss_stacks() {
    let mut cpu = pm_cpu();
    // 32-bit TSS A: rings 0–2.
    for (ring, ss, esp) in [(0u8, DATA0, 0x100u32), (1, DATA1, 0x200), (2, 0x92, 0x300)] {
        cpu.mem
            .write(TSS_A + 4 + 8 * u32::from(ring), 4, u64::from(esp));
        cpu.mem
            .write(TSS_A + 8 + 8 * u32::from(ring), 2, u64::from(ss));
    }
    assert_eq!(cpu.tss_stack(0), Ok((DATA0, 0x100)));
    assert_eq!(cpu.tss_stack(1), Ok((DATA1, 0x200)));
    // Ring 2: selector 0x92 is outside the GDT.
    assert_eq!(cpu.tss_stack(2), Err(Exception::InvalidTss(0x90)));
    assert_eq!(cpu.tss_stack_ext(2, true), Err(Exception::InvalidTss(0x91)));
    // TSS limit must cover SS of the ring (ring 0: offset 9).
    cpu.state.tr.limit = 8;
    assert_eq!(cpu.tss_stack(0), Err(Exception::InvalidTss(SEL_A)));
    cpu.state.tr.limit = 9;
    assert_eq!(cpu.tss_stack(0), Ok((DATA0, 0x100)));
    cpu.state.tr.limit = 0x67;
    // SS checks, ring 0.
    let cases: [(u16, Exception); 5] = [
        (0, Exception::InvalidTss(0)),
        (DATA0 | 1, Exception::InvalidTss(DATA0)), // RPL != 0
        (DATA3, Exception::InvalidTss(DATA3 & !3)), // RPL/DPL 3
        (DATA0_RO, Exception::InvalidTss(DATA0_RO)), // not writable
        (DATA_NP, Exception::StackFault(DATA_NP)),
    ];
    for (ss, want) in cases {
        cpu.mem.write(TSS_A + 8, 2, u64::from(ss));
        assert_eq!(cpu.tss_stack(0), Err(want), "SS {ss:#x}");
    }
    cpu.mem.write(TSS_A + 8, 2, u64::from(CODE0));
    assert_eq!(cpu.tss_stack(0), Err(Exception::InvalidTss(CODE0)));
    // 16-bit TSS: SP0 at 2, SS0 at 4; a 16-bit SP.
    cpu.state.tr = cache(desc(TSS_C, 0x2B, 0x83, 0), SEL_C);
    cpu.mem.write(TSS_C + 2, 4, 0xFFFF_1234);
    cpu.mem.write(TSS_C + 4, 2, u64::from(DATA16));
    assert_eq!(cpu.tss_stack(0), Ok((DATA16, 0x1234)));
    cpu.mem.write(TSS_C + 6, 2, 0x0444);
    cpu.mem.write(TSS_C + 8, 2, u64::from(DATA1));
    assert_eq!(cpu.tss_stack(1), Ok((DATA1, 0x0444)));
    cpu.state.tr.limit = 8;
    assert_eq!(cpu.tss_stack(1), Err(Exception::InvalidTss(SEL_C)));
}

/// A CPU at CPL 3 running the task with the I/O bitmap (at 0x68), IOPL 0,
/// ports 0x80, 0x108 and 0x3FF denied.
fn io_cpu() -> Cpu {
    let mut cpu = pm_cpu();
    let raws: std::collections::HashMap<u16, u64> = gdt_entries().into_iter().collect();
    cpu.state.tr = cache(raws[&SEL_IO] | (2 << 40), SEL_IO);
    cpu.mem.write(TSS_IO + 0x66, 2, 0x68);
    for port in [0x80u32, 0x108, 0x3FF] {
        let a = TSS_IO + 0x68 + port / 8;
        let b = cpu.mem.read_u8(a);
        cpu.mem.write_u8(a, b | 1 << (port % 8));
    }
    cpu.mem.write_u8(TSS_IO + 0x68 + 0x2000, 0xFF);
    // Ring-0 stack for faults taken at ring 3: DATA0:A000.
    cpu.mem.write(TSS_IO + 4, 4, 0xA000);
    cpu.mem.write(TSS_IO + 8, 2, u64::from(DATA0));
    cpu.state.seg[SegReg::Cs as usize] = cache(raws[&CODE3], CODE3);
    cpu.state.cpl = 3;
    cpu
}

#[test]
fn io_permission_bitmap() {
    let gp = Err(Exception::GeneralProtection(0));
    // (port, size, result)
    let cases: [(u16, u32, ExResult); 12] = [
        (0x60, 1, Ok(())),
        (0x80, 1, gp),
        (0x81, 1, Ok(())),
        (0x7F, 2, gp),     // 7F allowed, 80 denied
        (0x7E, 2, Ok(())), // 7E, 7F
        (0x107, 1, Ok(())),
        (0x107, 2, gp), // spans the byte boundary: 108 denied
        (0x106, 2, Ok(())),
        (0x105, 4, gp), // 105..108
        (0x104, 4, Ok(())),
        (0x3FC, 4, gp),
        (0xFFFF, 1, Ok(())),
    ];
    for (port, size, want) in cases {
        let mut cpu = io_cpu();
        assert_eq!(cpu.check_io(port, size), want, "port {port:#x} size {size}");
        assert_eq!(cpu.port_in(port, size).map(|_| ()), want, "in {port:#x}");
        assert_eq!(cpu.port_out(port, size, 0), want, "out {port:#x}");
    }
}

#[test]
fn io_permission_by_mode_and_iopl() {
    let gp = Err(Exception::GeneralProtection(0));
    let mut cpu = io_cpu();
    // CPL ≤ IOPL: the bitmap is not consulted.
    cpu.state.flags.set_masked(IOPL, IOPL);
    assert_eq!(cpu.check_io(0x80, 1), Ok(()));
    // V86 always consults it, whatever IOPL.
    cpu.state.flags.set(VM, true);
    assert_eq!(cpu.check_io(0x80, 1), gp);
    assert_eq!(cpu.check_io(0x60, 1), Ok(()));
    // Real mode: no checks.
    let mut cpu = io_cpu();
    cpu.state.cr0 &= !cr0::PE;
    assert_eq!(cpu.check_io(0x80, 1), Ok(()));
    // CPL 0 with IOPL 0.
    let mut cpu = io_cpu();
    cpu.state.cpl = 0;
    assert_eq!(cpu.check_io(0x80, 1), Ok(()));
    // A 16-bit TSS has no bitmap: everything is denied above IOPL.
    let mut cpu = io_cpu();
    cpu.state.tr = cache(desc(TSS_C, 0x2B, 0x83, 0), SEL_C);
    assert_eq!(cpu.check_io(0x60, 1), gp);
}

#[test]
fn io_bitmap_truncated_by_the_tss_limit() {
    let gp = Err(Exception::GeneralProtection(0));
    let mut cpu = io_cpu();
    // Bitmap bytes 0..=0x10 lie within limit 0x78; the CPU reads two bytes.
    cpu.state.tr.limit = 0x68 + 0x10;
    assert_eq!(cpu.check_io(0x78, 1), Ok(())); // bytes 0x0F, 0x10
    assert_eq!(cpu.check_io(0x81, 1), gp); // bytes 0x10, 0x11: beyond
    assert_eq!(cpu.check_io(0x1000, 1), gp);
    // Bitmap base at or beyond the limit: no bitmap at all.
    cpu.mem.write(TSS_IO + 0x66, 2, 0x2100);
    cpu.state.tr.limit = 0x2068;
    assert_eq!(cpu.check_io(0x60, 1), gp);
}

#[test]
fn in_out_ins_outs_instructions_check_the_bitmap() {
    use crate::cpu::exec::testutil::step;
    // in al, dx ; out dx, al ; insb ; outsb — each at port 0x80 (denied)
    // and at 0x60 (allowed).
    let cases: [(&[u8], u16, bool); 8] = [
        (&[0xEC], 0x80, false),
        (&[0xEC], 0x60, true),
        (&[0xEE], 0x80, false),
        (&[0xEE], 0x60, true),
        (&[0x6C], 0x80, false),
        (&[0x6C], 0x60, true),
        (&[0x6E], 0x80, false),
        (&[0x6E], 0x60, true),
    ];
    for (code, port, ok) in cases {
        let mut cpu = io_cpu();
        let raws: std::collections::HashMap<u16, u64> = gdt_entries().into_iter().collect();
        for r in [SegReg::Ds, SegReg::Es, SegReg::Ss] {
            cpu.state.seg[r as usize] = cache(raws[&DATA3], DATA3);
        }
        cpu.mem.write_bytes(0x2_0000, code);
        cpu.state.rip = 0x2_0000;
        cpu.state.regs[RDX] = u64::from(port);
        cpu.state.regs[RDI] = 0x2_1000;
        cpu.state.regs[RSI] = 0x2_1000;
        cpu.state.regs[RSP] = 0x9000;
        cpu.mem.write_u8(0x2_1000, 0x55);
        step(&mut cpu);
        if ok {
            assert_eq!(cpu.state.rip, 0x2_0001, "{code:02x?} port {port:#x}");
        } else {
            // #GP(0) through the ring-0 gate of vector 13, on the ring-0
            // stack from the TSS: error code 0, then EIP of the faulting
            // instruction and CS; the instruction did nothing.
            let what = format!("{code:02x?} port {port:#x}");
            assert_eq!(cpu.state.rip, 0x7000 + 16 * 13, "{what}");
            assert_eq!(cpu.state.regs[RSP], 0xA000 - 24, "{what}");
            assert_eq!(cpu.mem.read(0xA000 - 24, 4), 0, "{what}");
            assert_eq!(cpu.mem.read(0xA000 - 20, 4), 0x2_0000, "{what}");
            assert_eq!(cpu.mem.read(0xA000 - 16, 4), u64::from(CODE3), "{what}");
            assert_eq!(cpu.state.regs[RDI], 0x2_1000, "{what}");
            assert_eq!(cpu.mem.read_u8(0x2_1000), 0x55, "{what}");
        }
    }
}
