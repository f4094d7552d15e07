//! Tests of `protected.rs`, on the descriptor tables of
//! `segment_tests.rs` (32-bit protected-mode code at 100h).

use super::*;
use crate::cpu::exec::testutil::cpu_with;
use crate::cpu::flags::VM;
use crate::cpu::segment::tests::{pm_cpu, BEYOND, GDT_BASE, LDT_BASE};
use crate::cpu::state::{attr, cr0, SegReg};
use crate::cpu::CpuModel;

/// Decode and run the handler at CS:IP, returning its result unrouted.
fn run_handler(cpu: &mut Cpu) -> ExResult {
    let d = cpu.decode_at(cpu.linear_ip())?;
    cpu.state.rip = cpu.state.rip.wrapping_add(u64::from(d.len)) & cpu.ip_mask();
    (d.handler)(cpu, &d)
}

/// Every instruction of the family, register forms.
const ALL: [&[u8]; 9] = [
    &[0x0F, 0x00, 0xC0], // sldt ax
    &[0x0F, 0x00, 0xC8], // str ax
    &[0x0F, 0x00, 0xD0], // lldt ax
    &[0x0F, 0x00, 0xD8], // ltr ax
    &[0x0F, 0x00, 0xE0], // verr ax
    &[0x0F, 0x00, 0xE8], // verw ax
    &[0x0F, 0x02, 0xD8], // lar bx, ax
    &[0x0F, 0x03, 0xD8], // lsl bx, ax
    &[0x63, 0xD8],       // arpl ax, bx
];

#[test]
fn undefined_in_real_and_v86_mode() {
    for code in ALL {
        for model in [CpuModel::I80286, CpuModel::Pentium] {
            let mut cpu = cpu_with(model, code);
            assert_eq!(
                run_handler(&mut cpu),
                Err(Exception::InvalidOpcode),
                "{code:x?} real mode, {model:?}"
            );
        }
        let mut cpu = cpu_with(CpuModel::Pentium, code);
        cpu.state.cr0 |= cr0::PE;
        cpu.state.flags.set_masked(VM, VM);
        assert_eq!(
            run_handler(&mut cpu),
            Err(Exception::InvalidOpcode),
            "{code:x?} V86"
        );
    }
}

#[test]
fn privilege_of_lldt_and_ltr() {
    // (code, allowed at CPL 3)
    let cases: [(&[u8], bool); 9] = [
        (ALL[0], true),
        (ALL[1], true),
        (ALL[2], false),
        (ALL[3], false),
        (ALL[4], true),
        (ALL[5], true),
        (ALL[6], true),
        (ALL[7], true),
        (ALL[8], true),
    ];
    for (code, allowed) in cases {
        let mut cpu = pm_cpu(CpuModel::Pentium, 3, code);
        cpu.state.regs[0] = 0x2B;
        let want = if allowed {
            Ok(())
        } else {
            Err(Exception::GeneralProtection(0))
        };
        assert_eq!(run_handler(&mut cpu), want, "{code:x?} at CPL 3");
    }
}

#[test]
fn lldt_ltr_sldt_str() {
    // lldt ax ; sldt ebx ; ltr [esi] ; str [edi] ; 66 sldt cx
    let code = [
        0x0F, 0x00, 0xD0, 0x0F, 0x00, 0xC3, 0x0F, 0x00, 0x1E, 0x0F, 0x00, 0x0F, 0x66, 0x0F, 0x00,
        0xC1,
    ];
    let mut cpu = pm_cpu(CpuModel::Pentium, 0, &code);
    cpu.state.regs[0] = 0x60;
    cpu.state.regs[3] = 0xFFFF_FFFF;
    cpu.state.regs[1] = 0xFFFF_FFFF;
    cpu.state.regs[6] = 0x2000;
    cpu.state.regs[7] = 0x2100;
    cpu.mem.write(0x2000, 4, 0xFFFF_0068); // selector word, then junk
    cpu.mem.write(0x2100, 4, 0xAAAA_AAAA);
    for _ in 0..5 {
        assert_eq!(run_handler(&mut cpu), Ok(()));
    }
    assert_eq!(cpu.state.ldtr.base, LDT_BASE);
    assert_eq!(cpu.state.regs[3], 0x60, "SLDT r32 zero-extends");
    assert_eq!(cpu.state.tr.selector, 0x68);
    assert_eq!(
        cpu.mem.read_u8(GDT_BASE + 0x68 + 5),
        0x8B,
        "TSS marked busy"
    );
    assert_eq!(
        cpu.mem.read(0x2100, 4),
        0xAAAA_0068,
        "STR m16 stores a word"
    );
    assert_eq!(cpu.state.regs[1], 0xFFFF_0060, "SLDT r16 keeps the rest");
    // LTR of the now busy TSS faults; LLDT of a data segment too.
    let mut cpu2 = pm_cpu(CpuModel::Pentium, 0, &[0x0F, 0x00, 0xD8]);
    cpu2.mem = cpu.mem.clone();
    cpu2.state.regs[0] = 0x68;
    assert_eq!(
        run_handler(&mut cpu2),
        Err(Exception::GeneralProtection(0x68))
    );
    let mut cpu3 = pm_cpu(CpuModel::Pentium, 0, &[0x0F, 0x00, 0xD0]);
    cpu3.state.regs[0] = 0x10;
    assert_eq!(
        run_handler(&mut cpu3),
        Err(Exception::GeneralProtection(0x10))
    );
}

/// Run `code` with AX = `sel` and EBX = DEADBEEFh at `cpl`; returns ZF
/// and EBX.
fn run_check(model: CpuModel, code: &[u8], cpl: u8, sel: u16) -> (bool, u64) {
    let mut cpu = pm_cpu(model, cpl, code);
    cpu.state.regs[0] = u64::from(sel);
    cpu.state.regs[3] = 0xDEAD_BEEF;
    cpu.state.flags.set(ZF, true);
    assert_eq!(run_handler(&mut cpu), Ok(()));
    (cpu.state.flags.zf(), cpu.state.regs[3])
}

#[test]
fn lar_access_rights() {
    const NONE: Option<u64> = None;
    // (model, CPL, selector, 32-bit result, 16-bit result)
    #[rustfmt::skip]
    let cases = [
        (CpuModel::Pentium, 0, 0x0010u16, Some(0x00C0_9200u64), Some(0x9200u64)),
        (CpuModel::Pentium, 0, 0x0018, Some(0x0000_9200), Some(0x9200)),
        (CpuModel::Pentium, 0, 0x0068, Some(0x0000_8900), Some(0x8900)), // TSS
        (CpuModel::Pentium, 0, 0x0060, Some(0x0000_8200), Some(0x8200)), // LDT
        (CpuModel::Pentium, 0, 0x0090, Some(0x0000_8B00), Some(0x8B00)), // busy TSS
        (CpuModel::Pentium, 0, 0x0078, Some(0x0030_EC00), Some(0xEC00)), // call gate
        (CpuModel::Pentium, 0, 0x00A8, NONE, NONE),                       // interrupt gate
        (CpuModel::Pentium, 0, 0x00B0, NONE, NONE),                       // reserved type
        (CpuModel::Pentium, 0, 0x0058, Some(0x0000_1200), Some(0x1200)), // not present: still
        (CpuModel::Pentium, 0, 0x0013, NONE, NONE),                       // RPL 3 > DPL 0
        (CpuModel::Pentium, 0, 0x004B, Some(0x0000_9E00), Some(0x9E00)), // conforming code
        (CpuModel::Pentium, 0, 0x0000, NONE, NONE),                       // null
        (CpuModel::Pentium, 0, 0x0003, NONE, NONE),
        (CpuModel::Pentium, 0, BEYOND, NONE, NONE),
        (CpuModel::Pentium, 0, 0x0004, NONE, NONE),                       // no LDT
        (CpuModel::Pentium, 3, 0x0010, NONE, NONE),                       // CPL 3 > DPL 0
        (CpuModel::Pentium, 3, 0x002B, Some(0x0000_F200), Some(0xF200)),
        (CpuModel::Pentium, 3, 0x007B, Some(0x0030_EC00), Some(0xEC00)),
        (CpuModel::Pentium, 3, 0x0068, NONE, NONE),
        (CpuModel::Pentium, 3, 0x0048, Some(0x0000_9E00), Some(0x9E00)),
        (CpuModel::I80286, 0, 0x0070, Some(0x0000_8100), Some(0x8100)),  // 16-bit TSS
        (CpuModel::I80286, 0, 0x0068, NONE, NONE),                        // type 9: reserved
    ];
    for (model, cpl, sel, r32, r16) in cases {
        if model.is_386_plus() {
            let got = run_check(model, &[0x0F, 0x02, 0xD8], cpl, sel);
            let want = r32.map_or((false, 0xDEAD_BEEF), |v| (true, v));
            assert_eq!(got, want, "lar ebx, {sel:#x} at CPL {cpl}");
        }
        // The 80286 runs 16-bit code (see pm_cpu), where 66h is not needed.
        let code: &[u8] = if model.is_386_plus() {
            &[0x66, 0x0F, 0x02, 0xD8]
        } else {
            &[0x0F, 0x02, 0xD8]
        };
        let got = run_check(model, code, cpl, sel);
        let want = r16.map_or((false, 0xDEAD_BEEF), |v| (true, 0xDEAD_0000 | v));
        assert_eq!(got, want, "{model:?} lar bx, {sel:#x} at CPL {cpl}");
    }
}

#[test]
fn lsl_limits() {
    const NONE: Option<u64> = None;
    #[rustfmt::skip]
    let cases = [
        (0u8, 0x0010u16, Some(0xFFFF_FFFFu64)),
        (0, 0x00A0, Some(0x1FFF)),          // G = 1
        (0, 0x0018, Some(0x1FFF)),
        (0, 0x0068, Some(0x67)),            // TSS
        (0, 0x0060, Some(0x17)),            // LDT
        (0, 0x0090, Some(0x67)),            // busy TSS
        (0, 0x0078, NONE),                  // call gate: no limit
        (0, 0x00A8, NONE),
        (0, 0x0058, Some(0xFFFF)),          // not present: still reported
        (0, 0x0013, NONE),
        (0, 0x0000, NONE),
        (0, BEYOND, NONE),
        (3, 0x0010, NONE),
        (3, 0x002B, Some(0xFFFF)),
        (3, 0x004B, Some(0xFFFF)),          // conforming code
    ];
    for (cpl, sel, want) in cases {
        let got = run_check(CpuModel::Pentium, &[0x0F, 0x03, 0xD8], cpl, sel);
        let w = want.map_or((false, 0xDEAD_BEEF), |v| (true, v));
        assert_eq!(got, w, "lsl ebx, {sel:#x} at CPL {cpl}");
        let got = run_check(CpuModel::Pentium, &[0x66, 0x0F, 0x03, 0xD8], cpl, sel);
        let w = want.map_or((false, 0xDEAD_BEEF), |v| (true, 0xDEAD_0000 | (v & 0xFFFF)));
        assert_eq!(got, w, "lsl bx, {sel:#x} at CPL {cpl}");
    }
}

#[test]
fn verr_verw() {
    // (CPL, selector, VERR, VERW)
    #[rustfmt::skip]
    let cases = [
        (0u8, 0x0010u16, true, true),
        (0, 0x0020, true, false),   // read-only data
        (0, 0x0038, false, false),  // execute-only code
        (0, 0x0040, true, false),   // readable code is never writable
        (0, 0x004B, true, false),   // conforming readable code, any RPL
        (0, 0x0053, false, false),  // conforming execute-only code
        (0, 0x0058, true, true),    // P is not checked
        (0, 0x0068, false, false),  // TSS
        (0, 0x0078, false, false),  // gate
        (0, 0x0013, false, false),  // RPL 3 > DPL 0
        (0, 0x0000, false, false),
        (0, BEYOND, false, false),
        (3, 0x002B, true, true),
        (3, 0x0010, false, false),
        (3, 0x0048, true, false),
        (3, 0x0040, false, false),
        (1, 0x0031, true, true),
        (2, 0x0031, false, false),  // CPL 2 > DPL 1
    ];
    for (cpl, sel, r, w) in cases {
        let (zf, _) = run_check(CpuModel::Pentium, &[0x0F, 0x00, 0xE0], cpl, sel);
        assert_eq!(zf, r, "verr {sel:#x} at CPL {cpl}");
        let (zf, _) = run_check(CpuModel::Pentium, &[0x0F, 0x00, 0xE8], cpl, sel);
        assert_eq!(zf, w, "verw {sel:#x} at CPL {cpl}");
    }
    // A memory operand is a word; VERR does not set the accessed bit.
    let mut cpu = pm_cpu(CpuModel::Pentium, 0, &[0x0F, 0x00, 0x26]); // verr [esi]
    cpu.state.regs[6] = 0x2000;
    cpu.mem.write(0x2000, 4, 0xFFFF_0018);
    assert_eq!(run_handler(&mut cpu), Ok(()));
    assert!(cpu.state.flags.zf());
    assert_eq!(cpu.mem.read_u8(GDT_BASE + 0x18 + 5), 0x92);
}

#[test]
fn arpl_adjusts_rpl() {
    // (dest EAX, source EBX, result EAX, ZF); 63 D8 = arpl ax, bx
    #[rustfmt::skip]
    let cases = [
        (0x0010u64, 0x0003u64, 0x0013u64, true),
        (0x0013, 0x0001, 0x0013, false),
        (0x0012, 0xFFFF, 0x0013, true),
        (0x0011, 0x0001, 0x0011, false),
        (0xABCD_0010, 0x0002, 0xABCD_0012, true),   // the upper half is kept
    ];
    for (dest, src, want, zf) in cases {
        let mut cpu = pm_cpu(CpuModel::Pentium, 3, &[0x63, 0xD8]);
        cpu.state.regs[0] = dest;
        cpu.state.regs[3] = src;
        cpu.state.flags.set(ZF, !zf);
        assert_eq!(run_handler(&mut cpu), Ok(()));
        assert_eq!(
            (cpu.state.regs[0], cpu.state.flags.zf()),
            (want, zf),
            "arpl {dest:#x}, {src:#x}"
        );
    }
    // Memory destination: arpl [esi], cx writes a word.
    let mut cpu = pm_cpu(CpuModel::Pentium, 0, &[0x63, 0x0E]);
    cpu.state.regs[6] = 0x2000;
    cpu.state.regs[1] = 3;
    cpu.mem.write(0x2000, 4, 0x1111_0010);
    assert_eq!(run_handler(&mut cpu), Ok(()));
    assert_eq!(cpu.mem.read(0x2000, 4), 0x1111_0013);
    // ...which must be writable even when nothing changes.
    let mut cpu = pm_cpu(CpuModel::Pentium, 0, &[0x63, 0x0E]);
    cpu.load_seg(SegReg::Ds, 0x20).unwrap(); // read-only data
    cpu.state.regs[6] = 0x2000;
    cpu.state.regs[1] = 0;
    assert_eq!(run_handler(&mut cpu), Err(Exception::GeneralProtection(0)));
    assert_eq!(cpu.state.seg[SegReg::Ds as usize].attr & attr::RW, 0);
}
