//! Test fixture for privilege-transfer tests: a small protected-mode
//! machine with a flat GDT (code and data for rings 0, 1 and 3, 16-bit
//! segments, a conforming segment), an IDT, and a 32-bit TSS holding the
//! ring-0 and ring-1 stacks. Tests add their own gates.

use crate::cpu::exec::interrupts::v86_segment;
use crate::cpu::exec::testutil::cpu_with;
use crate::cpu::flags;
use crate::cpu::segment::Descriptor;
use crate::cpu::state::{attr, cr0, gpr, SegReg, Segment};
use crate::cpu::{Cpu, CpuModel};

pub const GDT: u32 = 0x1000;
pub const GDT_LIMIT: u16 = 0x3FF;
pub const IDT: u32 = 0x2000;
pub const IDT_LIMIT: u16 = 0x7FF;
pub const TSS: u32 = 0x3000;

/// 32-bit flat code, DPL 0.
pub const CODE0: u16 = 0x08;
/// 32-bit flat data, DPL 0.
pub const DATA0: u16 = 0x10;
/// 32-bit flat code, DPL 3 (selector with RPL 3).
pub const CODE3: u16 = 0x1B;
/// 32-bit flat data, DPL 3.
pub const DATA3: u16 = 0x23;
/// The 32-bit TSS (busy: TR holds it).
pub const TSS_SEL: u16 = 0x28;
/// 32-bit flat code and data, DPL 1.
pub const CODE1: u16 = 0x31;
pub const DATA1: u16 = 0x39;
/// 16-bit code and data (base 0, limit FFFF), DPL 0.
pub const CODE16_0: u16 = 0x40;
pub const DATA16_0: u16 = 0x48;
/// 32-bit conforming code, DPL 0.
pub const CONF0: u16 = 0x50;
/// 16-bit code and data, DPL 3.
pub const CODE16_3: u16 = 0x5B;
pub const DATA16_3: u16 = 0x63;
/// Data DPL 0 with a small limit (0x8FFF), for stack-room faults.
pub const SMALL0: u16 = 0x68;
/// First free GDT slot; tests put gates and odd descriptors from here on.
pub const FREE: u16 = 0x80;

/// Ring-0 and ring-1 stack pointers in the TSS.
pub const ESP0: u32 = 0x9000;
pub const ESP1: u32 = 0x8800;
/// Stack pointer the fixture's ring-3 (or ring-0) code starts with.
pub const START_ESP: u32 = 0x7000;
/// Where the fixture's code starts (flat, so EIP = linear address).
pub const CODE_AT: u32 = 0x1_0000;

/// Access bytes (P, DPL, S, type).
pub const ACC_CODE: u8 = 0x9A;
pub const ACC_DATA: u8 = 0x92;
pub const ACC_CONF: u8 = 0x9E;
/// Flags nibble: G and D/B.
pub const GD: u8 = 0xC;

/// A code/data descriptor.
pub fn seg_desc(base: u32, limit: u32, access: u8, flags: u8) -> u64 {
    let mut d = u64::from(limit & 0xFFFF) | (u64::from(base & 0xFF_FFFF) << 16);
    d |= u64::from(access) << 40;
    d |= u64::from((limit >> 16) & 0xF) << 48;
    d |= u64::from(flags & 0xF) << 52;
    d |= u64::from(base >> 24) << 56;
    d
}

/// A gate descriptor of type `kind` (see `segment::sys_type`).
pub fn gate_desc(sel: u16, off: u32, kind: u8, dpl: u8, params: u8) -> u64 {
    let access = 0x80 | (dpl << 5) | kind;
    u64::from(off & 0xFFFF)
        | (u64::from(sel) << 16)
        | (u64::from(params & 0x1F) << 32)
        | (u64::from(access) << 40)
        | (u64::from(off >> 16) << 48)
}

/// Write GDT/LDT entry `sel` (GDT only here).
pub fn set_gdt(cpu: &mut Cpu, sel: u16, raw: u64) {
    cpu.mem.write(GDT + u32::from(sel & !7), 8, raw);
}

/// Write IDT entry `vector`.
pub fn set_idt(cpu: &mut Cpu, vector: u8, raw: u64) {
    cpu.mem.write(IDT + u32::from(vector) * 8, 8, raw);
}

/// The segment cache a load of `sel` gives (accessed bit set).
pub fn cache(cpu: &Cpu, sel: u16) -> Segment {
    let raw = cpu.mem.read(GDT + u32::from(sel & !7), 8);
    let mut s = Descriptor::from_raw(raw).cache(sel);
    s.attr |= attr::ACCESSED;
    s
}

/// A protected-mode CPU at privilege `cpl` (0, 1 or 3) with CS, SS, DS and
/// ES holding that ring's flat 32-bit segments, ESP = [`START_ESP`], EIP =
/// [`CODE_AT`] where `code` is placed, TR = the TSS.
pub fn pm_cpu(cpl: u8, code: &[u8]) -> Cpu {
    let mut cpu = cpu_with(CpuModel::Pentium, &[]);
    for (sel, raw) in [
        (CODE0, seg_desc(0, 0xF_FFFF, ACC_CODE, GD)),
        (DATA0, seg_desc(0, 0xF_FFFF, ACC_DATA, GD)),
        (CODE3, seg_desc(0, 0xF_FFFF, ACC_CODE | 0x60, GD)),
        (DATA3, seg_desc(0, 0xF_FFFF, ACC_DATA | 0x60, GD)),
        (TSS_SEL, seg_desc(TSS, 0x67, 0x8B, 0)),
        (CODE1, seg_desc(0, 0xF_FFFF, ACC_CODE | 0x20, GD)),
        (DATA1, seg_desc(0, 0xF_FFFF, ACC_DATA | 0x20, GD)),
        (CODE16_0, seg_desc(0, 0xFFFF, ACC_CODE, 0)),
        (DATA16_0, seg_desc(0, 0xFFFF, ACC_DATA, 0)),
        (CONF0, seg_desc(0, 0xF_FFFF, ACC_CONF, GD)),
        (CODE16_3, seg_desc(0, 0xFFFF, ACC_CODE | 0x60, 0)),
        (DATA16_3, seg_desc(0, 0xFFFF, ACC_DATA | 0x60, 0)),
        (SMALL0, seg_desc(0, 0x8FFF, ACC_DATA, 0x4)),
    ] {
        set_gdt(&mut cpu, sel, raw);
    }
    cpu.mem.write(TSS + 4, 4, u64::from(ESP0));
    cpu.mem.write(TSS + 8, 2, u64::from(DATA0));
    cpu.mem.write(TSS + 0xC, 4, u64::from(ESP1));
    cpu.mem.write(TSS + 0x10, 2, u64::from(DATA1));
    let s = &mut cpu.state;
    s.cr0 = cr0::PE | cr0::ET;
    s.gdtr.base = u64::from(GDT);
    s.gdtr.limit = GDT_LIMIT;
    s.idtr.base = u64::from(IDT);
    s.idtr.limit = IDT_LIMIT;
    s.ldtr = Segment::default();
    let (code_sel, data_sel) = match cpl {
        0 => (CODE0, DATA0),
        1 => (CODE1, DATA1),
        _ => (CODE3, DATA3),
    };
    let tr = Descriptor::from_raw(cpu.mem.read(GDT + u32::from(TSS_SEL), 8)).cache(TSS_SEL);
    let code_seg = cache(&cpu, code_sel);
    let data_seg = cache(&cpu, data_sel);
    let s = &mut cpu.state;
    s.tr = tr;
    s.seg[SegReg::Cs as usize] = code_seg;
    for r in [SegReg::Ss, SegReg::Ds, SegReg::Es, SegReg::Fs, SegReg::Gs] {
        s.seg[r as usize] = data_seg;
    }
    s.cpl = cpl;
    s.rip = u64::from(CODE_AT);
    s.regs[gpr::RSP] = u64::from(START_ESP);
    cpu.mem.write_bytes(CODE_AT, code);
    cpu
}

/// A CPU in virtual-8086 mode (IOPL `iopl`) running `code` at 1000:0100
/// (linear 0x10100) with SS:SP = 2000:0FFE and DS = ES = FS = GS = 3000.
pub fn v86_cpu(iopl: u32, code: &[u8]) -> Cpu {
    let mut cpu = pm_cpu(0, &[]);
    let s = &mut cpu.state;
    s.flags.set(flags::VM, true);
    s.flags.set_masked(iopl << 12, flags::IOPL);
    s.cpl = 3;
    s.seg[SegReg::Cs as usize] = v86_segment(0x1000, true);
    s.seg[SegReg::Ss as usize] = v86_segment(0x2000, false);
    for r in [SegReg::Ds, SegReg::Es, SegReg::Fs, SegReg::Gs] {
        s.seg[r as usize] = v86_segment(0x3000, false);
    }
    s.rip = 0x100;
    s.regs[gpr::RSP] = 0x0FFE;
    cpu.mem.write_bytes(0x1_0100, code);
    cpu
}

/// Decode and run the handler at CS:IP without delivering a fault, so a
/// test sees the `Err`; on a fault, EIP is put back as the engine would.
pub fn run_handler(cpu: &mut Cpu) -> crate::cpu::ExResult {
    let ip = cpu.state.rip;
    let d = cpu.decode_at(cpu.linear_ip())?;
    cpu.state.rip = cpu.state.rip.wrapping_add(u64::from(d.len)) & cpu.ip_mask();
    let r = (d.handler)(cpu, &d);
    if r.is_err() {
        cpu.state.rip = ip;
    }
    r
}

/// Dwords at `addr`, `addr + 4`, … (a 32-bit stack frame, lowest first).
pub fn dwords(cpu: &Cpu, addr: u32, n: u32) -> Vec<u32> {
    (0..n)
        .map(|i| cpu.mem.read(addr + 4 * i, 4) as u32)
        .collect()
}

/// Words at `addr`, `addr + 2`, … (a 16-bit stack frame, lowest first).
pub fn words(cpu: &Cpu, addr: u32, n: u32) -> Vec<u16> {
    (0..n)
        .map(|i| cpu.mem.read(addr + 2 * i, 2) as u16)
        .collect()
}

/// Page directory and the page table of the first 4 MiB, for
/// [`enable_paging`].
pub const PD: u32 = 0xC_0000;
pub const PT0: u32 = 0xC_1000;

/// Turn paging on: the first MiB identity mapped with user, writable
/// pages, except the pages in `supervisor` (supervisor-only) and in
/// `absent` (not present).
pub fn enable_paging(cpu: &mut Cpu, supervisor: &[u32], absent: &[u32]) {
    use crate::mmu::pte;
    cpu.mem
        .write(PD, 4, u64::from(PT0) | pte::P | pte::RW | pte::US);
    for page in 0..256u32 {
        let lin = page << 12;
        let mut e = u64::from(lin) | pte::P | pte::RW | pte::US;
        if supervisor.contains(&lin) {
            e &= !pte::US;
        }
        if absent.contains(&lin) {
            e &= !pte::P;
        }
        cpu.mem.write(PT0 + 4 * page, 4, e);
    }
    cpu.state.cr3 = u64::from(PD);
    cpu.state.cr0 |= cr0::PG;
}
