//! SYSENTER and SYSEXIT: fast calls to and returns from ring 0 (SDM Vol. 2
//! "SYSENTER—Fast System Call" and "SYSEXIT—Fast Return from Fast System
//! Call"; Vol. 3A §5.8.7).
//!
//! Neither reads a descriptor table: CS and SS are loaded with fixed flat
//! 4-GiB descriptors derived from IA32_SYSENTER_CS. SYSENTER goes to ring
//! 0 at SYSENTER_CS:SYSENTER_EIP with SS = SYSENTER_CS + 8 and ESP =
//! SYSENTER_ESP, clearing VM, IF and RF (so it works from virtual-8086 mode
//! too). SYSEXIT goes to ring 3 at (SYSENTER_CS + 16) | 3 : EDX with SS =
//! (SYSENTER_CS + 24) | 3 and ESP = ECX. Both raise #GP(0) in real mode or
//! when SYSENTER_CS is null; SYSEXIT also at CPL > 0 (V86 mode included).
//! Only the legacy (non-64-bit) forms exist here.

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::exec::cpuid_msr::{MSR_SYSENTER_CS, MSR_SYSENTER_EIP, MSR_SYSENTER_ESP};
use crate::cpu::flags;
use crate::cpu::state::{attr, gpr, SegReg, Segment};
use crate::cpu::Cpu;
use iced_x86::{Code, Instruction};

/// Attributes of the flat code segment SYSENTER/SYSEXIT load (type 11:
/// execute/read, accessed; S, P, D = 1, G = 1), without the DPL.
const FLAT_CODE: u16 =
    attr::G | attr::DB | attr::P | attr::S | attr::CODE | attr::RW | attr::ACCESSED;
/// Attributes of the flat stack segment (type 3: read/write, accessed;
/// S, P, B = 1, G = 1), without the DPL.
const FLAT_STACK: u16 = attr::G | attr::DB | attr::P | attr::S | attr::RW | attr::ACCESSED;

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.code() {
        Code::Sysenter => sysenter,
        Code::Sysexitd => sysexit,
        _ => return None,
    })
}

/// A flat 4-GiB segment with `attr` and privilege `dpl`.
fn flat(selector: u16, attrs: u16, dpl: u8) -> Segment {
    Segment {
        selector,
        base: 0,
        limit: 0xFFFF_FFFF,
        attr: attrs | (u16::from(dpl) << attr::DPL_SHIFT),
    }
}

/// IA32_SYSENTER_CS, or #GP(0) in real mode or when its selector is null.
fn sysenter_cs(cpu: &Cpu) -> ExResult<u16> {
    let cs = cpu.msr(MSR_SYSENTER_CS) as u16;
    if !cpu.state.protected() || cs & !3 == 0 {
        return Err(Exception::GeneralProtection(0));
    }
    Ok(cs)
}

fn sysenter(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let cs = sysenter_cs(cpu)? & !3;
    let esp = cpu.msr(MSR_SYSENTER_ESP) & 0xFFFF_FFFF;
    let eip = cpu.msr(MSR_SYSENTER_EIP) & 0xFFFF_FFFF;
    let s = &mut cpu.state;
    s.flags.set_masked(0, flags::VM | flags::IF | flags::RF);
    s.seg[SegReg::Cs as usize] = flat(cs, FLAT_CODE, 0);
    s.seg[SegReg::Ss as usize] = flat(cs.wrapping_add(8), FLAT_STACK, 0);
    s.cpl = 0;
    s.regs[gpr::RSP] = esp;
    s.rip = eip;
    Ok(())
}

fn sysexit(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let cs = sysenter_cs(cpu)?;
    if cpu.state.cpl != 0 || cpu.state.v86() {
        return Err(Exception::GeneralProtection(0));
    }
    let s = &mut cpu.state;
    s.seg[SegReg::Cs as usize] = flat(cs.wrapping_add(16) | 3, FLAT_CODE, 3);
    s.seg[SegReg::Ss as usize] = flat(cs.wrapping_add(24) | 3, FLAT_STACK, 3);
    s.cpl = 3;
    s.regs[gpr::RSP] = s.regs[gpr::RCX] & 0xFFFF_FFFF;
    s.rip = s.regs[gpr::RDX] & 0xFFFF_FFFF;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::exec::pm_fixture::*;
    use crate::cpu::exec::testutil::cpu_with;
    use crate::cpu::flags::{CF, IF, IOPL, RF, VM};
    use crate::cpu::CpuModel;

    const SYSENTER: [u8; 2] = [0x0F, 0x34];
    const SYSEXIT: [u8; 2] = [0x0F, 0x35];

    fn set_msrs(cpu: &mut Cpu, cs: u64) {
        cpu.set_msr(MSR_SYSENTER_CS, cs);
        cpu.set_msr(MSR_SYSENTER_ESP, 0x1_8000);
        cpu.set_msr(MSR_SYSENTER_EIP, 0x2_0000);
    }

    #[test]
    fn sysenter_from_ring3_and_sysexit_back() {
        let mut cpu = pm_cpu(3, &SYSENTER);
        set_msrs(&mut cpu, u64::from(CODE0));
        cpu.state
            .flags
            .set_masked(IF | RF | CF | IOPL, IF | RF | CF | IOPL);
        let ds = cpu.state.seg[SegReg::Ds as usize];
        assert_eq!(run_handler(&mut cpu), Ok(()));
        let s = &cpu.state;
        assert_eq!(s.seg[SegReg::Cs as usize], flat(CODE0, FLAT_CODE, 0));
        assert_eq!(s.seg[SegReg::Ss as usize], flat(DATA0, FLAT_STACK, 0));
        assert_eq!(s.seg[SegReg::Cs as usize].attr & 0xFF, 0x9B);
        assert_eq!(s.seg[SegReg::Ss as usize].attr & 0xFF, 0x93);
        assert_eq!((s.cpl, s.rip, s.regs[gpr::RSP]), (0, 0x2_0000, 0x1_8000));
        assert_eq!(
            s.flags.eflags() & (IF | RF | CF | IOPL),
            CF | IOPL,
            "IF and RF cleared"
        );
        assert_eq!(s.seg[SegReg::Ds as usize], ds, "data segments untouched");
        // sysexit with EDX = return EIP, ECX = return ESP.
        cpu.mem.write_bytes(0x2_0000, &SYSEXIT);
        cpu.state.regs[gpr::RDX] = u64::from(CODE_AT) + 2;
        cpu.state.regs[gpr::RCX] = 0x6000;
        assert_eq!(run_handler(&mut cpu), Ok(()));
        let s = &cpu.state;
        assert_eq!(s.seg[SegReg::Cs as usize], flat(CODE3, FLAT_CODE, 3));
        assert_eq!(s.seg[SegReg::Ss as usize], flat(DATA3, FLAT_STACK, 3));
        assert_eq!(s.seg[SegReg::Cs as usize].attr & 0xFF, 0xFB);
        assert_eq!(
            (s.cpl, s.rip, s.regs[gpr::RSP]),
            (3, u64::from(CODE_AT) + 2, 0x6000)
        );
        assert_eq!(
            s.flags.eflags() & (CF | IOPL),
            CF | IOPL,
            "SYSEXIT leaves EFLAGS alone"
        );
    }

    #[test]
    fn sysenter_from_v86_clears_vm() {
        let mut cpu = v86_cpu(0, &SYSENTER);
        set_msrs(&mut cpu, 0x0B); // RPL bits of the MSR are ignored
        assert_eq!(run_handler(&mut cpu), Ok(()));
        assert!(!cpu.state.v86());
        assert_eq!(cpu.state.flags.eflags() & VM, 0);
        assert_eq!(cpu.state.seg[SegReg::Cs as usize].selector, 0x08);
        assert_eq!(cpu.state.seg[SegReg::Ss as usize].selector, 0x10);
    }

    #[test]
    fn gp0_rules() {
        // (name, CPU, MSR CS, code)
        let real = |code: &[u8]| cpu_with(CpuModel::Pentium, code);
        let cases: [(&str, Cpu, u64); 7] = [
            ("sysenter in real mode", real(&SYSENTER), 0x08),
            ("sysexit in real mode", real(&SYSEXIT), 0x08),
            ("sysenter with SYSENTER_CS null", pm_cpu(3, &SYSENTER), 0x03),
            ("sysexit with SYSENTER_CS null", pm_cpu(0, &SYSEXIT), 0),
            ("sysexit at CPL 3", pm_cpu(3, &SYSEXIT), 0x08),
            ("sysexit at CPL 1", pm_cpu(1, &SYSEXIT), 0x08),
            ("sysexit in V86 mode", v86_cpu(3, &SYSEXIT), 0x08),
        ];
        for (name, mut cpu, cs) in cases {
            set_msrs(&mut cpu, cs);
            let before = cpu.state.clone();
            assert_eq!(
                run_handler(&mut cpu),
                Err(Exception::GeneralProtection(0)),
                "{name}"
            );
            assert_eq!(cpu.state, before, "{name}");
        }
        // The 80286 has neither instruction.
        for code in [SYSENTER, SYSEXIT] {
            let mut cpu = cpu_with(CpuModel::I80286, &code);
            assert_eq!(run_handler(&mut cpu), Err(Exception::InvalidOpcode));
        }
    }
}
