//! Flag control: CLC, STC, CMC, CLD, STD, CLI, STI, LAHF, SAHF and the
//! undocumented SALC (SDM Vol. 1 §7.3.13; Vol. 2 instruction pages; CLI/STI
//! privilege rules and the VME/PVI virtual interrupt flag: Vol. 3A §20.3,
//! §20.4 and the CLI/STI decision tables).
//!
//! CLI/STI: in real mode always allowed. In protected mode they need
//! CPL ≤ IOPL; otherwise, at CPL 3 with CR4.PVI, they change VIF instead,
//! else #GP(0). In virtual-8086 mode they need IOPL = 3; otherwise, with
//! CR4.VME, they change VIF, else #GP(0). STI that changes VIF while VIP is
//! set raises #GP(0).
//!
//! STI opens a one-instruction interrupt shadow (`CpuState::int_shadow`)
//! when it changes IF from 0 to 1, so `STI; HLT` and `STI; RET` complete
//! before an interrupt is taken.

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::flags::{AF, CF, DF, IF, PF, SF, VIF, VIP, ZF};
use crate::cpu::state::gpr;
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic};

/// CR4.VME: virtual-8086 mode extensions (SDM Vol. 3A §2.5).
const CR4_VME: u64 = 1 << 0;
/// CR4.PVI: protected-mode virtual interrupts.
const CR4_PVI: u64 = 1 << 1;

/// Flags that LAHF reads and SAHF writes (the low byte of FLAGS).
const AH_FLAGS: u32 = SF | ZF | AF | PF | CF;

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.mnemonic() {
        Mnemonic::Clc => clc,
        Mnemonic::Stc => stc,
        Mnemonic::Cmc => cmc,
        Mnemonic::Cld => cld,
        Mnemonic::Std => std,
        Mnemonic::Cli => cli,
        Mnemonic::Sti => sti,
        Mnemonic::Lahf => lahf,
        Mnemonic::Sahf => sahf,
        Mnemonic::Salc => salc,
        _ => return None,
    })
}

fn clc(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    cpu.state.flags.set(CF, false);
    Ok(())
}

fn stc(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    cpu.state.flags.set(CF, true);
    Ok(())
}

fn cmc(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let cf = cpu.state.flags.cf();
    cpu.state.flags.set(CF, !cf);
    Ok(())
}

fn cld(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    cpu.state.flags.set(DF, false);
    Ok(())
}

fn std(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    cpu.state.flags.set(DF, true);
    Ok(())
}

/// Which flag CLI/STI may change at the current privilege, or #GP(0).
fn interrupt_flag_target(cpu: &Cpu) -> ExResult<u32> {
    let s = &cpu.state;
    if !s.protected() {
        return Ok(IF);
    }
    let iopl = s.flags.iopl();
    if s.v86() {
        if iopl == 3 {
            Ok(IF)
        } else if s.cr4 & CR4_VME != 0 {
            Ok(VIF)
        } else {
            Err(Exception::GeneralProtection(0))
        }
    } else if s.cpl <= iopl {
        Ok(IF)
    } else if s.cpl == 3 && s.cr4 & CR4_PVI != 0 {
        Ok(VIF)
    } else {
        Err(Exception::GeneralProtection(0))
    }
}

fn cli(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let flag = interrupt_flag_target(cpu)?;
    cpu.state.flags.set(flag, false);
    Ok(())
}

fn sti(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let flag = interrupt_flag_target(cpu)?;
    let f = &mut cpu.state.flags;
    if flag == VIF {
        if f.eflags() & VIP != 0 {
            return Err(Exception::GeneralProtection(0));
        }
    } else if !f.if_() {
        cpu.state.int_shadow = true;
    }
    cpu.state.flags.set(flag, true);
    Ok(())
}

/// LAHF: AH ← SF:ZF:0:AF:0:PF:1:CF.
fn lahf(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let v = (cpu.state.flags.eflags() & (AH_FLAGS | 0x02)) as u64;
    let ax = cpu.state.regs[gpr::RAX];
    cpu.state.regs[gpr::RAX] = (ax & !0xFF00) | (v << 8);
    Ok(())
}

/// SAHF: SF, ZF, AF, PF, CF ← AH.
fn sahf(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let ah = (cpu.state.regs[gpr::RAX] >> 8) as u32 & 0xFF;
    cpu.state.flags.set_masked(ah, AH_FLAGS);
    Ok(())
}

/// SALC (D6, undocumented): AL ← CF ? FF : 00; flags unchanged.
fn salc(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let v = if cpu.state.flags.cf() { 0xFF } else { 0 };
    cpu.state.set_gpr(gpr::RAX, 1, v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cpu::exception::{ExResult, Exception};
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::flags::*;
    use crate::cpu::state::cr0;
    use crate::cpu::{Cpu, CpuModel};

    /// Decode and run the handler at CS:IP, returning its result.
    fn exec_raw(cpu: &mut Cpu) -> ExResult {
        let d = cpu.decode_at(cpu.linear_ip())?;
        cpu.state.rip = cpu.state.rip.wrapping_add(u64::from(d.len)) & cpu.ip_mask();
        (d.handler)(cpu, &d)
    }

    #[test]
    fn flag_instructions_table() {
        // (name, code, flags before, flags after); FIXED1 is added to both.
        let cases: [(&str, &[u8], u32, u32); 12] = [
            ("clc", &[0xF8], CF | ZF, ZF),
            ("stc", &[0xF9], ZF, CF | ZF),
            ("cmc 1→0", &[0xF5], CF, 0),
            ("cmc 0→1", &[0xF5], SF, CF | SF),
            ("cld", &[0xFC], DF | CF, CF),
            ("std", &[0xFD], 0, DF),
            ("cli", &[0xFA], IF | CF, CF),
            ("sti", &[0xFB], 0, IF),
            ("sahf", &[0x9E], OF | DF, OF | DF | SF | AF | CF),
            ("sahf clears", &[0x9E], ARITH & !OF, PF | ZF),
            ("lahf leaves flags", &[0x9F], ZF | CF, ZF | CF),
            ("salc leaves flags", &[0xD6], CF | OF, CF | OF),
        ];
        for model in [CpuModel::I8086, CpuModel::I80286, CpuModel::Pentium] {
            for (name, code, before, after) in cases {
                let mut cpu = cpu_with(model, code);
                cpu.state.flags = Flags::from_bits(before | FIXED1);
                // AH for SAHF: SF | AF | CF set, bit 1 and bit 3/5 junk.
                cpu.state.regs[0] = 0xBB00;
                if name == "sahf clears" {
                    cpu.state.regs[0] = 0x4400;
                }
                step(&mut cpu);
                assert_eq!(cpu.state.rip, 0x101, "{name} ({model:?}): ran");
                assert_eq!(
                    cpu.state.flags.eflags(),
                    after | FIXED1,
                    "{name} ({model:?})"
                );
            }
        }
    }

    #[test]
    fn cmc_after_lazy_arithmetic() {
        // add al, 1 with AL = FF sets CF lazily; cmc then clears it.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x04, 0x01, 0xF5]);
        cpu.state.regs[0] = 0xFF;
        step(&mut cpu);
        step(&mut cpu);
        assert_eq!(cpu.state.flags.eflags() & ARITH, ZF | PF | AF);
    }

    #[test]
    fn lahf_and_salc() {
        // (flags, AX before, AX after LAHF)
        let lahf = [
            (CF | ZF, 0x1234, 0x4334),
            (SF | AF | PF | OF | DF, 0xFF00, 0x9600),
            (0, 0x00FF, 0x02FF),
        ];
        for (flags, ax, want) in lahf {
            let mut cpu = cpu_with(CpuModel::Pentium, &[0x9F]);
            cpu.state.flags = Flags::from_bits(flags);
            cpu.state.regs[0] = 0xABCD_0000 | ax;
            step(&mut cpu);
            assert_eq!(cpu.state.regs[0], 0xABCD_0000 | want, "lahf {flags:#x}");
        }
        for (cf, want) in [(true, 0x12FF), (false, 0x1200)] {
            let mut cpu = cpu_with(CpuModel::I8086, &[0xD6]);
            cpu.state.flags.set(CF, cf);
            cpu.state.regs[0] = 0x1234;
            step(&mut cpu);
            assert_eq!(cpu.state.regs[0], want, "salc cf={cf}");
        }
    }

    #[test]
    fn sti_opens_the_interrupt_shadow_only_when_enabling() {
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xFB]);
        step(&mut cpu);
        assert!(cpu.state.int_shadow);
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xFB]);
        cpu.state.flags.set(IF, true);
        step(&mut cpu);
        assert!(!cpu.state.int_shadow);
    }

    #[test]
    fn cli_sti_privilege() {
        // (name, v86, cpl, iopl, cr4, vip, result of CLI, of STI;
        //  Ok(flag) names the flag changed)
        type Case = (&'static str, bool, u8, u32, u64, bool, ExResult<u32>);
        let gp = Err(Exception::GeneralProtection(0));
        let cases: [Case; 9] = [
            ("pm cpl0 iopl0", false, 0, 0, 0, false, Ok(IF)),
            ("pm cpl3 iopl3", false, 3, 3, 0, false, Ok(IF)),
            ("pm cpl3 iopl0", false, 3, 0, 0, false, gp),
            ("pm cpl2 iopl1", false, 2, 1, 0, false, gp),
            ("pm cpl3 iopl0 pvi", false, 3, 0, 2, false, Ok(VIF)),
            ("v86 iopl3", true, 3, 3, 0, false, Ok(IF)),
            ("v86 iopl0", true, 3, 0, 0, false, gp),
            ("v86 iopl2 vme", true, 3, 2, 1, false, Ok(VIF)),
            ("v86 vme vip: sti faults", true, 3, 0, 1, true, Ok(VIF)),
        ];
        for (name, v86, cpl, iopl, cr4, vip, want) in cases {
            for (code, set) in [(0xFAu8, false), (0xFB, true)] {
                let mut cpu = cpu_with(CpuModel::Pentium, &[code]);
                cpu.state.cr0 |= cr0::PE;
                cpu.state.cr4 = cr4;
                cpu.state.cpl = cpl;
                let mut f = (iopl << 12) | if set { 0 } else { IF | VIF };
                if v86 {
                    f |= VM;
                }
                if vip {
                    f |= VIP;
                }
                cpu.state.flags.set_masked(f, IOPL | IF | VIF | VM | VIP);
                let r = exec_raw(&mut cpu);
                let want = match want {
                    Ok(_) if vip && set => gp,
                    w => w,
                };
                match want {
                    Ok(flag) => {
                        assert_eq!(r, Ok(()), "{name} {code:#x}");
                        let e = cpu.state.flags.eflags();
                        assert_eq!(e & flag != 0, set, "{name} {code:#x}: flag");
                        let other = if flag == IF { VIF } else { IF };
                        assert_eq!(e & other != 0, !set, "{name} {code:#x}: other flag");
                    }
                    Err(x) => {
                        assert_eq!(r, Err(x), "{name} {code:#x}");
                        let e = cpu.state.flags.eflags();
                        assert_eq!(e & (IF | VIF), f & (IF | VIF), "{name}: unchanged");
                    }
                }
            }
        }
    }
}
