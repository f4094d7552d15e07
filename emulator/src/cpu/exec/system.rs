//! System and miscellaneous instructions: NOP, HLT, LGDT/LIDT/SGDT/SIDT,
//! MOV to/from CR0/CR2/CR3/CR4 and DR0–DR7, LMSW, SMSW, CLTS, INVD,
//! WBINVD, INVLPG, WAIT/FWAIT (SDM Vol. 2 instruction pages; Vol. 3A §2.5
//! control registers, §2.8 system instructions, §17.2 debug registers).
//! CPUID, RDTSC and RDMSR/WRMSR are in [`super::cpuid_msr`].
//!
//! Privileged instructions fault with #GP(0) at CPL > 0 (virtual-8086 mode
//! runs at CPL 3); [`Cpu::privilege_level`] and [`Cpu::require_cpl0`] are
//! shared with the other families.
//!
//! Paging (SDM Vol. 3A §4.10.4.1): MOV CR3 flushes the non-global TLB
//! entries, a change of CR0.PG or CR4.PSE/PGE flushes all of them, INVLPG
//! one page (see `cpu/paging.rs`).
//!
//! Partial:
//! - CR4 accepts TSD, PSE, PGE, OSFXSR and OSXMMEXCPT: the other Pentium
//!   CR4 features (VME, PVI, DE, MCE) and PAE are not implemented, so (like
//!   a CPU without them) setting them is #GP(0) and CPUID does not
//!   advertise them.

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::model::CpuModel;
use crate::cpu::state::cr0;
use crate::cpu::Cpu;
use iced_x86::{Code, Instruction, Mnemonic, OpKind, Register};

/// CR4.TSD: RDTSC is privileged (SDM Vol. 3A §2.5).
pub const CR4_TSD: u64 = 1 << 2;
/// CR4.PSE: 4-MiB pages (SDM Vol. 3A §2.5, §4.3).
pub const CR4_PSE: u64 = crate::mmu::cr4::PSE;
/// CR4.PGE: global pages (SDM Vol. 3A §2.5, §4.10.2.4).
pub const CR4_PGE: u64 = crate::mmu::cr4::PGE;
/// CR4 bits MOV CR4 accepts (see the module docs).
const CR4_WRITABLE: u64 = CR4_TSD
    | CR4_PSE
    | CR4_PGE
    | super::simd_common::CR4_OSFXSR
    | super::simd_common::CR4_OSXMMEXCPT;
/// CR0 bits that exist on a Pentium; writes to the others are ignored.
const CR0_DEFINED: u64 = cr0::PE
    | cr0::MP
    | cr0::EM
    | cr0::TS
    | cr0::ET
    | cr0::NE
    | cr0::WP
    | cr0::AM
    | cr0::NW
    | cr0::CD
    | cr0::PG;
/// CR3 bits kept: page-directory base, PCD, PWT.
const CR3_DEFINED: u64 = 0xFFFF_F018;
/// DR6 bits that always read as 1 on a Pentium.
const DR6_FIXED1: u64 = 0xFFFF_0FF0;
/// DR6 bits software can change: B0–B3, BD, BS, BT.
const DR6_WRITABLE: u64 = 0xE00F;
/// DR7 bit 10 reads as 1; bits 11, 12, 14, 15 read as 0.
const DR7_FIXED1: u64 = 1 << 10;
const DR7_WRITABLE: u64 = 0xFFFF_27FF & !DR7_FIXED1;

/// WAIT faults when both CR0.MP and CR0.TS are set.
const WAIT_NM: u64 = cr0::MP | cr0::TS;

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.code() {
        Code::Lgdt_m1632_16 => load_table::<false, 2>,
        Code::Lgdt_m1632 => load_table::<false, 4>,
        Code::Lidt_m1632_16 => load_table::<true, 2>,
        Code::Lidt_m1632 => load_table::<true, 4>,
        Code::Sgdt_m1632_16 => store_table::<false, 2>,
        Code::Sgdt_m1632 => store_table::<false, 4>,
        Code::Sidt_m1632_16 => store_table::<true, 2>,
        Code::Sidt_m1632 => store_table::<true, 4>,
        Code::Mov_cr_r32 => mov_to_cr,
        Code::Mov_r32_cr => mov_from_cr,
        Code::Mov_dr_r32 => mov_to_dr,
        Code::Mov_r32_dr => mov_from_dr,
        Code::Lmsw_rm16 | Code::Lmsw_r32m16 => lmsw,
        Code::Smsw_rm16 | Code::Smsw_r32m16 => smsw,
        Code::Clts => clts,
        Code::Invd | Code::Wbinvd => privileged_nop,
        Code::Invlpg_m => invlpg,
        Code::Wait => wait,
        _ => match insn.mnemonic() {
            // 0F 19–1E are the reserved-NOP hint space: P6-class CPUs execute them as NOPs.
            Mnemonic::Nop | Mnemonic::Pause | Mnemonic::Reservednop => nop,
            Mnemonic::Hlt => hlt,
            _ => return None,
        },
    })
}

impl Cpu {
    /// Current privilege level: 0 in real mode, 3 in virtual-8086 mode,
    /// else CS.RPL as tracked in `state.cpl`.
    #[inline]
    pub fn privilege_level(&self) -> u8 {
        if !self.state.protected() {
            0
        } else if self.state.v86() {
            3
        } else {
            self.state.cpl
        }
    }

    /// #GP(0) unless running at CPL 0.
    #[inline]
    pub fn require_cpl0(&self) -> ExResult {
        if self.privilege_level() != 0 {
            return Err(Exception::GeneralProtection(0));
        }
        Ok(())
    }
}

fn nop(_cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    Ok(())
}

fn hlt(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    cpu.require_cpl0()?;
    cpu.state.halted = true;
    Ok(())
}

/// LGDT/LIDT m16&32: limit word then base dword. With a 16-bit operand
/// size (always on the 80286) only 24 bits of the base are loaded.
fn load_table<const IDT: bool, const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    cpu.require_cpl0()?;
    let seg = cpu.mem_seg(d);
    let off = cpu.ea(d);
    let limit = cpu.read_mem(seg, off, 2)? as u16;
    let mut base = cpu.read_mem(seg, off.wrapping_add(2) & d.amask(), 4)?;
    if OS == 2 || cpu.model < CpuModel::Pentium {
        base &= 0x00FF_FFFF;
    }
    let t = if IDT {
        &mut cpu.state.idtr
    } else {
        &mut cpu.state.gdtr
    };
    t.limit = limit;
    t.base = base;
    Ok(())
}

/// SGDT/SIDT m16&32 (not privileged). A 16-bit operand size stores a
/// 24-bit base; the fourth base byte is 0, or FFh on the 80286.
fn store_table<const IDT: bool, const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let t = if IDT { cpu.state.idtr } else { cpu.state.gdtr };
    let mut base = t.base & 0xFFFF_FFFF;
    if OS == 2 || cpu.model < CpuModel::Pentium {
        base &= 0x00FF_FFFF;
        if cpu.model == CpuModel::I80286 {
            base |= 0xFF00_0000;
        }
    }
    let seg = cpu.mem_seg(d);
    let off = cpu.ea(d);
    let off_base = off.wrapping_add(2) & d.amask();
    cpu.check_write(seg, off, 2)?;
    cpu.check_write(seg, off_base, 4)?;
    cpu.write_mem(seg, off, 2, u64::from(t.limit))?;
    cpu.write_mem(seg, off_base, 4, base)
}

/// Number of a control or debug register operand (CR0 → 0, DR7 → 7).
#[inline]
fn reg_index(r: Register, first: Register) -> u32 {
    (r as u32).wrapping_sub(first as u32)
}

fn mov_to_cr(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let n = reg_index(d.insn.op0_register(), Register::CR0);
    if !matches!(n, 0 | 2 | 3 | 4) {
        return Err(Exception::InvalidOpcode);
    }
    cpu.require_cpl0()?;
    let v = cpu.state.get_reg(d.insn.op1_register()) & 0xFFFF_FFFF;
    match n {
        0 => cpu.write_cr0(v),
        2 => {
            cpu.state.cr2 = v;
            Ok(())
        }
        3 => {
            cpu.set_cr3(v & CR3_DEFINED);
            Ok(())
        }
        _ => {
            if v & !CR4_WRITABLE != 0 {
                return Err(Exception::GeneralProtection(0));
            }
            let (old_cr0, old_cr4) = (cpu.state.cr0, cpu.state.cr4);
            cpu.state.cr4 = v;
            cpu.paging_controls_changed(old_cr0, old_cr4);
            Ok(())
        }
    }
}

fn mov_from_cr(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let v = match reg_index(d.insn.op1_register(), Register::CR0) {
        0 => cpu.state.cr0,
        2 => cpu.state.cr2,
        3 => cpu.state.cr3,
        4 => cpu.state.cr4,
        _ => return Err(Exception::InvalidOpcode),
    };
    cpu.require_cpl0()?;
    cpu.state.set_reg(d.insn.op0_register(), v);
    Ok(())
}

impl Cpu {
    /// Write CR0 (MOV CR0): reserved bits are ignored, ET stays 1 on the
    /// Pentium; PG with PE clear and NW without CD are #GP(0). Clearing PE
    /// returns to real mode (CPL 0); the segment caches keep their values.
    /// Turning paging on or off flushes the TLB.
    pub fn write_cr0(&mut self, v: u64) -> ExResult {
        if (v & cr0::PG != 0 && v & cr0::PE == 0) || (v & cr0::NW != 0 && v & cr0::CD == 0) {
            return Err(Exception::GeneralProtection(0));
        }
        let mut new = v & CR0_DEFINED;
        if self.model >= CpuModel::Pentium {
            new |= cr0::ET;
        }
        let (old_cr0, old_cr4) = (self.state.cr0, self.state.cr4);
        self.state.cr0 = new;
        self.paging_controls_changed(old_cr0, old_cr4);
        if new & cr0::PE == 0 {
            self.state.cpl = 0;
        }
        Ok(())
    }
}

fn mov_to_dr(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let n = reg_index(d.insn.op0_register(), Register::DR0);
    if n > 7 {
        return Err(Exception::InvalidOpcode);
    }
    cpu.require_cpl0()?;
    cpu.general_detect()?;
    let v = cpu.state.get_reg(d.insn.op1_register()) & 0xFFFF_FFFF;
    // Without CR4.DE, DR4 and DR5 are aliases of DR6 and DR7.
    match n {
        4 | 6 => cpu.state.dr[6] = (v & DR6_WRITABLE) | DR6_FIXED1,
        5 | 7 => cpu.state.dr[7] = (v & DR7_WRITABLE) | DR7_FIXED1,
        _ => cpu.state.dr[n as usize] = v,
    }
    // Breakpoint enables are pre-digested for the hot paths (cpu::debug).
    cpu.sync_debug();
    Ok(())
}

fn mov_from_dr(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let n = reg_index(d.insn.op1_register(), Register::DR0);
    if n > 7 {
        return Err(Exception::InvalidOpcode);
    }
    cpu.require_cpl0()?;
    cpu.general_detect()?;
    let v = match n {
        4 | 6 => cpu.state.dr[6],
        5 | 7 => cpu.state.dr[7],
        _ => cpu.state.dr[n as usize],
    };
    cpu.state.set_reg(d.insn.op0_register(), v);
    Ok(())
}

/// LMSW: loads PE, MP, EM, TS from the operand; it can set PE but never
/// clear it.
fn lmsw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    cpu.require_cpl0()?;
    let v = cpu.read_op(d, 0, 2)? & 0xF;
    let c = cpu.state.cr0;
    cpu.state.cr0 = (c & !0xF) | v | (c & cr0::PE);
    Ok(())
}

/// SMSW: the low word of CR0 (a 32-bit register destination receives all
/// of CR0). The 80286 reads the unused MSW bits 4–15 as 1.
fn smsw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let c = cpu.state.cr0;
    let v = if cpu.model == CpuModel::I80286 {
        0xFFF0 | (c & 0xF)
    } else {
        c
    };
    let size = match d.insn.op0_kind() {
        OpKind::Register => crate::cpu::decode::reg_size(d.insn.op0_register()),
        _ => 2,
    };
    cpu.write_op(d, 0, size, v & crate::cpu::state::size_mask(size))
}

fn clts(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    cpu.require_cpl0()?;
    cpu.state.cr0 &= !cr0::TS;
    Ok(())
}

/// INVD, WBINVD (no caches are modelled): privileged no-ops.
fn privileged_nop(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    cpu.require_cpl0()
}

/// INVLPG m: drop the TLB entries of the page holding the operand's linear
/// address (global or not; every piece of a 4-MiB page). Only CPL 0 may
/// execute it; the operand is not accessed, so there are no segment checks.
fn invlpg(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    cpu.require_cpl0()?;
    let seg = cpu.mem_seg(d);
    let lin = cpu.state.seg[seg as usize]
        .base
        .wrapping_add(cpu.ea(d) as u32);
    cpu.invalidate_page(lin);
    Ok(())
}

/// WAIT/FWAIT: #NM when CR0.MP and CR0.TS are both set; otherwise nothing
/// (there is no x87 yet, so no pending x87 exception to report).
fn wait(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    if cpu.state.cr0 & WAIT_NM == WAIT_NM {
        return Err(Exception::DeviceNotAvailable);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::exception::ExResult;
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::state::attr;
    use crate::cpu::SegReg;
    use crate::engine::BlockCache;

    fn run_handler(cpu: &mut Cpu) -> ExResult {
        let d = cpu.decode_at(cpu.linear_ip())?;
        cpu.state.rip = cpu.state.rip.wrapping_add(u64::from(d.len)) & cpu.ip_mask();
        (d.handler)(cpu, &d)
    }

    #[test]
    fn privileged_instructions_at_cpl3() {
        // (bytes, allowed at CPL 3)
        let cases: [(&[u8], bool); 17] = [
            (&[0x0F, 0x01, 0x17], false), // lgdt [bx]
            (&[0x0F, 0x01, 0x1F], false), // lidt [bx]
            (&[0x0F, 0x01, 0x07], true),  // sgdt [bx]
            (&[0x0F, 0x01, 0x0F], true),  // sidt [bx]
            (&[0x0F, 0x22, 0xC0], false), // mov cr0, eax
            (&[0x0F, 0x20, 0xC0], false), // mov eax, cr0
            (&[0x0F, 0x23, 0xC0], false), // mov dr0, eax
            (&[0x0F, 0x21, 0xF8], false), // mov eax, dr7
            (&[0x0F, 0x01, 0xF0], false), // lmsw ax
            (&[0x0F, 0x01, 0xE0], true),  // smsw ax
            (&[0x0F, 0x06], false),       // clts
            (&[0x0F, 0x08], false),       // invd
            (&[0x0F, 0x09], false),       // wbinvd
            (&[0x0F, 0x01, 0x3F], false), // invlpg [bx]
            (&[0x0F, 0x32], false),       // rdmsr
            (&[0x0F, 0x30], false),       // wrmsr
            (&[0xF4], false),             // hlt
        ];
        for (code, allowed) in cases {
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            cpu.state.regs[3] = 0x2000;
            cpu.state.cr0 |= cr0::PE;
            cpu.state.cpl = 3;
            let r = run_handler(&mut cpu);
            let want = if allowed {
                Ok(())
            } else {
                Err(Exception::GeneralProtection(0))
            };
            assert_eq!(r, want, "{code:x?} at CPL 3");
            // The same instruction at CPL 0 (real mode) succeeds.
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            cpu.state.regs[3] = 0x2000;
            assert_eq!(run_handler(&mut cpu), Ok(()), "{code:x?} in real mode");
        }
    }

    #[test]
    fn gdtr_idtr_load_and_store() {
        // (model, code, base stored at [0x3002], base loaded). Memory at
        // [0x2000] holds limit 1234h and base bytes 12 34 56 78.
        #[rustfmt::skip]
        let cases: [(CpuModel, &[u8], u64, u64); 4] = [
            // lgdt [bx] ; sgdt [si]: 24-bit base with a 16-bit operand size.
            (CpuModel::Pentium, &[0x0F, 0x01, 0x17, 0x0F, 0x01, 0x04], 0x0056_3412, 0x0056_3412),
            // 66 lgdt ; 66 sgdt: the full 32-bit base.
            (CpuModel::Pentium, &[0x66, 0x0F, 0x01, 0x17, 0x66, 0x0F, 0x01, 0x04], 0x7856_3412,
                0x7856_3412),
            // lidt [bx] ; sidt [si] on the 286: stores FFh as the fourth byte.
            (CpuModel::I80286, &[0x0F, 0x01, 0x1F, 0x0F, 0x01, 0x0C], 0xFF56_3412, 0x0056_3412),
            // 67 lgdt [ebx] ; sgdt [si]
            (CpuModel::Pentium, &[0x67, 0x0F, 0x01, 0x13, 0x0F, 0x01, 0x04], 0x0056_3412, 0x0056_3412),
        ];
        for (i, (model, code, stored, loaded)) in cases.into_iter().enumerate() {
            let mut cpu = cpu_with(model, code);
            cpu.state.regs[3] = 0x2000;
            cpu.state.regs[6] = 0x3000;
            cpu.mem.write(0x2000, 2, 0x1234);
            cpu.mem.write(0x2002, 4, 0x7856_3412);
            step(&mut cpu);
            let t = if code.contains(&0x1F) {
                cpu.state.idtr
            } else {
                cpu.state.gdtr
            };
            assert_eq!((t.limit, t.base), (0x1234, loaded), "case {i} load");
            step(&mut cpu);
            assert_eq!(cpu.mem.read(0x3000, 2), 0x1234, "case {i} limit");
            assert_eq!(cpu.mem.read(0x3002, 4), stored, "case {i} base");
        }
    }

    #[test]
    fn control_register_writes() {
        // (CR number, value, result: Ok(value read back) or the fault)
        let cases: [(u8, u64, Result<u64, Exception>); 10] = [
            (0, 0x6000_0011, Ok(0x6000_0011)),
            (0, 0x0000_0001, Ok(0x0000_0011)), // ET stays set
            (0, 0x0000_FFE0, Ok(0x0000_0030)), // reserved bits ignored (NE kept)
            (0, 0x8000_0010, Err(Exception::GeneralProtection(0))), // PG without PE
            (0, 0x8001_0001, Ok(0x8001_0011)), // PG with PE, WP
            (0, 0x2000_0001, Err(Exception::GeneralProtection(0))), // NW without CD
            (4, CR4_TSD, Ok(CR4_TSD)),
            (4, CR4_PSE | CR4_PGE, Ok(CR4_PSE | CR4_PGE)),
            (
                4,
                crate::cpu::exec::simd_common::CR4_OSFXSR
                    | crate::cpu::exec::simd_common::CR4_OSXMMEXCPT,
                Ok(crate::cpu::exec::simd_common::CR4_OSFXSR
                    | crate::cpu::exec::simd_common::CR4_OSXMMEXCPT),
            ),
            (4, 1 << 5, Err(Exception::GeneralProtection(0))), // PAE: not implemented
        ];
        for (n, v, want) in cases {
            // mov crN, eax ; mov ebx, crN
            let modrm_to = 0xC0 | (n << 3);
            let modrm_from = 0xC3 | (n << 3);
            let mut cpu = cpu_with(
                CpuModel::Pentium,
                &[0x0F, 0x22, modrm_to, 0x0F, 0x20, modrm_from],
            );
            cpu.state.regs[0] = v;
            // Page tables mapping the first 4 KiB to itself, for the case
            // that turns paging on.
            cpu.state.cr3 = 0x8000;
            cpu.mem.write(0x8000, 4, 0x9003);
            cpu.mem.write(0x9000, 4, 0x0003);
            let before = (cpu.state.cr0, cpu.state.cr4);
            let r = run_handler(&mut cpu);
            match want {
                Ok(read) => {
                    assert_eq!(r, Ok(()), "cr{n} <- {v:#x}");
                    assert_eq!(run_handler(&mut cpu), Ok(()));
                    assert_eq!(cpu.state.regs[3], read, "cr{n} <- {v:#x}");
                }
                Err(e) => {
                    assert_eq!(r, Err(e), "cr{n} <- {v:#x}");
                    assert_eq!((cpu.state.cr0, cpu.state.cr4), before);
                }
            }
        }
        // CR2 and CR3 store their values (CR3 keeps base, PCD, PWT).
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x0F, 0x22, 0xD0, 0x0F, 0x22, 0xD8]);
        cpu.state.regs[0] = 0x1234_5FFF;
        step(&mut cpu);
        step(&mut cpu);
        assert_eq!((cpu.state.cr2, cpu.state.cr3), (0x1234_5FFF, 0x1234_5018));
    }

    #[test]
    fn debug_registers() {
        // (DR written, value, DR read, result)
        let cases = [
            (0u8, 0xDEAD_BEEFu64, 0u8, 0xDEAD_BEEFu64),
            (3, 0x1234, 3, 0x1234),
            (6, 0, 6, 0xFFFF_0FF0),
            (6, 0xFFFF_FFFF, 6, 0xFFFF_EFFF),
            (7, 0, 7, 0x400),
            // (GD, bit 13, would make the read fault: see cpu::debug.)
            (7, 0xFFFF_DFFF, 7, 0xFFFF_07FF),
            (5, 0x3, 7, 0x403),       // DR5 aliases DR7
            (4, 0x1, 6, 0xFFFF_0FF1), // DR4 aliases DR6
        ];
        for (w, v, r, want) in cases {
            let mut cpu = cpu_with(
                CpuModel::Pentium,
                &[0x0F, 0x23, 0xC0 | (w << 3), 0x0F, 0x21, 0xC3 | (r << 3)],
            );
            cpu.state.regs[0] = v;
            step(&mut cpu);
            step(&mut cpu);
            assert_eq!(cpu.state.regs[3], want, "dr{w} <- {v:#x}, read dr{r}");
        }
    }

    #[test]
    fn msw_and_clts_and_wait() {
        // lmsw ax sets PE/MP/EM/TS but cannot clear PE.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x0F, 0x01, 0xF0, 0x0F, 0x01, 0xF0]);
        cpu.state.regs[0] = 0xFFFF;
        step(&mut cpu);
        assert_eq!(cpu.state.cr0 & 0xF, 0xF);
        assert!(cpu.state.protected());
        cpu.state.regs[0] = 0;
        assert_eq!(run_handler(&mut cpu), Ok(()));
        assert_eq!(cpu.state.cr0 & 0xF, cr0::PE);
        // smsw: 286 reads bits 4-15 as 1; Pentium gives CR0, all of it into a 32-bit register.
        let mut cpu = cpu_with(CpuModel::I80286, &[0x0F, 0x01, 0xE0]);
        cpu.state.cr0 = cr0::MP;
        step(&mut cpu);
        assert_eq!(cpu.state.regs[0], 0xFFF2);
        let mut cpu = cpu_with(
            CpuModel::Pentium,
            &[0x66, 0x0F, 0x01, 0xE0, 0x0F, 0x01, 0x27],
        );
        cpu.state.cr0 = 0x6001_0031;
        cpu.state.regs[4] = 0x1000;
        cpu.state.regs[3] = 0x2000;
        cpu.mem.write(0x2000, 4, 0xAAAA_AAAA);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[0], 0x6001_0031);
        step(&mut cpu);
        assert_eq!(
            cpu.mem.read(0x2000, 4),
            0xAAAA_0031,
            "memory form stores a word"
        );
        // clts clears TS; wait faults only with MP and TS both set.
        for (cr, ok) in [
            (0u64, true),
            (cr0::TS, true),
            (cr0::MP, true),
            (cr0::MP | cr0::TS, false),
        ] {
            let mut cpu = cpu_with(CpuModel::Pentium, &[0x9B]);
            cpu.state.cr0 = cr;
            let want = if ok {
                Ok(())
            } else {
                Err(Exception::DeviceNotAvailable)
            };
            assert_eq!(run_handler(&mut cpu), want, "cr0 {cr:#x}");
        }
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x0F, 0x06, 0x9B]);
        cpu.state.cr0 = cr0::MP | cr0::TS;
        step(&mut cpu);
        assert_eq!(cpu.state.cr0, cr0::MP);
        assert_eq!(run_handler(&mut cpu), Ok(()));
    }

    /// GDT: null, flat 32-bit code (08h), flat 32-bit data (10h), 16-bit
    /// code with base 0 and a 64 KiB limit (18h).
    const GDT: [u64; 4] = [
        0,
        0x00CF_9A00_0000_FFFF,
        0x00CF_9200_0000_FFFF,
        0x0000_9A00_0000_FFFF,
    ];

    /// Real mode → LGDT, MOV CR0 (PE) → JMP 08h:200h (32-bit code: load DS,
    /// store a dword, load EBX) → JMP 18h:300h (16-bit protected) → clear
    /// PE → JMP 0000:0400h (real mode) → HLT.
    fn pm_round_trip_cpu() -> Cpu {
        let mut cpu = cpu_with(
            CpuModel::Pentium,
            &[
                0x0F, 0x01, 0x16, 0x00, 0x08, // lgdt [0800h]
                0x0F, 0x20, 0xC0, // mov eax, cr0
                0x0C, 0x01, // or al, 1
                0x0F, 0x22, 0xC0, // mov cr0, eax
                0x66, 0xEA, 0x00, 0x02, 0x00, 0x00, 0x08, 0x00, // jmp dword 08h:200h
            ],
        );
        cpu.mem.write_bytes(
            0x200,
            &[
                0x66, 0xB8, 0x10, 0x00, // mov ax, 10h
                0x8E, 0xD8, // mov ds, ax
                0xC7, 0x05, 0x00, 0x50, 0x00, 0x00, 0x78, 0x56, 0x34,
                0x12, // mov dword [5000h], 12345678h
                0xBB, 0xEF, 0xCD, 0xAB, 0x00, // mov ebx, 0ABCDEFh
                0xEA, 0x00, 0x03, 0x00, 0x00, 0x18, 0x00, // jmp 18h:300h
            ],
        );
        cpu.mem.write_bytes(
            0x300,
            &[
                0x0F, 0x20, 0xC0, // mov eax, cr0
                0x24, 0xFE, // and al, 0FEh
                0x0F, 0x22, 0xC0, // mov cr0, eax
                0xEA, 0x00, 0x04, 0x00, 0x00, // jmp 0000:0400h
            ],
        );
        cpu.mem.write_bytes(0x400, &[0xF4]);
        cpu.mem.write(0x800, 2, (GDT.len() * 8 - 1) as u64);
        cpu.mem.write(0x802, 4, 0x810);
        for (i, d) in GDT.iter().enumerate() {
            cpu.mem.write(0x810 + 8 * i as u32, 8, *d);
        }
        cpu
    }

    fn check_pm_round_trip_end(cpu: &Cpu) {
        assert!(cpu.state.halted);
        assert!(!cpu.state.protected());
        assert_eq!(cpu.state.seg[SegReg::Cs as usize].selector, 0);
        assert_eq!(cpu.state.seg[SegReg::Cs as usize].base, 0);
        assert!(!cpu.state.code32());
        assert_eq!(cpu.state.rip, 0x401);
        assert_eq!(cpu.mem.read(0x5000, 4), 0x1234_5678);
        assert_eq!(cpu.state.regs[3], 0x00AB_CDEF);
        // DS keeps its 4 GiB protected-mode limit back in real mode.
        assert_eq!(cpu.state.seg[SegReg::Ds as usize].limit, 0xFFFF_FFFF);
    }

    #[test]
    fn far_jump_into_32bit_protected_mode_and_back() {
        let mut cpu = pm_round_trip_cpu();
        for _ in 0..5 {
            step(&mut cpu);
        }
        assert!(cpu.state.protected());
        assert!(cpu.state.code32());
        assert_eq!(cpu.state.seg[SegReg::Cs as usize].selector, 0x08);
        assert_eq!(cpu.state.rip, 0x200);
        assert_eq!(cpu.state.cpl, 0);
        // The descriptor's accessed bit was set.
        assert_ne!(cpu.mem.read(0x818 + 5, 1) & u64::from(attr::ACCESSED), 0);
        for _ in 0..5 {
            step(&mut cpu);
        }
        assert!(cpu.state.protected());
        assert!(!cpu.state.code32());
        assert_eq!(cpu.state.seg[SegReg::Cs as usize].selector, 0x18);
        let mut n = 0;
        while !cpu.state.halted && n < 20 {
            step(&mut cpu);
            n += 1;
        }
        check_pm_round_trip_end(&cpu);

        // The block-cached tier runs the same program to the same state.
        let mut blocks_cpu = pm_round_trip_cpu();
        BlockCache::new().run(&mut blocks_cpu, 100);
        check_pm_round_trip_end(&blocks_cpu);
        assert_eq!(blocks_cpu.state, cpu.state);
        assert_eq!(blocks_cpu.icount, cpu.icount);
    }

    #[test]
    fn far_jump_protected_mode_checks() {
        // In protected mode at CPL 0: (selector, offset, expected result).
        let cases = [
            (0x0000u16, 0u32, Err(Exception::GeneralProtection(0))), // null
            (0x0010, 0, Err(Exception::GeneralProtection(0x10))),    // data segment
            (0x0020, 0, Err(Exception::GeneralProtection(0x20))),    // beyond the GDT
            (0x001B, 0, Err(Exception::GeneralProtection(0x18))),    // RPL 3 > CPL 0
            (0x0018, 0x1_0000, Err(Exception::GeneralProtection(0))), // beyond the limit
            (0x0018, 0x0300, Ok(())),
        ];
        for (sel, off, want) in cases {
            let [o0, o1, o2, o3] = off.to_le_bytes();
            let [s0, s1] = sel.to_le_bytes();
            let mut cpu = pm_round_trip_cpu();
            for _ in 0..4 {
                step(&mut cpu);
            }
            assert!(cpu.state.protected());
            cpu.mem
                .write_bytes(0x10D, &[0x66, 0xEA, o0, o1, o2, o3, s0, s1]);
            let before = cpu.state.seg[SegReg::Cs as usize];
            assert_eq!(run_handler(&mut cpu), want, "{sel:#x}:{off:#x}");
            if want.is_err() {
                assert_eq!(cpu.state.seg[SegReg::Cs as usize], before);
            }
        }
    }
}
