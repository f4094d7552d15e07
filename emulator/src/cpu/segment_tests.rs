//! Tests of `segment.rs` (descriptor loads) and of the segment checks in
//! `access.rs::linear`: descriptor bytes + selector + CPL → the expected
//! cache or the exact exception and error code.

use super::*;
use crate::cpu::access::Access;
use crate::cpu::exec::testutil::{cpu_with, step};
use crate::cpu::state::cr0;
use crate::cpu::{CpuModel, CpuState};

/// A segment descriptor from its fields; `flags` is the G, D/B, L, AVL
/// nibble (G = 8, D/B = 4).
pub(crate) const fn desc(base: u32, limit: u32, access: u8, flags: u8) -> u64 {
    (limit as u64 & 0xFFFF)
        | ((base as u64 & 0xFFFF) << 16)
        | (((base as u64 >> 16) & 0xFF) << 32)
        | ((access as u64) << 40)
        | (((limit as u64 >> 16) & 0xF) << 48)
        | (((flags as u64) & 0xF) << 52)
        | ((base as u64 >> 24) << 56)
}

/// A gate descriptor (call, interrupt, trap or task gate).
const fn gate(selector: u16, offset: u32, access: u8) -> u64 {
    (offset as u64 & 0xFFFF)
        | ((selector as u64) << 16)
        | ((access as u64) << 40)
        | ((offset as u64 >> 16) << 48)
}

pub(crate) const GDT_BASE: u32 = 0x1000;
pub(crate) const LDT_BASE: u32 = 0x3000;

/// The test GDT; selector = index × 8.
pub(crate) const GDT: [u64; 25] = [
    0,
    desc(0, 0xFFFFF, 0x9A, 0xC),        // 08 code32 flat, DPL 0
    desc(0, 0xFFFFF, 0x92, 0xC),        // 10 data flat, DPL 0
    desc(0x0008_5678, 0x1FFF, 0x92, 0), // 18 data, byte granular
    desc(0, 0xFFFF, 0x90, 0),           // 20 read-only data
    desc(0, 0xFFFF, 0xF2, 0),           // 28 data DPL 3
    desc(0, 0xFFFF, 0xB2, 0),           // 30 data DPL 1
    desc(0, 0xFFFF, 0x98, 0),           // 38 execute-only code
    desc(0, 0xFFFF, 0x9A, 0),           // 40 readable code
    desc(0, 0xFFFF, 0x9E, 0),           // 48 conforming readable code
    desc(0, 0xFFFF, 0x9C, 0),           // 50 conforming execute-only code
    desc(0, 0xFFFF, 0x12, 0),           // 58 data, not present
    desc(LDT_BASE, 0x17, 0x82, 0),      // 60 LDT
    desc(0x4000, 0x67, 0x89, 0),        // 68 32-bit TSS, available
    desc(0x4100, 0x2B, 0x81, 0),        // 70 16-bit TSS, available
    gate(0x08, 0x1234_5678, 0xEC),      // 78 32-bit call gate, DPL 3
    desc(0, 0xFFF, 0x96, 0x4),          // 80 expand-down data, B = 1
    desc(LDT_BASE, 0x17, 0x02, 0),      // 88 LDT, not present
    desc(0x4200, 0x67, 0x8B, 0),        // 90 32-bit TSS, busy
    desc(0x4300, 0x67, 0x09, 0),        // 98 32-bit TSS, not present
    desc(0x10_0000, 1, 0x92, 0x8),      // A0 data, G = 1 (limit 1FFFh)
    gate(0x08, 0x1000, 0x8E),           // A8 32-bit interrupt gate
    desc(0, 0xFFFF, 0x80, 0),           // B0 reserved system type 0
    desc(0, 0xFFFF, 0x52, 0),           // B8 data DPL 2, not present
    desc(0, 0xFFFF, 0x1A, 0),           // C0 readable code, not present
];
/// First selector beyond the GDT limit.
pub(crate) const BEYOND: u16 = (GDT.len() * 8) as u16;

/// The test LDT (limit 17h: three entries).
const LDT: [u64; 3] = [
    desc(0x5_0000, 0xFFFF, 0x92, 0), // 04 data
    desc(0, 0xFFFF, 0x12, 0),        // 0C data, not present
    desc(0, 0xFFFF, 0xFA, 0),        // 14 readable code, DPL 3
];

/// A CPU in 32-bit protected mode (16-bit on the 80286) at `cpl` with the
/// test GDT and LDT in memory (no LDT loaded), flat CS/SS, ESP = 9000h,
/// `code` at 100h.
pub(crate) fn pm_cpu(model: CpuModel, cpl: u8, code: &[u8]) -> Cpu {
    let mut cpu = cpu_with(model, code);
    for (i, d) in GDT.iter().enumerate() {
        cpu.mem.write(GDT_BASE + 8 * i as u32, 8, *d);
    }
    for (i, d) in LDT.iter().enumerate() {
        cpu.mem.write(LDT_BASE + 8 * i as u32, 8, *d);
    }
    cpu.state.gdtr.base = u64::from(GDT_BASE);
    cpu.state.gdtr.limit = BEYOND - 1;
    cpu.state.cr0 |= cr0::PE;
    cpu.state.cpl = cpl;
    cpu.state.ldtr = Segment::default();
    let mut flat_code = Descriptor::from_raw(GDT[1]).cache(0x08 | u16::from(cpl));
    let mut flat_data = Descriptor::from_raw(GDT[2]).cache(0x10);
    if !model.is_386_plus() {
        flat_code.attr &= !(attr::DB | attr::G);
        flat_data.attr &= !(attr::DB | attr::G);
        flat_code.limit = 0xFFFF;
        flat_data.limit = 0xFFFF;
    }
    cpu.state.seg[SegReg::Cs as usize] = flat_code;
    for r in [SegReg::Ss, SegReg::Ds, SegReg::Es] {
        cpu.state.seg[r as usize] = flat_data;
    }
    cpu.state.regs[4] = 0x9000;
    cpu
}

fn gp(c: u16) -> Result<Segment, Exception> {
    Err(Exception::GeneralProtection(c))
}

fn np(c: u16) -> Result<Segment, Exception> {
    Err(Exception::SegmentNotPresent(c))
}

fn ss(c: u16) -> Result<Segment, Exception> {
    Err(Exception::StackFault(c))
}

fn ok(selector: u16, base: u32, limit: u32, attr: u16) -> Result<Segment, Exception> {
    Ok(Segment {
        selector,
        base,
        limit,
        attr,
    })
}

/// Load `r` with `sel` at `cpl` and compare the register (or the fault,
/// after which the register must be unchanged).
fn check_load(cpu: &mut Cpu, r: SegReg, sel: u16, want: Result<Segment, Exception>) {
    let before = cpu.state.seg[r as usize];
    let got = cpu.load_seg(r, sel).map(|()| cpu.state.seg[r as usize]);
    assert_eq!(got, want, "{r:?} <- {sel:#06x} at CPL {}", cpu.state.cpl);
    if want.is_err() {
        assert_eq!(
            cpu.state.seg[r as usize], before,
            "{r:?} changed by a fault"
        );
    }
}

#[test]
fn descriptor_decoding() {
    // Flat 4 GiB 32-bit code: base 0, limit FFFFF, G=1, D=1, P, S, code RX.
    let d = Descriptor::from_raw(0x00CF_9A00_0000_FFFF);
    assert_eq!(d.base, 0);
    assert_eq!(d.limit, 0xFFFF_FFFF);
    assert!(d.attr & attr::DB != 0);
    assert!(d.is_code() && d.is_readable() && !d.is_writable_data());
    // 16-bit data at base 0x12345678, limit 0x1FFF, byte granular.
    let d = Descriptor::from_raw(0x1200_9234_5678_1FFF);
    assert_eq!(d.base, 0x1234_5678);
    assert_eq!(d.limit, 0x1FFF);
    assert_eq!(d.attr & 0xFF, 0x92);
    assert!(d.is_writable_data() && d.present() && d.dpl() == 0);
    // G = 1 with limit 1: 2 pages.
    assert_eq!(Descriptor::from_raw(GDT[20]).limit, 0x1FFF);
    assert_eq!(
        Descriptor::from_raw(GDT[12]).system_type(),
        Some(sys_type::LDT)
    );
    assert_eq!(Descriptor::from_raw(GDT[5]).dpl(), 3);
}

#[test]
fn data_segment_loads() {
    // (CPL, selector, expected cache or fault)
    #[rustfmt::skip]
    let cases: Vec<(u8, u16, Result<Segment, Exception>)> = vec![
        (0, 0x0000, ok(0x0000, 0, 0, 0)),                       // null: unusable
        (0, 0x0003, ok(0x0003, 0, 0, 0)),                       // null with RPL 3
        (0, 0x0010, ok(0x0010, 0, 0xFFFF_FFFF, 0xC093)),        // flat, D/B and G kept
        (0, 0x0018, ok(0x0018, 0x0008_5678, 0x1FFF, 0x0093)),
        (0, 0x0020, ok(0x0020, 0, 0xFFFF, 0x0091)),             // read-only data loads
        (0, 0x002B, ok(0x002B, 0, 0xFFFF, 0x00F3)),             // DPL 3 from CPL 0
        (0, 0x0013, gp(0x10)),                                  // RPL 3 > DPL 0
        (0, 0x0038, gp(0x38)),                                  // execute-only code
        (0, 0x0040, ok(0x0040, 0, 0xFFFF, 0x009B)),             // readable code
        (0, 0x004B, ok(0x004B, 0, 0xFFFF, 0x009F)),             // conforming: no privilege check
        (0, 0x0050, gp(0x50)),                                  // conforming execute-only
        (0, 0x0058, np(0x58)),                                  // not present
        (0, 0x0060, gp(0x60)),                                  // LDT descriptor
        (0, 0x0068, gp(0x68)),                                  // TSS
        (0, 0x0078, gp(0x78)),                                  // call gate
        (0, 0x00A8, gp(0xA8)),                                  // interrupt gate
        (0, 0x00B0, gp(0xB0)),                                  // reserved system type
        (0, 0x00A0, ok(0x00A0, 0x10_0000, 0x1FFF, 0x8093)),     // 4 KiB granularity
        (0, BEYOND, gp(BEYOND)),                                // beyond the GDT limit
        (0, BEYOND | 3, gp(BEYOND)),
        (0, 0x00B8, np(0xB8)),                                  // DPL 2 >= CPL, RPL: not present
        (0, 0x00BB, gp(0xB8)),                                  // privilege before presence
        (0, 0x00C0, np(0xC0)),                                  // code not present
        (0, 0x0004, gp(0x04)),                                  // TI = 1 with no LDT
        (3, 0x0010, gp(0x10)),                                  // CPL 3 > DPL 0
        (3, 0x002B, ok(0x002B, 0, 0xFFFF, 0x00F3)),
        (3, 0x0028, ok(0x0028, 0, 0xFFFF, 0x00F3)),             // RPL 0, DPL 3
        (3, 0x0048, ok(0x0048, 0, 0xFFFF, 0x009F)),             // conforming readable code
        (3, 0x0040, gp(0x40)),                                  // non-conforming code DPL 0
        (3, 0x0000, ok(0x0000, 0, 0, 0)),
        (1, 0x0031, ok(0x0031, 0, 0xFFFF, 0x00B3)),
        (1, 0x0033, gp(0x30)),                                  // RPL 3 > DPL 1
        (2, 0x0030, gp(0x30)),                                  // CPL 2 > DPL 1
    ];
    for (cpl, sel, want) in cases {
        for r in [SegReg::Ds, SegReg::Es, SegReg::Fs, SegReg::Gs] {
            let mut cpu = pm_cpu(CpuModel::Pentium, cpl, &[]);
            check_load(&mut cpu, r, sel, want);
        }
    }
}

#[test]
fn stack_segment_loads() {
    #[rustfmt::skip]
    let cases: Vec<(u8, u16, Result<Segment, Exception>)> = vec![
        (0, 0x0000, gp(0)),                                     // null
        (0, 0x0003, gp(0)),
        (0, 0x0010, ok(0x0010, 0, 0xFFFF_FFFF, 0xC093)),
        (0, 0x0013, gp(0x10)),                                  // RPL != CPL
        (0, 0x0020, gp(0x20)),                                  // read-only
        (0, 0x0028, gp(0x28)),                                  // DPL 3 != CPL 0
        (0, 0x0040, gp(0x40)),                                  // code
        (0, 0x0058, ss(0x58)),                                  // not present
        (0, 0x00B8, gp(0xB8)),                                  // DPL 2: checked before presence
        (0, 0x0068, gp(0x68)),                                  // TSS
        (0, BEYOND, gp(BEYOND)),
        (0, 0x0080, ok(0x0080, 0, 0xFFF, 0x4097)),              // expand-down stack
        (3, 0x002B, ok(0x002B, 0, 0xFFFF, 0x00F3)),
        (3, 0x0028, gp(0x28)),                                  // RPL 0 != CPL 3
        (3, 0x0013, gp(0x10)),
        (1, 0x0031, ok(0x0031, 0, 0xFFFF, 0x00B3)),
    ];
    for (cpl, sel, want) in cases {
        let mut cpu = pm_cpu(CpuModel::Pentium, cpl, &[]);
        cpu.state.int_shadow = false;
        check_load(&mut cpu, SegReg::Ss, sel, want);
        assert_eq!(
            cpu.state.int_shadow,
            want.is_ok(),
            "SS {sel:#x}: interrupt shadow"
        );
    }
}

#[test]
fn ldt_selectors_go_through_ldtr() {
    let mut cpu = pm_cpu(CpuModel::Pentium, 0, &[]);
    assert_eq!(cpu.load_ldtr(0x60, LoadCause::Instruction), Ok(()));
    assert_eq!(
        cpu.state.ldtr,
        Segment {
            selector: 0x60,
            base: LDT_BASE,
            limit: 0x17,
            attr: 0x82
        }
    );
    check_load(&mut cpu, SegReg::Ds, 0x04, ok(0x04, 0x5_0000, 0xFFFF, 0x93));
    assert_eq!(
        cpu.mem.read_u8(LDT_BASE + 5),
        0x93,
        "accessed bit in the LDT"
    );
    check_load(&mut cpu, SegReg::Ds, 0x0C, np(0x0C));
    check_load(&mut cpu, SegReg::Es, 0x14, ok(0x14, 0, 0xFFFF, 0xFB));
    check_load(&mut cpu, SegReg::Es, 0x1C, gp(0x1C)); // beyond the LDT limit
    check_load(&mut cpu, SegReg::Es, 0x1F, gp(0x1C));
    check_load(&mut cpu, SegReg::Ss, 0x04, ok(0x04, 0x5_0000, 0xFFFF, 0x93));
    // LLDT 0 removes the LDT.
    assert_eq!(cpu.load_ldtr(0, LoadCause::Instruction), Ok(()));
    check_load(&mut cpu, SegReg::Fs, 0x04, gp(0x04));
}

#[test]
fn accessed_bit_written_back() {
    let mut cpu = pm_cpu(CpuModel::Pentium, 0, &[]);
    let byte5 = GDT_BASE + 0x18 + 5;
    assert_eq!(cpu.mem.read_u8(byte5), 0x92);
    cpu.load_seg(SegReg::Gs, 0x18).unwrap();
    assert_eq!(cpu.mem.read_u8(byte5), 0x93);
    // A faulting load leaves the descriptor alone.
    let np5 = GDT_BASE + 0x58 + 5;
    assert!(cpu.load_seg(SegReg::Gs, 0x58).is_err());
    assert_eq!(cpu.mem.read_u8(np5), 0x12);
    // CS loads set it too.
    let code5 = GDT_BASE + 0x40 + 5;
    cpu.load_seg(SegReg::Cs, 0x40).unwrap();
    assert_eq!(cpu.mem.read_u8(code5), 0x9B);
    assert_eq!(cpu.state.seg[SegReg::Cs as usize].attr, 0x9B);
}

#[test]
fn task_switch_cause_reports_invalid_tss() {
    // (register, selector, EXT bit, expected)
    let ts = Exception::InvalidTss;
    #[rustfmt::skip]
    let cases = [
        (SegReg::Ss, 0x0000u16, 0u16, Err(ts(0))),
        (SegReg::Ss, 0x0000, 1, Err(ts(1))),
        (SegReg::Ss, 0x0020, 1, Err(ts(0x21))),
        (SegReg::Ss, 0x0058, 1, Err(Exception::StackFault(0x59))),
        (SegReg::Ds, 0x0038, 0, Err(ts(0x38))),
        (SegReg::Ds, BEYOND, 0, Err(ts(BEYOND))),
        (SegReg::Ds, 0x0058, 0, Err(Exception::SegmentNotPresent(0x58))),
        (SegReg::Ds, 0x0000, 0, Ok(None)),
    ];
    for (r, sel, ext, want) in cases {
        let mut cpu = pm_cpu(CpuModel::Pentium, 0, &[]);
        let got = cpu.check_segment(r, sel, 0, LoadCause::Tss(ext));
        assert_eq!(got.map(|d| d.map(|d| d.base)), want, "{r:?} {sel:#x}");
    }
    // A stack switch checks against the new CPL, not the current one.
    let mut cpu = pm_cpu(CpuModel::Pentium, 3, &[]);
    assert!(cpu
        .check_segment(SegReg::Ss, 0x10, 0, LoadCause::Tss(0))
        .unwrap()
        .is_some());
}

#[test]
fn lldt_checks() {
    // (selector, cause, expected)
    let i = LoadCause::Instruction;
    #[rustfmt::skip]
    let cases = [
        (0x0000u16, i, Ok(())),
        (0x0060, i, Ok(())),
        (0x0063, i, Ok(())),                                     // RPL ignored
        (0x0064, i, Err(Exception::GeneralProtection(0x64))),    // TI = 1
        (0x0010, i, Err(Exception::GeneralProtection(0x10))),    // not an LDT
        (0x0068, i, Err(Exception::GeneralProtection(0x68))),
        (0x0088, i, Err(Exception::SegmentNotPresent(0x88))),
        (BEYOND, i, Err(Exception::GeneralProtection(BEYOND))),
        (0x0088, LoadCause::Tss(0), Err(Exception::InvalidTss(0x88))),
        (0x0010, LoadCause::Tss(0), Err(Exception::InvalidTss(0x10))),
    ];
    for (sel, cause, want) in cases {
        let mut cpu = pm_cpu(CpuModel::Pentium, 0, &[]);
        cpu.load_ldtr(0x60, i).unwrap();
        let before = cpu.state.ldtr;
        assert_eq!(cpu.load_ldtr(sel, cause), want, "lldt {sel:#x}");
        match want {
            Ok(()) => assert_eq!(cpu.state.ldtr.selector, sel),
            Err(_) => assert_eq!(cpu.state.ldtr, before),
        }
    }
}

#[test]
fn ltr_checks() {
    #[rustfmt::skip]
    let cases = [
        (CpuModel::Pentium, 0x0000u16, Err(Exception::GeneralProtection(0))),
        (CpuModel::Pentium, 0x0068, Ok(0x8B)),
        (CpuModel::Pentium, 0x006B, Ok(0x8B)),
        (CpuModel::Pentium, 0x0070, Ok(0x83)),                   // 16-bit TSS
        (CpuModel::Pentium, 0x006C, Err(Exception::GeneralProtection(0x6C))), // TI = 1
        (CpuModel::Pentium, 0x0090, Err(Exception::GeneralProtection(0x90))), // busy
        (CpuModel::Pentium, 0x0098, Err(Exception::SegmentNotPresent(0x98))),
        (CpuModel::Pentium, 0x0010, Err(Exception::GeneralProtection(0x10))),
        (CpuModel::Pentium, 0x0060, Err(Exception::GeneralProtection(0x60))),
        (CpuModel::Pentium, BEYOND, Err(Exception::GeneralProtection(BEYOND))),
        (CpuModel::I80286, 0x0068, Err(Exception::GeneralProtection(0x68))), // no 32-bit TSS
        (CpuModel::I80286, 0x0070, Ok(0x83)),
    ];
    for (model, sel, want) in cases {
        let mut cpu = pm_cpu(model, 0, &[]);
        let byte5 = GDT_BASE + u32::from(sel & !7) + 5;
        let before = cpu.mem.read_u8(byte5);
        let got = cpu.load_tr(sel).map(|()| cpu.mem.read_u8(byte5));
        assert_eq!(got, want, "{model:?} ltr {sel:#x}");
        match want {
            Ok(b) => {
                assert_eq!(cpu.state.tr.selector, sel);
                assert_eq!(cpu.state.tr.attr & 0xFF, u16::from(b));
                assert_eq!(
                    cpu.state.tr.limit,
                    Descriptor::from_raw(GDT[usize::from(sel >> 3)]).limit
                );
            }
            Err(_) => {
                assert_eq!(cpu.mem.read_u8(byte5), before);
                assert_eq!(cpu.state.tr, CpuState::reset().tr);
            }
        }
    }
}

#[test]
fn i80286_ignores_the_last_descriptor_word() {
    let mut cpu = pm_cpu(CpuModel::I80286, 0, &[]);
    // Base 12345678h, G and D/B set: the 286 sees base 345678h, limit 1FFFh.
    cpu.mem
        .write(GDT_BASE + 0x18, 8, desc(0x1234_5678, 0xF_1FFF, 0x92, 0xC));
    check_load(
        &mut cpu,
        SegReg::Ds,
        0x18,
        ok(0x18, 0x34_5678, 0x1FFF, 0x93),
    );
}

#[test]
fn real_and_v86_loads_change_selector_and_base_only() {
    let mut cpu = pm_cpu(CpuModel::Pentium, 0, &[]);
    cpu.load_seg(SegReg::Fs, 0x10).unwrap();
    cpu.load_seg(SegReg::Gs, 0x80).unwrap();
    // Back to real mode: caches survive, loads change selector and base.
    cpu.state.cr0 &= !cr0::PE;
    cpu.load_seg(SegReg::Fs, 0x2000).unwrap();
    assert_eq!(
        cpu.state.seg[SegReg::Fs as usize],
        Segment {
            selector: 0x2000,
            base: 0x2_0000,
            limit: 0xFFFF_FFFF,
            attr: 0xC093
        }
    );
    // Unreal mode: a 32-bit offset above 64 KiB works through FS.
    cpu.mem.write(0x3_0000, 4, 0xDEAD_BEEF);
    assert_eq!(cpu.read_mem(SegReg::Fs, 0x1_0000, 4), Ok(0xDEAD_BEEF));
    // The expand-down attribute survives too.
    assert_eq!(
        cpu.read_mem(SegReg::Gs, 0x10, 4),
        Err(Exception::GeneralProtection(0))
    );
    // Virtual-8086 mode: 64 KiB, DPL 3, writable.
    cpu.state.cr0 |= cr0::PE;
    cpu.state
        .flags
        .set_masked(crate::cpu::flags::VM, crate::cpu::flags::VM);
    cpu.load_seg(SegReg::Fs, 0x1234).unwrap();
    assert_eq!(
        cpu.state.seg[SegReg::Fs as usize],
        Segment {
            selector: 0x1234,
            base: 0x1_2340,
            limit: 0xFFFF,
            attr: attr::REAL_DATA | 0x60
        }
    );
}

#[test]
fn outer_return_nulls_inaccessible_segments() {
    let mut cpu = pm_cpu(CpuModel::Pentium, 0, &[]);
    cpu.load_seg(SegReg::Ds, 0x10).unwrap(); // data DPL 0: nulled
    cpu.load_seg(SegReg::Es, 0x2B).unwrap(); // data DPL 3: kept
    cpu.load_seg(SegReg::Fs, 0x48).unwrap(); // conforming code DPL 0: kept
    cpu.load_seg(SegReg::Gs, 0x40).unwrap(); // code DPL 0: nulled
    cpu.state.cpl = 3;
    cpu.null_inaccessible_segments();
    let sel = |cpu: &Cpu, r: SegReg| cpu.state.seg[r as usize].selector;
    assert_eq!(sel(&cpu, SegReg::Ds), 0);
    assert_eq!(cpu.state.seg[SegReg::Ds as usize].attr & attr::P, 0);
    assert_eq!(sel(&cpu, SegReg::Es), 0x2B);
    assert_eq!(sel(&cpu, SegReg::Fs), 0x48);
    assert_eq!(sel(&cpu, SegReg::Gs), 0);
}

/// `linear`: (mode, attr, limit, offset, size, access, result) with base
/// 10000h. Modes: 0 real, 1 protected, 2 virtual-8086.
#[test]
fn linear_limit_and_type_checks() {
    use Access::{Execute as X, Read as R, Write as W};
    const GP: Result<u32, Exception> = Err(Exception::GeneralProtection(0));
    const DATA: u16 = 0x93;
    const RO: u16 = 0x91;
    const DOWN16: u16 = 0x97;
    const DOWN32: u16 = 0x97 | attr::DB;
    const XO: u16 = 0x99;
    const XR: u16 = 0x9B;
    #[rustfmt::skip]
    type Case = (u8, u16, u32, u64, u32, Access, Result<u32, Exception>);
    let cases: &[Case] = &[
        (1, DATA, 0xFFFF, 0xFFFC, 4, R, Ok(0x1_FFFC)),
        (1, DATA, 0xFFFF, 0xFFFD, 4, R, GP), // last byte past the limit
        (1, DATA, 0xFFFF, 0xFFFF, 1, W, Ok(0x1_FFFF)),
        (1, DATA, 0xFFFF_FFFF, 0xFFFF_FFFC, 4, W, Ok(0xFFFC)), // base wraps
        (1, RO, 0xFFFF, 0, 1, R, Ok(0x1_0000)),
        (1, RO, 0xFFFF, 0, 1, W, GP), // read-only data
        (1, XO, 0xFFFF, 0, 1, R, GP), // execute-only code
        (1, XO, 0xFFFF, 0, 1, X, Ok(0x1_0000)),
        (1, XO, 0xFFFF, 0, 1, W, GP),
        (1, XR, 0xFFFF, 0, 2, R, Ok(0x1_0000)),
        (1, XR, 0xFFFF, 0, 2, W, GP),   // code is never writable
        (1, DATA, 0xFFFF, 0, 1, X, GP), // data is not executable
        (1, 0, 0, 0, 1, R, GP),         // unusable (null) segment
        (1, 0, 0xFFFF, 0, 1, W, GP),
        (1, DATA & !attr::P, 0xFFFF, 0, 1, R, GP),
        (1, DOWN16, 0x0FFF, 0x1000, 2, W, Ok(0x1_1000)), // expand-down: above the limit
        (1, DOWN16, 0x0FFF, 0x0FFF, 1, R, GP),           // at the limit
        (1, DOWN16, 0x0FFF, 0x0FFE, 4, R, GP),
        (1, DOWN16, 0x0FFF, 0xFFFE, 2, R, Ok(0x1_FFFE)), // up to FFFFh with B = 0
        (1, DOWN16, 0x0FFF, 0xFFFF, 2, R, GP),
        (1, DOWN16, 0x0FFF, 0x1_0000, 1, R, GP),
        (1, DOWN32, 0x0FFF, 0x1_0000, 4, R, Ok(0x2_0000)), // B = 1: up to FFFFFFFFh
        (1, DOWN32, 0x0FFF, 0xFFFF_FFFC, 4, R, Ok(0xFFFC)),
        (1, DOWN32, 0x0FFF, 0xFFFF_FFFD, 4, R, GP),
        (1, DOWN32, 0xFFFF_FFFF, 0, 1, R, GP), // nothing is valid
        // Real mode: limits (incl. expand-down) from the cache, no type checks.
        (0, DATA, 0xFFFF, 0xFFFF, 2, R, GP),
        (0, XO, 0xFFFF, 0, 2, W, Ok(0x1_0000)),
        (0, 0, 0xFFFF, 0x10, 2, R, Ok(0x1_0010)),
        (0, DATA, 0xFFFF_FFFF, 0x10_0000, 4, R, Ok(0x11_0000)), // unreal
        (0, DOWN16, 0x0FFF, 0x0FFF, 1, R, GP),
        // Virtual-8086 mode: no type checks either.
        (2, XR, 0xFFFF, 0, 2, W, Ok(0x1_0000)),
        (2, DATA, 0xFFFF, 0xFFFF, 2, W, GP),
    ];
    for &(mode, a, limit, off, size, access, want) in cases {
        let mut cpu = cpu_with(CpuModel::Pentium, &[]);
        if mode > 0 {
            cpu.state.cr0 |= cr0::PE;
        }
        if mode == 2 {
            cpu.state
                .flags
                .set_masked(crate::cpu::flags::VM, crate::cpu::flags::VM);
        }
        cpu.state.seg[SegReg::Ds as usize] = Segment {
            selector: 0x1000,
            base: 0x1_0000,
            limit,
            attr: a,
        };
        let got = cpu.linear(SegReg::Ds, off, size, access);
        assert_eq!(
            got, want,
            "mode {mode} attr {a:#x} limit {limit:#x} {off:#x}+{size} {access:?}"
        );
    }
    // Through SS a violation is #SS(0).
    let mut cpu = pm_cpu(CpuModel::Pentium, 0, &[]);
    cpu.load_seg(SegReg::Ss, 0x18).unwrap();
    assert_eq!(
        cpu.linear(SegReg::Ss, 0x1FFF, 2, Access::Write),
        Err(Exception::StackFault(0))
    );
}

/// Fault injection through the whole engine: the instruction faults, the
/// exception is delivered through the IDT, and the handler's frame holds
/// the error code and the faulting CS:EIP.
#[test]
fn segment_faults_are_delivered_with_error_codes() {
    const IDT: u32 = 0x6000;
    const HANDLER: u32 = 0x7000;
    // (code at 100h, AX, DS selector loaded first (0: keep flat), vector,
    // error code)
    #[rustfmt::skip]
    let cases: &[(&[u8], u16, u16, u8, u32)] = &[
        (&[0x8E, 0xD8], 0x0058, 0, 11, 0x58),          // mov ds, ax: not present
        (&[0x8E, 0xD8], 0x0013, 0, 13, 0x10),          // mov ds, ax: RPL > DPL
        (&[0x8E, 0xD0], 0x0000, 0, 13, 0),             // mov ss, ax: null
        (&[0x8E, 0xD0], 0x0058, 0, 12, 0x58),          // mov ss, ax: not present
        (&[0x8E, 0xE0], BEYOND, 0, 13, BEYOND as u32), // mov fs, ax: beyond the GDT
        (&[0x8E, 0xE8], 0x0038, 0, 13, 0x38),          // mov gs, ax: execute-only
        (&[0x8E, 0xD8], 0x0004, 0, 13, 0x04),          // mov ds, ax: no LDT
        (&[0x8B, 0x00], 0x0000, 3, 13, 0),             // mov eax, [eax]: DS null
        (&[0x89, 0x00], 0x0000, 0x20, 13, 0),          // mov [eax], eax: read-only DS
        (&[0x8B, 0x00], 0x2000, 0x18, 13, 0),          // mov eax, [eax]: past DS limit
        (&[0x36, 0x8B, 0x00], 0x2000, 0, 12, 0),       // mov eax, [ss:eax] with SS = 18h
    ];
    for (i, &(code, ax, ds, vector, err)) in cases.iter().enumerate() {
        let mut cpu = pm_cpu(CpuModel::Pentium, 0, code);
        for v in 0..32u32 {
            cpu.mem.write(IDT + 8 * v, 8, gate(0x08, HANDLER + v, 0x8E));
        }
        cpu.state.idtr.base = u64::from(IDT);
        cpu.state.idtr.limit = 32 * 8 - 1;
        cpu.state.regs[0] = u64::from(ax);
        if ds != 0 {
            cpu.load_seg(SegReg::Ds, ds).unwrap();
        }
        // (SS base, ESP)
        let (ss_base, esp) = if code[0] == 0x36 {
            // A 16-bit stack based at 85678h: the frame goes there.
            cpu.load_seg(SegReg::Ss, 0x18).unwrap();
            cpu.state.regs[4] = 0x1000;
            (0x0008_5678, 0x1000)
        } else {
            (0, 0x9000)
        };
        step(&mut cpu);
        let s = &cpu.state;
        assert_eq!(s.rip, u64::from(HANDLER + u32::from(vector)), "case {i}");
        assert_eq!(s.regs[4], u64::from(esp - 16), "case {i}: 4 dwords pushed");
        let top = ss_base + esp - 16;
        assert_eq!(cpu.mem.read(top, 4), u64::from(err), "case {i}: error code");
        assert_eq!(cpu.mem.read(top + 4, 4), 0x100, "case {i}: saved EIP");
        assert_eq!(cpu.mem.read(top + 8, 4), 0x08, "case {i}: saved CS");
    }
}
