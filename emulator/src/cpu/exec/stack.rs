//! Stack instructions: PUSH, POP (general registers, r/m, immediates,
//! segment registers), PUSHA/PUSHAD, POPA/POPAD, PUSHF/PUSHFD,
//! POPF/POPFD, ENTER, LEAVE (SDM Vol. 1 §6.2–6.5, §7.3.1.4; Vol. 2
//! instruction pages).
//!
//! The operand size of each push/pop comes from the instruction (iced's
//! code); the stack-pointer width (SP or ESP) from SS.B through
//! [`Cpu::push`]/[`Cpu::pop`]. Instructions that touch the stack several
//! times work on a copy of the stack pointer or restore it on a fault, so a
//! faulting instruction leaves the registers unchanged.

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::exec::control::FLAGS_LOW;
use crate::cpu::flags;
use crate::cpu::model::CpuModel;
use crate::cpu::state::{gpr, size_mask, SegReg};
use crate::cpu::Cpu;
use iced_x86::{Code, Instruction, Register};

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.code() {
        Code::Push_r16 | Code::Push_rm16 | Code::Push_imm16 | Code::Pushw_imm8 => push::<2>,
        Code::Push_r32 | Code::Push_rm32 | Code::Pushd_imm32 | Code::Pushd_imm8 => push::<4>,
        Code::Pushw_ES
        | Code::Pushw_CS
        | Code::Pushw_SS
        | Code::Pushw_DS
        | Code::Pushw_FS
        | Code::Pushw_GS => push_sreg::<2>,
        Code::Pushd_ES
        | Code::Pushd_CS
        | Code::Pushd_SS
        | Code::Pushd_DS
        | Code::Pushd_FS
        | Code::Pushd_GS => push_sreg::<4>,
        Code::Pop_r16 | Code::Pop_rm16 => pop::<2>,
        Code::Pop_r32 | Code::Pop_rm32 => pop::<4>,
        // POP CS (Popw_CS, 8086 opcode 0F) is not a valid instruction on the
        // emulated CPUs: unclaimed, so it raises #UD.
        Code::Popw_ES | Code::Popw_SS | Code::Popw_DS | Code::Popw_FS | Code::Popw_GS => {
            pop_sreg::<2>
        }
        Code::Popd_ES | Code::Popd_SS | Code::Popd_DS | Code::Popd_FS | Code::Popd_GS => {
            pop_sreg::<4>
        }
        Code::Pushaw => pusha::<2>,
        Code::Pushad => pusha::<4>,
        Code::Popaw => popa::<2>,
        Code::Popad => popa::<4>,
        Code::Pushfw => pushf::<2>,
        Code::Pushfd => pushf::<4>,
        Code::Popfw => popf::<2>,
        Code::Popfd => popf::<4>,
        Code::Enterw_imm16_imm8 => enter::<2>,
        Code::Enterd_imm16_imm8 => enter::<4>,
        Code::Leavew => leave::<2>,
        Code::Leaved => leave::<4>,
        _ => return None,
    })
}

/// PUSH r / r/m / imm. The operand is read before SP changes, so
/// `push sp` stores the old SP on the 286 and later and `push [esp]` reads
/// the old top of stack; the 8086 pushes SP after decrementing it.
fn push<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let mut v = cpu.read_op(d, 0, OS)?;
    if cpu.model == CpuModel::I8086 && Cpu::op_reg(d, 0) == Register::SP {
        v = v.wrapping_sub(2);
    }
    cpu.push(v & size_mask(OS), OS)
}

fn push_sreg<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    // A 32-bit push of a segment register stores the zero-extended
    // selector (the SDM allows this or a 16-bit write; ox86 zero-extends).
    let v = cpu.state.get_reg(d.insn.op0_register());
    cpu.push(v, OS)
}

/// POP r / r/m. SP is incremented before a memory destination's address is
/// computed (`pop [esp+4]` uses the new ESP), and restored if the write
/// faults. `pop sp`/`pop esp` loads the popped value.
fn pop<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let v = cpu.peek(0, OS)?;
    let old_sp = cpu.state.regs[gpr::RSP];
    cpu.release_stack(u64::from(OS));
    let r = cpu.write_op(d, 0, OS, v);
    if r.is_err() {
        cpu.state.regs[gpr::RSP] = old_sp;
    }
    r
}

/// POP Sreg. POP SS inhibits interrupts for one instruction
/// ([`Cpu::load_seg`] sets the shadow).
fn pop_sreg<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let Some(r) = SegReg::from_iced(d.insn.op0_register()) else {
        return Err(Exception::InvalidOpcode);
    };
    if r == SegReg::Cs {
        return Err(Exception::InvalidOpcode);
    }
    let v = cpu.peek(0, OS)? as u16;
    cpu.load_seg(r, v)?;
    cpu.release_stack(u64::from(OS));
    Ok(())
}

/// PUSHA/PUSHAD: AX CX DX BX (original) SP BP SI DI.
fn pusha<const OS: u32>(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let old_sp = cpu.state.regs[gpr::RSP];
    let regs = cpu.state.regs;
    for v in &regs[..8] {
        if let Err(e) = cpu.push(*v & size_mask(OS), OS) {
            cpu.state.regs[gpr::RSP] = old_sp;
            return Err(e);
        }
    }
    Ok(())
}

/// POPA/POPAD: DI SI BP (SP skipped) BX DX CX AX. All eight slots are read
/// before any register changes.
fn popa<const OS: u32>(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let mut vals = [0u64; 8];
    for (i, v) in vals.iter_mut().enumerate() {
        *v = cpu.peek(i as u64 * u64::from(OS), OS)?;
    }
    for (i, v) in vals.iter().enumerate() {
        let n = 7 - i;
        if n != gpr::RSP {
            cpu.state.set_gpr(n, OS, *v);
        }
    }
    cpu.release_stack(8 * u64::from(OS));
    Ok(())
}

/// Virtual-8086 mode without VME: PUSHF/POPF are IOPL-sensitive.
#[inline]
fn v86_iopl_check(cpu: &Cpu) -> ExResult {
    if cpu.state.v86() && cpu.state.flags.iopl() < 3 {
        return Err(Exception::GeneralProtection(0));
    }
    Ok(())
}

/// PUSHF/PUSHFD: the model's FLAGS image; PUSHFD stores VM and RF as 0.
fn pushf<const OS: u32>(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    v86_iopl_check(cpu)?;
    let image = cpu.flags_image() & !(flags::VM | flags::RF);
    cpu.push(u64::from(image), OS)
}

/// The EFLAGS bits POPF/POPFD may change (SDM Vol. 2 "POPF"): VIP, VIF and
/// VM never; RF is cleared by POPFD; IOPL only at CPL 0; IF only when
/// CPL <= IOPL; on the 8086 and in 80286 real mode IOPL and NT stay 0.
pub fn popf_mask(cpu: &Cpu, size: u32) -> u32 {
    let mut mask = FLAGS_LOW;
    if size == 4 {
        mask |= flags::RF | flags::AC | flags::ID;
    }
    let s = &cpu.state;
    if s.v86() {
        mask &= !flags::IOPL;
    } else if s.protected() && s.cpl > 0 {
        mask &= !flags::IOPL;
        if s.cpl > s.flags.iopl() {
            mask &= !flags::IF;
        }
    } else if !s.protected() && cpu.model < CpuModel::Pentium {
        mask &= !(flags::IOPL | flags::NT);
    }
    mask
}

fn popf<const OS: u32>(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    v86_iopl_check(cpu)?;
    let v = cpu.peek(0, OS)? as u32 & !flags::RF;
    let mask = popf_mask(cpu, OS);
    cpu.state.flags.set_masked(v, mask);
    cpu.release_stack(u64::from(OS));
    Ok(())
}

/// ENTER imm16, imm8 (SDM Vol. 2 "ENTER"): push BP, copy `level − 1`
/// frame pointers from the enclosing frame, push the new frame pointer,
/// then allocate `imm16` bytes. Everything is done on copies of SP and BP
/// and committed at the end, so a fault changes no register.
fn enter<const OS: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let alloc = u64::from(d.insn.immediate16());
    let level = d.insn.immediate8_2nd() % 32;
    let m = cpu.sp_mask();
    let osz = u64::from(OS);
    let mut sp = cpu.state.regs[gpr::RSP] & m;
    sp = sp.wrapping_sub(osz) & m;
    cpu.write_mem(SegReg::Ss, sp, OS, cpu.state.regs[gpr::RBP] & size_mask(OS))?;
    let frame = sp;
    if level > 0 {
        // The enclosing frame pointers are read through BP/EBP (stack
        // address size) stepping down by the operand size.
        let mut bp = cpu.state.regs[gpr::RBP] & m;
        for _ in 1..level {
            bp = bp.wrapping_sub(osz) & m;
            let v = cpu.read_mem(SegReg::Ss, bp, OS)?;
            sp = sp.wrapping_sub(osz) & m;
            cpu.write_mem(SegReg::Ss, sp, OS, v)?;
        }
        sp = sp.wrapping_sub(osz) & m;
        cpu.write_mem(SegReg::Ss, sp, OS, frame)?;
    }
    let new_sp = sp.wrapping_sub(alloc) & m;
    if alloc > 0 {
        // #SS(0) if the new stack top is outside the stack segment.
        cpu.check_write(SegReg::Ss, new_sp, 1)?;
    }
    cpu.state.set_gpr(gpr::RBP, OS, frame);
    let rsp = cpu.state.regs[gpr::RSP];
    cpu.state.regs[gpr::RSP] = (rsp & !m) | new_sp;
    Ok(())
}

/// LEAVE: SP/ESP ← BP/EBP (stack width), then pop BP/EBP (operand size).
fn leave<const OS: u32>(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let m = cpu.sp_mask();
    let bp = cpu.state.regs[gpr::RBP] & m;
    let v = cpu.read_mem(SegReg::Ss, bp, OS)?;
    let rsp = cpu.state.regs[gpr::RSP];
    cpu.state.regs[gpr::RSP] = (rsp & !m) | (bp.wrapping_add(u64::from(OS)) & m);
    cpu.state.set_gpr(gpr::RBP, OS, v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cpu::exception::{ExResult, Exception};
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::flags::{self, IF, IOPL, NT};
    use crate::cpu::state::{attr, cr0};
    use crate::cpu::{Cpu, CpuModel, SegReg};

    fn run_handler(cpu: &mut Cpu) -> ExResult {
        let d = cpu.decode_at(cpu.linear_ip())?;
        cpu.state.rip = cpu.state.rip.wrapping_add(u64::from(d.len)) & cpu.ip_mask();
        (d.handler)(cpu, &d)
    }

    /// A push: registers set, then SP and the pushed value.
    struct PushCase {
        name: &'static str,
        model: CpuModel,
        code: &'static [u8],
        eax: u64,
        sp: u64,
        sp_out: u64,
        size: u32,
        value: u64,
    }

    #[test]
    fn pushes() {
        let cases = [
            PushCase {
                name: "push ax",
                model: CpuModel::Pentium,
                code: &[0x50],
                eax: 0x1234_5678,
                sp: 0x1000,
                sp_out: 0x0FFE,
                size: 2,
                value: 0x5678,
            },
            PushCase {
                name: "66 push eax",
                model: CpuModel::Pentium,
                code: &[0x66, 0x50],
                eax: 0x1234_5678,
                sp: 0x1000,
                sp_out: 0x0FFC,
                size: 4,
                value: 0x1234_5678,
            },
            PushCase {
                name: "push imm8 sign-extended",
                model: CpuModel::Pentium,
                code: &[0x6A, 0x80],
                eax: 0,
                sp: 0x1000,
                sp_out: 0x0FFE,
                size: 2,
                value: 0xFF80,
            },
            PushCase {
                name: "66 push imm8 sign-extended to 32",
                model: CpuModel::Pentium,
                code: &[0x66, 0x6A, 0x80],
                eax: 0,
                sp: 0x1000,
                sp_out: 0x0FFC,
                size: 4,
                value: 0xFFFF_FF80,
            },
            PushCase {
                name: "66 push imm32",
                model: CpuModel::Pentium,
                code: &[0x66, 0x68, 0x78, 0x56, 0x34, 0x12],
                eax: 0,
                sp: 0x1000,
                sp_out: 0x0FFC,
                size: 4,
                value: 0x1234_5678,
            },
            PushCase {
                name: "push [0x2000]",
                model: CpuModel::Pentium,
                code: &[0xFF, 0x36, 0x00, 0x20],
                eax: 0,
                sp: 0x1000,
                sp_out: 0x0FFE,
                size: 2,
                value: 0xBEEF,
            },
            PushCase {
                name: "push sp (286+: old value)",
                model: CpuModel::I80286,
                code: &[0x54],
                eax: 0,
                sp: 0x1000,
                sp_out: 0x0FFE,
                size: 2,
                value: 0x1000,
            },
            PushCase {
                name: "push sp (8086: new value)",
                model: CpuModel::I8086,
                code: &[0x54],
                eax: 0,
                sp: 0x1000,
                sp_out: 0x0FFE,
                size: 2,
                value: 0x0FFE,
            },
            PushCase {
                name: "push cs",
                model: CpuModel::Pentium,
                code: &[0x0E],
                eax: 0,
                sp: 0x1000,
                sp_out: 0x0FFE,
                size: 2,
                value: 0x0000,
            },
            PushCase {
                name: "66 push ds",
                model: CpuModel::Pentium,
                code: &[0x66, 0x1E],
                eax: 0,
                sp: 0x1000,
                sp_out: 0x0FFC,
                size: 4,
                value: 0x0000_0000,
            },
            PushCase {
                name: "push wraps SP",
                model: CpuModel::Pentium,
                code: &[0x50],
                eax: 0xAAAA,
                sp: 0x0000,
                sp_out: 0xFFFE,
                size: 2,
                value: 0xAAAA,
            },
        ];
        for c in &cases {
            let mut cpu = cpu_with(c.model, c.code);
            cpu.state.regs[0] = c.eax;
            cpu.state.regs[4] = c.sp;
            cpu.mem.write(0x2000, 2, 0xBEEF);
            // Pre-fill the slot so that a zero value is really written.
            cpu.mem.write(c.sp_out as u32, 4, 0xDDDD_DDDD);
            step(&mut cpu);
            assert_eq!(cpu.state.regs[4], c.sp_out, "{}: sp", c.name);
            assert_eq!(
                cpu.mem.read(c.sp_out as u32, c.size),
                c.value,
                "{}: value",
                c.name
            );
            assert_eq!(cpu.state.rip, 0x100 + c.code.len() as u64, "{}", c.name);
        }
    }

    #[test]
    fn operand_sizes_in_32bit_code_on_a_32bit_stack() {
        // (name, code, ESP out, bytes pushed at ESP out, value)
        #[rustfmt::skip]
        let cases: [(&str, &[u8], u64, u32, u64); 8] = [
            ("push eax", &[0x50], 0x1_FFFC, 4, 0x8765_4321),
            ("66 push ax", &[0x66, 0x50], 0x1_FFFE, 2, 0x4321),
            ("push imm8", &[0x6A, 0x80], 0x1_FFFC, 4, 0xFFFF_FF80),
            ("66 push imm8", &[0x66, 0x6A, 0x80], 0x1_FFFE, 2, 0xFF80),
            ("pushfd", &[0x9C], 0x1_FFFC, 4, 0x0000_0002),
            ("66 pushf", &[0x66, 0x9C], 0x1_FFFE, 2, 0x0002),
            ("pushad: EDI last", &[0x60], 0x1_FFE0, 4, 0x0000_0007),
            ("66 pusha: DI last", &[0x66, 0x60], 0x1_FFF0, 2, 0x0007),
        ];
        for (name, code, esp, size, value) in cases {
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            cpu.state.seg[SegReg::Cs as usize].attr |= attr::DB;
            cpu.state.seg[SegReg::Ss as usize].attr |= attr::DB;
            cpu.state.seg[SegReg::Ss as usize].limit = 0xF_FFFF;
            cpu.state.regs[0] = 0x8765_4321;
            cpu.state.regs[7] = 7;
            cpu.state.regs[4] = 0x2_0000;
            cpu.mem.write(esp as u32, 4, 0xDDDD_DDDD);
            step(&mut cpu);
            assert_eq!(cpu.state.regs[4], esp, "{name}: esp");
            assert_eq!(cpu.mem.read(esp as u32, size), value, "{name}: value");
        }
        // 66 pop ax ; pop ebx ; 66 leave ; leave on the 32-bit stack.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x66, 0x58, 0x5B, 0x66, 0xC9, 0xC9]);
        cpu.state.seg[SegReg::Cs as usize].attr |= attr::DB;
        cpu.state.seg[SegReg::Ss as usize].attr |= attr::DB;
        cpu.state.seg[SegReg::Ss as usize].limit = 0xF_FFFF;
        cpu.state.regs[0] = 0xAAAA_AAAA;
        cpu.state.regs[4] = 0x2_0000;
        cpu.mem.write(0x2_0000, 2, 0x1234);
        cpu.mem.write(0x2_0002, 4, 0x5678_9ABC);
        step(&mut cpu);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[0], 0xAAAA_1234);
        assert_eq!(cpu.state.regs[3], 0x5678_9ABC);
        assert_eq!(cpu.state.regs[4], 0x2_0006);
        cpu.state.regs[5] = 0x3_0000;
        cpu.mem.write(0x3_0000, 4, 0x4_0000);
        step(&mut cpu);
        assert_eq!(
            cpu.state.regs[4], 0x3_0002,
            "ESP <- EBP, then a word popped"
        );
        assert_eq!(cpu.state.regs[5], 0x3_0000, "BP <- 0000, upper EBP kept");
        step(&mut cpu);
        assert_eq!(cpu.state.regs[4], 0x3_0004);
        assert_eq!(cpu.state.regs[5], 0x4_0000, "EBP <- dword");
    }

    #[test]
    fn pops() {
        // pop ax / 66 pop eax / pop [bx] / pop sp / pop ds / 66 pop es
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x58]);
        cpu.state.regs[0] = 0xFFFF_FFFF;
        cpu.state.regs[4] = 0x0FFE;
        cpu.mem.write(0x0FFE, 2, 0x1234);
        step(&mut cpu);
        assert_eq!(
            (cpu.state.regs[0], cpu.state.regs[4]),
            (0xFFFF_1234, 0x1000)
        );

        let mut cpu = cpu_with(CpuModel::Pentium, &[0x66, 0x58]);
        cpu.state.regs[4] = 0x0FFC;
        cpu.mem.write(0x0FFC, 4, 0x8765_4321);
        step(&mut cpu);
        assert_eq!(
            (cpu.state.regs[0], cpu.state.regs[4]),
            (0x8765_4321, 0x1000)
        );

        let mut cpu = cpu_with(CpuModel::Pentium, &[0x8F, 0x07]);
        cpu.state.regs[3] = 0x2000;
        cpu.state.regs[4] = 0x0FFE;
        cpu.mem.write(0x0FFE, 2, 0x5555);
        step(&mut cpu);
        assert_eq!(cpu.mem.read(0x2000, 2), 0x5555);
        assert_eq!(cpu.state.regs[4], 0x1000);

        let mut cpu = cpu_with(CpuModel::Pentium, &[0x5C]);
        cpu.state.regs[4] = 0x0FFE;
        cpu.mem.write(0x0FFE, 2, 0x4444);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[4], 0x4444, "pop sp loads the popped value");

        let mut cpu = cpu_with(CpuModel::Pentium, &[0x1F]);
        cpu.state.regs[4] = 0x0FFE;
        cpu.mem.write(0x0FFE, 2, 0x1234);
        step(&mut cpu);
        let ds = cpu.state.seg[SegReg::Ds as usize];
        assert_eq!((ds.selector, ds.base), (0x1234, 0x12340));
        assert_eq!(cpu.state.regs[4], 0x1000);

        let mut cpu = cpu_with(CpuModel::Pentium, &[0x66, 0x07]);
        cpu.state.regs[4] = 0x0FFC;
        cpu.mem.write(0x0FFC, 4, 0xFFFF_0100);
        step(&mut cpu);
        assert_eq!(cpu.state.seg[SegReg::Es as usize].selector, 0x0100);
        assert_eq!(cpu.state.regs[4], 0x1000);
    }

    #[test]
    fn pop_ss_sets_interrupt_shadow_and_pop_mem_uses_new_esp() {
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x17]);
        cpu.state.regs[4] = 0x0FFE;
        cpu.mem.write(0x0FFE, 2, 0x0200);
        cpu.state.int_shadow = false;
        assert_eq!(run_handler(&mut cpu), Ok(()));
        assert!(cpu.state.int_shadow);
        assert_eq!(cpu.state.seg[SegReg::Ss as usize].base, 0x2000);
        // 66 67 pop dword [esp]: the address uses ESP after the increment.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x66, 0x67, 0x8F, 0x04, 0x24]);
        cpu.state.regs[4] = 0x0FFC;
        cpu.mem.write(0x0FFC, 4, 0xCAFE_F00D);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[4], 0x1000);
        assert_eq!(cpu.mem.read(0x1000, 4), 0xCAFE_F00D);
    }

    #[test]
    fn pop_to_faulting_memory_restores_sp() {
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x8F, 0x07]);
        cpu.state.regs[3] = 0xFFFF; // word at DS:FFFF crosses the limit
        cpu.state.regs[4] = 0x0FFE;
        assert_eq!(run_handler(&mut cpu), Err(Exception::GeneralProtection(0)));
        assert_eq!(cpu.state.regs[4], 0x0FFE);
    }

    #[test]
    fn pusha_popa_round_trip() {
        for (code, size) in [(&[0x60u8, 0x61][..], 2u64), (&[0x66, 0x60, 0x66, 0x61], 4)] {
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            let init = [
                0x1111_0000u64,
                0x2222_0001,
                0x3333_0002,
                0x4444_0003,
                0x1000,
                0x6666_0005,
                0x7777_0006,
                0x8888_0007,
            ];
            cpu.state.regs[..8].copy_from_slice(&init);
            step(&mut cpu);
            let sp = 0x1000 - 8 * size;
            assert_eq!(cpu.state.regs[4], sp);
            // Stack holds DI at the lowest address, AX at the highest,
            // and the SP value from before the instruction.
            let m = if size == 2 { 0xFFFF } else { 0xFFFF_FFFF };
            for (i, v) in init.iter().enumerate() {
                let addr = (0x1000 - (i as u64 + 1) * size) as u32;
                assert_eq!(cpu.mem.read(addr, size as u32), v & m, "slot {i}");
            }
            // Clobber everything, including the saved SP slot, then POPA.
            for r in 0..8 {
                if r != 4 {
                    cpu.state.regs[r] = 0xDEAD_BEEF;
                }
            }
            cpu.mem
                .write((0x1000 - 5 * size) as u32, size as u32, 0x9999);
            step(&mut cpu);
            assert_eq!(cpu.state.regs[4], 0x1000, "SP value skipped");
            for r in [0, 1, 2, 3, 5, 6, 7] {
                let want = if size == 2 {
                    (0xDEAD_0000) | (init[r] & 0xFFFF)
                } else {
                    init[r]
                };
                assert_eq!(cpu.state.regs[r], want, "reg {r} size {size}");
            }
        }
    }

    #[test]
    fn pusha_fault_restores_sp() {
        // SS limit 0x0FFF, SP = 0x0008: the later pushes wrap to FFFx.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x60]);
        cpu.state.seg[SegReg::Ss as usize].limit = 0x0FFF;
        cpu.state.regs[4] = 0x0008;
        assert_eq!(run_handler(&mut cpu), Err(Exception::StackFault(0)));
        assert_eq!(cpu.state.regs[4], 0x0008);
    }

    #[test]
    fn pushf_images_per_model() {
        // (model, prefix 66?, EFLAGS set, pushed value)
        let cases = [
            (CpuModel::I8086, false, 0x0000_0002u32, 0xF002u64),
            (CpuModel::I80286, false, 0x0000_7002, 0x0002),
            (CpuModel::Pentium, false, 0x0000_7202, 0x7202),
            (CpuModel::Pentium, true, 0x0025_0202, 0x0024_0202),
        ];
        for (model, o32, eflags, want) in cases {
            let code: &[u8] = if o32 { &[0x66, 0x9C] } else { &[0x9C] };
            let mut cpu = cpu_with(model, code);
            cpu.state.flags.set_masked(eflags, u32::MAX);
            cpu.state.regs[4] = 0x1000;
            step(&mut cpu);
            let size = if o32 { 4 } else { 2 };
            assert_eq!(cpu.state.regs[4], 0x1000 - u64::from(size));
            assert_eq!(
                cpu.mem.read(0x1000 - size, size),
                want,
                "{model:?} o32={o32}"
            );
        }
    }

    /// POPF rules: what a popped all-ones value leaves in EFLAGS.
    struct PopfCase {
        name: &'static str,
        model: CpuModel,
        o32: bool,
        protected: bool,
        cpl: u8,
        iopl: u32,
        want: u32,
    }

    #[test]
    fn popf_bit_rules() {
        let cases = [
            PopfCase {
                name: "8086: IOPL/NT stay clear",
                model: CpuModel::I8086,
                o32: false,
                protected: false,
                cpl: 0,
                iopl: 0,
                want: 0x0FD7,
            },
            PopfCase {
                name: "286 real mode: IOPL/NT cannot be set",
                model: CpuModel::I80286,
                o32: false,
                protected: false,
                cpl: 0,
                iopl: 0,
                want: 0x0FD7,
            },
            PopfCase {
                name: "Pentium real mode: all low 16",
                model: CpuModel::Pentium,
                o32: false,
                protected: false,
                cpl: 0,
                iopl: 0,
                want: 0x7FD7,
            },
            PopfCase {
                name: "Pentium real mode POPFD: no VM/RF/VIF/VIP",
                model: CpuModel::Pentium,
                o32: true,
                protected: false,
                cpl: 0,
                iopl: 0,
                want: 0x0024_7FD7,
            },
            PopfCase {
                name: "protected CPL 0",
                model: CpuModel::Pentium,
                o32: true,
                protected: true,
                cpl: 0,
                iopl: 0,
                want: 0x0024_7FD7,
            },
            PopfCase {
                name: "protected CPL 3, IOPL 0: IF and IOPL kept",
                model: CpuModel::Pentium,
                o32: true,
                protected: true,
                cpl: 3,
                iopl: 0,
                want: 0x0024_4DD7,
            },
            PopfCase {
                name: "protected CPL 3, IOPL 3: IF changes, IOPL kept",
                model: CpuModel::Pentium,
                o32: false,
                protected: true,
                cpl: 3,
                iopl: 3,
                want: 0x7FD7,
            },
            PopfCase {
                name: "protected CPL 1, IOPL 2",
                model: CpuModel::Pentium,
                o32: false,
                protected: true,
                cpl: 1,
                iopl: 2,
                want: 0x6FD7,
            },
        ];
        for c in &cases {
            let code: &[u8] = if c.o32 { &[0x66, 0x9D] } else { &[0x9D] };
            let mut cpu = cpu_with(c.model, code);
            cpu.state.flags.set_masked(c.iopl << 12, IOPL | IF | NT);
            if c.protected {
                cpu.state.cr0 |= cr0::PE;
                cpu.state.cpl = c.cpl;
                cpu.state.seg[SegReg::Ss as usize].attr |= u16::from(c.cpl) << attr::DPL_SHIFT;
            }
            cpu.state.regs[4] = 0x1000;
            cpu.mem.write(0x1000, 4, 0xFFFF_FFFF);
            assert_eq!(run_handler(&mut cpu), Ok(()), "{}", c.name);
            assert_eq!(cpu.state.flags.eflags(), c.want, "{}", c.name);
            let size = if c.o32 { 4 } else { 2 };
            assert_eq!(cpu.state.regs[4], 0x1000 + size, "{}", c.name);
        }
    }

    #[test]
    fn pushf_popf_in_v86_need_iopl3() {
        for code in [&[0x9Cu8][..], &[0x9D]] {
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            cpu.state.cr0 |= cr0::PE;
            cpu.state.flags.set_masked(flags::VM, flags::VM | IOPL);
            cpu.state.regs[4] = 0x1000;
            assert_eq!(run_handler(&mut cpu), Err(Exception::GeneralProtection(0)));
            assert_eq!(cpu.state.regs[4], 0x1000);
        }
    }

    #[test]
    fn enter_leave_nesting_level_3() {
        // enter 4, 3 ; leave   (16-bit)
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xC8, 0x04, 0x00, 0x03, 0xC9]);
        cpu.state.regs[4] = 0x1000;
        cpu.state.regs[5] = 0x2000;
        cpu.mem.write(0x1FFE, 2, 0x1111);
        cpu.mem.write(0x1FFC, 2, 0x2222);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[5], 0x0FFE, "BP = frame");
        assert_eq!(
            cpu.state.regs[4], 0x0FF4,
            "SP = frame - 2 copies - frame ptr - 4"
        );
        let stack: Vec<u64> = (0..4).map(|i| cpu.mem.read(0x0FFE - 2 * i, 2)).collect();
        assert_eq!(stack, [0x2000, 0x1111, 0x2222, 0x0FFE]);
        step(&mut cpu);
        assert_eq!((cpu.state.regs[4], cpu.state.regs[5]), (0x1000, 0x2000));

        // 66 enter 8, 3 ; 66 leave  (32-bit operands on a 16-bit stack)
        let mut cpu = cpu_with(
            CpuModel::Pentium,
            &[0x66, 0xC8, 0x08, 0x00, 0x03, 0x66, 0xC9],
        );
        cpu.state.regs[4] = 0x1000;
        cpu.state.regs[5] = 0xABCD_2000;
        cpu.mem.write(0x1FFC, 4, 0x1111_1111);
        cpu.mem.write(0x1FF8, 4, 0x2222_2222);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[5], 0x0FFC);
        assert_eq!(cpu.state.regs[4], 0x0FF0 - 8);
        let stack: Vec<u64> = (0..4).map(|i| cpu.mem.read(0x0FFC - 4 * i, 4)).collect();
        assert_eq!(stack, [0xABCD_2000, 0x1111_1111, 0x2222_2222, 0x0FFC]);
        step(&mut cpu);
        assert_eq!(
            (cpu.state.regs[4], cpu.state.regs[5]),
            (0x1000, 0xABCD_2000)
        );

        // enter 0x10, 0: push BP, BP = SP, allocate.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xC8, 0x10, 0x00, 0x00]);
        cpu.state.regs[4] = 0x1000;
        cpu.state.regs[5] = 0x1234;
        step(&mut cpu);
        assert_eq!((cpu.state.regs[4], cpu.state.regs[5]), (0x0FEE, 0x0FFE));
        assert_eq!(cpu.mem.read(0x0FFE, 2), 0x1234);
    }

    #[test]
    fn enter_on_32bit_stack_and_fault_leaves_registers() {
        // 32-bit stack (SS.B): enter 0, 2 uses ESP/EBP in full.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x66, 0xC8, 0x00, 0x00, 0x02]);
        cpu.state.seg[SegReg::Ss as usize].attr |= attr::DB;
        cpu.state.seg[SegReg::Ss as usize].limit = 0xF_FFFF;
        cpu.state.regs[4] = 0x2_0000;
        cpu.state.regs[5] = 0x3_0000;
        cpu.mem.write(0x2_FFFC, 4, 0x7777);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[5], 0x1_FFFC);
        assert_eq!(cpu.state.regs[4], 0x1_FFF4);
        assert_eq!(cpu.mem.read(0x1_FFF8, 4), 0x7777);
        assert_eq!(cpu.mem.read(0x1_FFF4, 4), 0x1_FFFC);
        // Allocation beyond the stack segment: #SS(0), nothing changed.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xC8, 0x00, 0x20, 0x00]);
        cpu.state.seg[SegReg::Ss as usize].limit = 0x7FFF;
        cpu.state.regs[4] = 0x1000;
        cpu.state.regs[5] = 0x5555;
        assert_eq!(run_handler(&mut cpu), Err(Exception::StackFault(0)));
        assert_eq!((cpu.state.regs[4], cpu.state.regs[5]), (0x1000, 0x5555));
    }
}
