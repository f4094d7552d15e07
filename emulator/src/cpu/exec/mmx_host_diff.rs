//! Differential tests of the MMX forms against the host CPU (x86-64 hosts
//! only; `exec/mod.rs` compiles this file for tests on x86-64). Each
//! operation runs on the host with `asm!` (operands through memory into
//! MM0/MM1, EMMS afterwards) and in ox86 — the pure lane functions at width
//! 8 on every operand and the decode → handler path (`OP mm0, mm1`) on a
//! slice of them — over the biased operands of `simd_host_diff`.

use super::simd_host_diff::imp::{iterations, lane_arith_ops, lane_count_shift_ops, Rng};
use crate::cpu::exec::simd_common::testing::{exec, sse_cpu};
use crate::cpu::exec::sse_int::{compute, op::*};
use crate::cpu::exec::sse_int2::{pack, pk::*, pshufw, sh::*, shift};
use crate::cpu::fpu_state::Reg80;

type F2 = fn(u64, u64) -> u64;

struct Op {
    name: &'static str,
    code: &'static [u8],
    host: F2,
    emu: F2,
}

/// `mm0 = mm0 OP mm1` (or `mm0 OP= imm`) on the host.
macro_rules! h {
    ($name:literal, $($ops:literal),*) => {{
        fn f(a: u64, b: u64) -> u64 {
            let mut x = a;
            // SAFETY: loads MM0/MM1 from the two local u64s (valid,
            // aligned pointers), runs one MMX instruction, stores MM0 back
            // to `x`, then EMMS empties the x87 tags as the ABI expects.
            // MM0/MM1 (aliasing ST0/ST1) are declared clobbered; no stack
            // or flags are used.
            unsafe {
                core::arch::asm!(
                    "movq mm0, [{pa}]",
                    "movq mm1, [{pb}]",
                    concat!($name, " ", $($ops),*),
                    "movq [{pa}], mm0",
                    "emms",
                    pa = in(reg) &mut x as *mut u64,
                    pb = in(reg) &b as *const u64,
                    out("mm0") _,
                    out("mm1") _,
                    options(nostack, preserves_flags),
                );
            }
            x
        }
        f as F2
    }};
}

macro_rules! op {
    ($name:literal, [$($c:expr),*], ($($ops:literal),*), $emu:expr) => {
        Op { name: $name, code: &[$($c),*], host: h!($name, $($ops),*), emu: $emu }
    };
}

fn ops() -> Vec<Op> {
    macro_rules! a {
        ($name:literal, $opc:literal, $k:ident) => {
            op!($name, [0x0F, $opc, 0xC1], ("mm0, mm1"), |a, b| {
                compute::<$k>(u128::from(a), u128::from(b), 8) as u64
            })
        };
    }
    macro_rules! s {
        ($name:literal, $opc:literal, $k:ident) => {
            op!($name, [0x0F, $opc, 0xC1], ("mm0, mm1"), |a, b| {
                shift($k, u128::from(a), b, 8) as u64
            })
        };
    }
    macro_rules! si {
        ($name:literal, $opc:literal, $modrm:literal, $k:ident, $imm:literal) => {
            op!(
                $name,
                [0x0F, $opc, $modrm, $imm],
                ("mm0, ", $imm),
                |a, _| { shift($k, u128::from(a), $imm, 8) as u64 }
            )
        };
    }
    macro_rules! p {
        ($name:literal, $opc:literal, $k:ident) => {
            op!($name, [0x0F, $opc, 0xC1], ("mm0, mm1"), |a, b| {
                pack($k, u128::from(a), u128::from(b), 8) as u64
            })
        };
    }
    let mut ops = Vec::from(lane_arith_ops!(a));
    ops.extend(lane_count_shift_ops!(s));
    ops.extend([
        si!("psllw", 0x71, 0xF0, PSLLW, 5),
        si!("psraw", 0x71, 0xE0, PSRAW, 17),
        si!("psrld", 0x72, 0xD0, PSRLD, 31),
        si!("psrad", 0x72, 0xE0, PSRAD, 3),
        si!("psllq", 0x73, 0xF0, PSLLQ, 40),
        si!("psrlq", 0x73, 0xD0, PSRLQ, 64),
        p!("packsswb", 0x63, PACKSSWB),
        p!("packssdw", 0x6B, PACKSSDW),
        p!("packuswb", 0x67, PACKUSWB),
        p!("punpcklbw", 0x60, PUNPCKLBW),
        p!("punpcklwd", 0x61, PUNPCKLWD),
        p!("punpckldq", 0x62, PUNPCKLDQ),
        p!("punpckhbw", 0x68, PUNPCKHBW),
        p!("punpckhwd", 0x69, PUNPCKHWD),
        p!("punpckhdq", 0x6A, PUNPCKHDQ),
        op!(
            "pshufw",
            [0x0F, 0x70, 0xC1, 0x2D],
            ("mm0, mm1, 0x2D"),
            |_, b| pshufw(b, 0x2D)
        ),
        op!(
            "pshufw",
            [0x0F, 0x70, 0xC1, 0xE4],
            ("mm0, mm1, 0xE4"),
            |_, b| pshufw(b, 0xE4)
        ),
    ]);
    ops
}

#[test]
fn mmx_vs_host() {
    let iters = iterations();
    let mut fails = Vec::new();
    let mut count = 0u64;
    for (n, op) in ops().iter().enumerate() {
        let mut rng = Rng(0x3317 ^ (n as u64) << 20);
        let mut cpu = sse_cpu(op.code);
        let mut bad = 0;
        for i in 0..iters {
            let (a, b) = (rng.operand() as u64, rng.operand() as u64);
            let want = (op.host)(a, b);
            let got = (op.emu)(a, b);
            count += 1;
            let mut dec = None;
            if i % 16 == 0 {
                cpu.state.rip = 0x100;
                cpu.state.fpu.regs[0] = Reg80 { sig: a, se: 0 };
                cpu.state.fpu.regs[1] = Reg80 { sig: b, se: 0 };
                let r = exec(&mut cpu);
                dec = Some((r, cpu.state.fpu.regs[0]));
            }
            let dec_bad =
                matches!(dec, Some((r, v)) if r.is_err() || v != Reg80 { sig: want, se: 0xFFFF });
            if (got != want || dec_bad) && bad < 3 {
                bad += 1;
                fails.push(format!(
                    "{} {:02x?}: a={a:#018x} b={b:#018x} host={want:#018x} ox86={got:#018x} decoded={dec:x?}",
                    op.name, op.code
                ));
            }
        }
    }
    eprintln!(
        "mmx_host_diff: {} ops, {count} operand pairs, {} failures",
        ops().len(),
        fails.len()
    );
    assert!(fails.is_empty(), "{}", fails.join("\n"));
}
