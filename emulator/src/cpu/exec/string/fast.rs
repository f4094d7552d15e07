//! Fast path of REP MOVS and REP STOS going forward (DF = 0; SDM Vol. 1
//! §7.3.9.2 "Repeated string operations" allows any implementation that
//! gives the architectural result).
//!
//! A run of elements that stays within one page of each operand and below
//! the address-size wrap, and passes one segment range check, is done with
//! direct physical accesses, eight bytes at a time where that gives the
//! same result as the element-by-element definition (see `copy_run`;
//! overlapping copies are exact). Anything else, or a run whose checks do
//! not pass, takes the element-by-element path in the parent module, which
//! faults at the exact iteration.
//!
//! Measured on the 2-core dev machine (release build, step tier): about
//! 1.1 GB/s for REP MOVSB and 1.6 GB/s for REP STOSB; the element path
//! (e.g. REP MOVSB with DF = 1) runs at 60–80 MB/s.

use super::MOVS;
use crate::cpu::access::Access;
use crate::cpu::state::{gpr, size_mask, SegReg};
use crate::cpu::Cpu;

/// Page size used to bound fast-path runs (one translation per run).
const PAGE: u64 = 4096;

/// How many whole elements of `size` bytes fit from offset `off` to the
/// top of the address space `amask` without wrapping.
#[inline(always)]
fn elements_before_wrap(off: u64, amask: u64, size: u64) -> u64 {
    let avail = amask - off;
    if avail < size - 1 {
        0
    } else {
        (avail - (size - 1)) / size + 1
    }
}

/// Checked physical address of a run of `n` elements starting at
/// `seg:off`, or `None` when the run would fault somewhere (the caller then
/// goes element by element to fault at the right iteration). The run lies
/// in one linear page, so one translation covers it under paging too.
#[inline(always)]
fn run_address(cpu: &mut Cpu, seg: SegReg, off: u64, bytes: u64, access: Access) -> Option<u32> {
    let lin = cpu.linear(seg, off, bytes as u32, access).ok()?;
    cpu.translate(lin, access).ok()
}

/// Elements of `size` bytes from linear address `lin` to the end of its
/// page.
#[inline(always)]
fn elements_in_page(lin: u32, size: u64) -> u64 {
    (PAGE - (u64::from(lin) & (PAGE - 1))) / size
}

/// Forward REP MOVS/STOS over at most `max` elements with direct physical
/// accesses. Returns the number of elements done (0 if the fast path does
/// not apply: nothing was changed). Updates SI/DI; the caller updates CX.
#[inline(always)]
pub(super) fn forward<const OP: u8, const SIZE: u32>(
    cpu: &mut Cpu,
    src: SegReg,
    asize: u32,
    max: u64,
) -> u64 {
    let size = u64::from(SIZE);
    let amask = size_mask(asize);
    let di = cpu.state.regs[gpr::RDI] & amask;
    let si = cpu.state.regs[gpr::RSI] & amask;
    let dst_base = cpu.state.seg[SegReg::Es as usize].base;
    let mut n = max
        .min(elements_before_wrap(di, amask, size))
        .min(elements_in_page(dst_base.wrapping_add(di as u32), size));
    if OP == MOVS {
        let src_base = cpu.state.seg[src as usize].base;
        n = n
            .min(elements_before_wrap(si, amask, size))
            .min(elements_in_page(src_base.wrapping_add(si as u32), size));
    }
    if n == 0 {
        return 0;
    }
    let bytes = n * size;
    // MOVS translates the source first, as the first element reads it
    // first: under paging a translation sets accessed/dirty flags, and a
    // run that then falls back to the element path must not have set a
    // flag the element path would not.
    let ps = if OP == MOVS {
        match run_address(cpu, src, si, bytes, Access::Read) {
            Some(p) => p,
            None => return 0,
        }
    } else {
        0
    };
    let Some(pd) = run_address(cpu, SegReg::Es, di, bytes, Access::Write) else {
        return 0;
    };
    // Device registers (MMIO pages) take one access per element.
    if cpu.mem.is_mmio(pd) || (OP == MOVS && cpu.mem.is_mmio(ps)) {
        return 0;
    }
    if OP == MOVS {
        copy_run::<SIZE>(cpu, ps, pd, bytes as u32);
        cpu.state.set_gpr(gpr::RSI, asize, si.wrapping_add(bytes));
    } else {
        fill_run::<SIZE>(cpu, pd, cpu.state.gpr(gpr::RAX, SIZE), bytes as u32);
    }
    cpu.state.set_gpr(gpr::RDI, asize, di.wrapping_add(bytes));
    n
}

/// Copy `bytes` bytes (a whole number of `SIZE`-byte elements) from
/// physical `ps` to `pd` with the result of copying element by element in
/// increasing order. Eight bytes move at a time unless the destination
/// starts 1–7 bytes above the source, the only distance at which reading a
/// block before writing it differs from the sequential definition (a later
/// byte of the block would have to see an earlier byte's write).
#[inline(always)]
fn copy_run<const SIZE: u32>(cpu: &mut Cpu, ps: u32, pd: u32, bytes: u32) {
    let dist = i64::from(cpu.mem.bus_address(pd)) - i64::from(cpu.mem.bus_address(ps));
    let mut i = 0;
    if !(1..8).contains(&dist) {
        while i + 8 <= bytes {
            let v = cpu.mem.read(ps.wrapping_add(i), 8);
            cpu.mem.write(pd.wrapping_add(i), 8, v);
            i += 8;
        }
    }
    while i < bytes {
        let v = cpu.mem.read(ps.wrapping_add(i), SIZE);
        cpu.mem.write(pd.wrapping_add(i), SIZE, v);
        i += SIZE;
    }
}

/// Store `bytes` bytes (whole `SIZE`-byte elements) of the element `v`
/// repeated from physical `pd`, eight bytes at a time.
#[inline(always)]
fn fill_run<const SIZE: u32>(cpu: &mut Cpu, pd: u32, v: u64, bytes: u32) {
    let pattern = match SIZE {
        1 => v * 0x0101_0101_0101_0101,
        2 => v * 0x0001_0001_0001_0001,
        _ => v * 0x0000_0001_0000_0001,
    };
    let mut i = 0;
    while i + 8 <= bytes {
        cpu.mem.write(pd.wrapping_add(i), 8, pattern);
        i += 8;
    }
    while i < bytes {
        cpu.mem.write(pd.wrapping_add(i), SIZE, v);
        i += SIZE;
    }
}

#[cfg(test)]
mod tests {
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::state::gpr::*;
    use crate::cpu::{CpuModel, SegReg, Segment};

    #[test]
    fn overlapping_copies_follow_the_element_order() {
        // Forward with DI = SI + 1 replicates the first byte (fast path).
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xF3, 0xA4]);
        cpu.mem.write_bytes(0x200, &[0xAA, 1, 2, 3, 4, 5, 6]);
        cpu.state.regs[RSI] = 0x200;
        cpu.state.regs[RDI] = 0x201;
        cpu.state.regs[RCX] = 6;
        step(&mut cpu);
        let mut got = [0; 7];
        cpu.mem.read_bytes(0x200, &mut got);
        assert_eq!(got, [0xAA; 7]);
        // Forward words with DI = SI + 1: each word read sees the byte the
        // previous write stored.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xF3, 0xA5]);
        cpu.mem.write_bytes(0x200, &[0x11, 0x22, 0, 0, 0]);
        cpu.state.regs[RSI] = 0x200;
        cpu.state.regs[RDI] = 0x201;
        cpu.state.regs[RCX] = 2;
        step(&mut cpu);
        let mut got = [0; 5];
        cpu.mem.read_bytes(0x200, &mut got);
        assert_eq!(got, [0x11, 0x11, 0x22, 0x22, 0]);
        // Backward with DI = SI + 1 is a memmove to the right.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xFD, 0xF3, 0xA4]);
        cpu.mem.write_bytes(0x200, &[1, 2, 3, 4, 0]);
        cpu.state.regs[RSI] = 0x203;
        cpu.state.regs[RDI] = 0x204;
        cpu.state.regs[RCX] = 4;
        step(&mut cpu);
        step(&mut cpu);
        let mut got = [0; 5];
        cpu.mem.read_bytes(0x200, &mut got);
        assert_eq!(got, [1, 1, 2, 3, 4]);
    }

    #[test]
    fn overlapping_copies_match_an_element_by_element_model() {
        // Every distance from -12 to +12 bytes, element sizes 1/2/4,
        // against a reference that copies one element at a time.
        for (code, size) in [
            (&[0xF3u8, 0xA4][..], 1usize),
            (&[0xF3, 0xA5], 2),
            (&[0x66, 0xF3, 0xA5], 4),
        ] {
            for dist in -12i64..=12 {
                for count in [1usize, 3, 7, 13] {
                    let mut cpu = cpu_with(CpuModel::Pentium, code);
                    let init: Vec<u8> = (0..128u8).map(|b| b.wrapping_mul(37) ^ 0x5A).collect();
                    cpu.mem.write_bytes(0x1000, &init);
                    let src = 0x1020usize;
                    let dst = (src as i64 + dist) as usize;
                    let mut want = init.clone();
                    for k in 0..count {
                        let (s, d) = (src - 0x1000 + k * size, dst - 0x1000 + k * size);
                        let e: Vec<u8> = want[s..s + size].to_vec();
                        want[d..d + size].copy_from_slice(&e);
                    }
                    cpu.state.regs[RSI] = src as u64;
                    cpu.state.regs[RDI] = dst as u64;
                    cpu.state.regs[RCX] = count as u64;
                    step(&mut cpu);
                    let mut got = vec![0; 128];
                    cpu.mem.read_bytes(0x1000, &mut got);
                    assert_eq!(got, want, "size {size} dist {dist} count {count}");
                }
            }
        }
    }

    #[test]
    fn big_fast_copy_crossing_pages() {
        // 20000 bytes across several pages, not page-aligned, in chunks.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x66, 0xF3, 0xA5]);
        cpu.state.seg[SegReg::Ds as usize] = Segment::real(0x1000, false);
        cpu.state.seg[SegReg::Es as usize] = Segment::real(0x3000, false);
        let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + i / 256) as u8).collect();
        cpu.mem.write_bytes(0x1_0123, &data);
        cpu.state.regs[RSI] = 0x123;
        cpu.state.regs[RDI] = 0x7FE;
        cpu.state.regs[RCX] = 5000;
        while cpu.state.regs[RCX] != 0 {
            step(&mut cpu);
        }
        let mut got = vec![0; 20_000];
        cpu.mem.read_bytes(0x3_07FE, &mut got);
        assert!(got == data);
        assert_eq!(cpu.state.regs[RSI], 0x123 + 20_000);
        assert_eq!(cpu.state.regs[RDI], 0x7FE + 20_000);
    }
}
