//! Protected-mode descriptor instructions: LLDT, LTR, SLDT, STR, LAR,
//! LSL, VERR, VERW and ARPL (SDM Vol. 2 instruction pages; Vol. 3A §5.10
//! "pointer validation", §7.2.4 task register, §3.5.1 LDT).
//!
//! None of them exists in real-address or virtual-8086 mode (#UD there).
//! LLDT and LTR are privileged (#GP(0) at CPL > 0); the descriptor checks
//! themselves are [`Cpu::load_ldtr`] and [`Cpu::load_tr`] in
//! `cpu/segment.rs`.
//!
//! LAR, LSL, VERR and VERW never fault on the selector: they report in ZF
//! whether the descriptor is visible at max(CPL, RPL) (conforming code is
//! always visible) and of a type the instruction accepts, and change
//! nothing else when it is not. Like the CPU, they do not look at the P
//! flag and do not set the accessed bit.

use crate::cpu::decode::{reg_size, DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::flags::ZF;
use crate::cpu::segment::{sys_type, Descriptor, LoadCause};
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic, OpKind};

/// System-descriptor types LAR reports: TSSs, LDT, call and task gates
/// (bit n set = type n; SDM Vol. 2 LAR, "valid descriptor types").
const LAR_SYSTEM_TYPES: u16 = 1 << sys_type::TSS16_AVAILABLE
    | 1 << sys_type::LDT
    | 1 << sys_type::TSS16_BUSY
    | 1 << sys_type::CALL_GATE16
    | 1 << sys_type::TASK_GATE
    | 1 << sys_type::TSS32_AVAILABLE
    | 1 << sys_type::TSS32_BUSY
    | 1 << sys_type::CALL_GATE32;

/// System-descriptor types LSL reports: those with a limit (TSSs, LDT).
const LSL_SYSTEM_TYPES: u16 = 1 << sys_type::TSS16_AVAILABLE
    | 1 << sys_type::LDT
    | 1 << sys_type::TSS16_BUSY
    | 1 << sys_type::TSS32_AVAILABLE
    | 1 << sys_type::TSS32_BUSY;

/// The 80286 knows only the 16-bit system types (0–7).
const I286_SYSTEM_TYPES: u16 = 0x00FF;

/// Access-rights bits LAR returns with a 32-bit operand: type, S, DPL, P
/// (8–15) and AVL, L, D/B, G (20–23); bits 16–19 (limit) read as 0.
const LAR_MASK32: u64 = 0x00F0_FF00;
/// With a 16-bit operand: the access byte only.
const LAR_MASK16: u64 = 0xFF00;

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.mnemonic() {
        Mnemonic::Lldt => lldt,
        Mnemonic::Ltr => ltr,
        Mnemonic::Sldt => sldt,
        Mnemonic::Str => str_,
        Mnemonic::Lar => lar,
        Mnemonic::Lsl => lsl,
        Mnemonic::Verr => verify::<false>,
        Mnemonic::Verw => verify::<true>,
        Mnemonic::Arpl => arpl,
        _ => return None,
    })
}

/// #UD outside protected mode (real-address and virtual-8086 mode).
#[inline]
fn require_protected(cpu: &Cpu) -> ExResult {
    if !cpu.state.protected() || cpu.state.v86() {
        return Err(Exception::InvalidOpcode);
    }
    Ok(())
}

/// The 16-bit selector operand `n` (a 32-bit register source gives its
/// low word; memory is read as a word).
#[inline]
fn selector_operand(cpu: &mut Cpu, d: &DecodedInsn, n: u32) -> ExResult<u16> {
    if d.insn.op_kind(n) == OpKind::Register {
        return Ok(cpu.state.get_reg(d.insn.op_register(n)) as u16);
    }
    Ok(cpu.read_op(d, n, 2)? as u16)
}

/// Store a selector to operand 0: a word in memory; a register receives it
/// zero-extended to the register's size (P6 and later clear the upper
/// half; SDM leaves it undefined on the Pentium).
fn store_selector(cpu: &mut Cpu, d: &DecodedInsn, sel: u16) -> ExResult {
    let size = match d.insn.op0_kind() {
        OpKind::Register => reg_size(d.insn.op0_register()),
        _ => 2,
    };
    cpu.write_op(d, 0, size, u64::from(sel))
}

fn lldt(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    require_protected(cpu)?;
    cpu.require_cpl0()?;
    let sel = selector_operand(cpu, d, 0)?;
    cpu.load_ldtr(sel, LoadCause::Instruction)
}

fn ltr(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    require_protected(cpu)?;
    cpu.require_cpl0()?;
    let sel = selector_operand(cpu, d, 0)?;
    cpu.load_tr(sel)
}

fn sldt(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    require_protected(cpu)?;
    store_selector(cpu, d, cpu.state.ldtr.selector)
}

fn str_(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    require_protected(cpu)?;
    store_selector(cpu, d, cpu.state.tr.selector)
}

/// The descriptor for `sel` if LAR/LSL/VERR/VERW may see it: not null,
/// within its table, and (unless conforming code) DPL ≥ CPL and DPL ≥ RPL.
fn visible_descriptor(cpu: &mut Cpu, sel: u16) -> ExResult<Option<Descriptor>> {
    if sel & !3 == 0 {
        return Ok(None);
    }
    let Some(desc) = cpu.try_read_descriptor(sel)? else {
        return Ok(None);
    };
    let cpl = cpu.privilege_level();
    let rpl = (sel & 3) as u8;
    let visible = desc.is_conforming_code() || (desc.dpl() >= cpl && desc.dpl() >= rpl);
    Ok(visible.then_some(desc))
}

/// Whether a system descriptor of type `t` is in `types` for this model.
#[inline]
fn system_type_ok(cpu: &Cpu, t: u8, types: u16) -> bool {
    let types = if cpu.model.is_386_plus() {
        types
    } else {
        types & I286_SYSTEM_TYPES
    };
    (types >> t) & 1 != 0
}

/// LAR r, r/m16: access rights of the descriptor into r, ZF = 1; or ZF = 0
/// and r unchanged.
fn lar(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    require_protected(cpu)?;
    let sel = selector_operand(cpu, d, 1)?;
    let desc = visible_descriptor(cpu, sel)?.filter(|desc| match desc.system_type() {
        None => true,
        Some(t) => system_type_ok(cpu, t, LAR_SYSTEM_TYPES),
    });
    cpu.state.flags.set(ZF, desc.is_some());
    if let Some(desc) = desc {
        let mask = if d.os() == 2 { LAR_MASK16 } else { LAR_MASK32 };
        cpu.write_op(d, 0, d.os(), (desc.raw >> 32) & mask)?;
    }
    Ok(())
}

/// LSL r, r/m16: the byte-granular segment limit into r, ZF = 1; or ZF = 0
/// and r unchanged. A 16-bit destination receives the low word.
fn lsl(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    require_protected(cpu)?;
    let sel = selector_operand(cpu, d, 1)?;
    let desc = visible_descriptor(cpu, sel)?.filter(|desc| match desc.system_type() {
        None => true,
        Some(t) => system_type_ok(cpu, t, LSL_SYSTEM_TYPES),
    });
    cpu.state.flags.set(ZF, desc.is_some());
    if let Some(desc) = desc {
        let v = u64::from(desc.limit) & crate::cpu::state::size_mask(d.os());
        cpu.write_op(d, 0, d.os(), v)?;
    }
    Ok(())
}

/// VERR (`WRITE` = false) / VERW (`WRITE` = true): ZF = 1 if the segment
/// could be read (data or readable code) / written (writable data) at
/// the current privilege level with this selector's RPL.
fn verify<const WRITE: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    require_protected(cpu)?;
    let sel = selector_operand(cpu, d, 0)?;
    let ok = visible_descriptor(cpu, sel)?.is_some_and(|desc| {
        if WRITE {
            desc.is_writable_data()
        } else {
            desc.is_readable()
        }
    });
    cpu.state.flags.set(ZF, ok);
    Ok(())
}

/// ARPL r/m16, r16: if the destination selector's RPL is below the
/// source's, raise it to the source's and set ZF; else clear ZF and leave
/// the destination alone (a memory destination must still be writable).
fn arpl(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    require_protected(cpu)?;
    let (dest, loc) = cpu.read_rmw(d, 2)?;
    let src = cpu.state.get_reg(d.insn.op1_register());
    let adjust = dest & 3 < src & 3;
    cpu.state.flags.set(ZF, adjust);
    if adjust {
        // Only the RPL bits change (a 32-bit register form keeps the rest
        // of the register; memory receives a word).
        cpu.write_rmw(d, loc, 2, (dest & !3) | (src & 3))?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "protected_tests.rs"]
mod tests;
