//! Instruction decoding: guest bytes → iced-x86 [`Instruction`] → a
//! [`DecodedInsn`] carrying its handler.
//!
//! Instructions are decoded at IP 0, so relative branch targets are stored
//! as offsets from the next instruction (`near_branch_target() -
//! next_ip()`): the same physical code may run at different CS:IP pairs.
//! What the emulated CPU does not support (later ISA extensions that iced
//! decodes, over-long instructions, bad LOCK prefixes) becomes #UD or #GP.

use super::exception::{ExResult, Exception};
use super::exec;
use super::model::CpuModel;
use super::state::SegReg;
use super::Cpu;
use iced_x86::{
    CpuidFeature, Decoder, DecoderError, DecoderOptions, Instruction, OpKind, Register,
};

/// An instruction handler. Both execution tiers call these.
pub type Handler = fn(&mut Cpu, &DecodedInsn) -> ExResult;

/// A decoded instruction, ready to execute.
#[derive(Clone, Debug)]
pub struct DecodedInsn {
    /// The decoded instruction (decoded at IP 0).
    pub insn: Instruction,
    /// Its handler.
    pub handler: Handler,
    /// Length in bytes.
    pub len: u8,
    /// Operand size in bytes (of operand 0 when it is a register or memory,
    /// else from the operand-size attribute).
    pub osize: u8,
    /// Address size in bytes (2 or 4; 8 in long mode later).
    pub asize: u8,
    /// Ends a basic block (control transfer or mode change).
    pub ends_block: bool,
    /// Where operands 0 and 1 live, resolved at decode time so operand
    /// access needs no iced-x86 accessor calls per execution.
    pub loc: [OpLoc; 2],
    /// General registers of operands 0 and 1 (meaningful where `loc` is
    /// [`OpLoc::Reg`]).
    pub reg: [GprRef; 2],
    /// Immediate of operand 1 (else operand 0) as iced-x86 gives it (see
    /// [`OpLoc::Imm`] and [`OpLoc::ImmSx`]); for a near relative branch,
    /// its displacement ([`DecodedInsn::rel`]).
    pub imm: u64,
    /// The memory operand, if any.
    pub mem: MemRef,
}

/// Where an operand lives ([`DecodedInsn::loc`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum OpLoc {
    /// A general register: [`DecodedInsn::reg`].
    Reg,
    /// The memory operand ([`DecodedInsn::mem`], `OpKind::Memory`).
    Mem,
    /// An immediate used as is ([`DecodedInsn::imm`]): Immediate8/16/32/64.
    Imm,
    /// A sign-extended immediate, masked to the access size when read.
    ImmSx,
    /// Anything else (segment/control registers, string memory, branch
    /// targets...): generic access through the iced-x86 instruction.
    Other,
}

/// A general register resolved to its slot in the register file: reads are
/// `(regs[idx] >> shift) & mask`, writes `(regs[idx] & keep) | ((v & mask)
/// << shift)`, as [`super::state::CpuState::get_reg`] / `set_reg` do (8- and
/// 16-bit writes merge, 32-bit writes zero-extend).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GprRef {
    pub mask: u64,
    pub keep: u64,
    pub idx: u8,
    pub shift: u8,
}

impl GprRef {
    /// The slot of general register `r` (`None` for other registers).
    pub fn of(r: Register) -> Option<GprRef> {
        let n = r as usize;
        let (idx, shift, mask, zero_extend) = match n {
            1..=4 => (n - 1, 0, 0xFF, false),
            5..=8 => (n - 5, 8, 0xFF, false),
            9..=20 => (n - 5, 0, 0xFF, false),
            21..=36 => (n - 21, 0, 0xFFFF, false),
            37..=52 => (n - 37, 0, 0xFFFF_FFFF, true),
            53..=68 => (n - 53, 0, u64::MAX, true),
            _ => return None,
        };
        Some(GprRef {
            mask,
            keep: if zero_extend { 0 } else { !(mask << shift) },
            idx: idx as u8,
            shift,
        })
    }

    /// Read the register.
    #[inline(always)]
    pub fn read(&self, regs: &[u64; 16]) -> u64 {
        (regs[usize::from(self.idx & 15)] >> self.shift) & self.mask
    }

    /// Write the register.
    #[inline(always)]
    pub fn write(&self, regs: &mut [u64; 16], v: u64) {
        let g = &mut regs[usize::from(self.idx & 15)];
        *g = (*g & self.keep) | ((v & self.mask) << self.shift);
    }
}

/// The memory operand resolved at decode time: the effective address is
/// `((regs[base] & base_mask) + ((regs[index] & index_mask) << scale) +
/// disp) & amask`; an absent base or index has a zero mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemRef {
    pub disp: u64,
    pub base_mask: u64,
    pub index_mask: u64,
    pub amask: u64,
    pub base: u8,
    pub index: u8,
    pub scale: u8,
    /// Segment (default or override).
    pub seg: SegReg,
    /// Base or index is not a general register (or there is no memory
    /// operand): compute the address from the iced-x86 instruction.
    pub generic: bool,
}

impl MemRef {
    const NONE: MemRef = MemRef {
        disp: 0,
        base_mask: 0,
        index_mask: 0,
        amask: 0,
        base: 0,
        index: 0,
        scale: 0,
        seg: SegReg::Ds,
        generic: true,
    };

    /// Effective address (offset in the segment).
    #[inline(always)]
    pub fn ea(&self, regs: &[u64; 16]) -> u64 {
        let b = regs[usize::from(self.base & 15)] & self.base_mask;
        let i = (regs[usize::from(self.index & 15)] & self.index_mask) << self.scale;
        b.wrapping_add(i).wrapping_add(self.disp) & self.amask
    }

    fn of(insn: &Instruction, amask: u64) -> MemRef {
        // String instructions' memory kinds have a segment but no ModR/M
        // address; their handlers ask for the segment only.
        let seg = SegReg::from_iced(insn.memory_segment()).unwrap_or(SegReg::Ds);
        let has_mem = (0..insn.op_count()).any(|i| insn.op_kind(i) == OpKind::Memory);
        if !has_mem {
            return MemRef {
                seg,
                ..MemRef::NONE
            };
        }
        let part = |r: Register| -> Option<(u8, u64)> {
            if r == Register::None {
                return Some((0, 0));
            }
            GprRef::of(r)
                .filter(|g| g.shift == 0)
                .map(|g| (g.idx, g.mask))
        };
        let (Some((base, base_mask)), Some((index, index_mask))) =
            (part(insn.memory_base()), part(insn.memory_index()))
        else {
            return MemRef {
                seg,
                ..MemRef::NONE
            };
        };
        MemRef {
            disp: insn.memory_displacement64(),
            base_mask,
            index_mask,
            amask,
            base,
            index,
            scale: insn.memory_index_scale().trailing_zeros() as u8,
            seg,
            generic: false,
        }
    }
}

/// Operand `n`'s location and register (the decode-time half of
/// [`Cpu::read_op`]).
fn op_loc(insn: &Instruction, n: u32) -> (OpLoc, GprRef) {
    if n >= insn.op_count() {
        return (OpLoc::Other, GprRef::default());
    }
    let loc = match insn.op_kind(n) {
        OpKind::Register => match GprRef::of(insn.op_register(n)) {
            Some(g) => return (OpLoc::Reg, g),
            None => OpLoc::Other,
        },
        OpKind::Memory => OpLoc::Mem,
        OpKind::Immediate8 | OpKind::Immediate16 | OpKind::Immediate32 | OpKind::Immediate64 => {
            OpLoc::Imm
        }
        OpKind::Immediate8to16
        | OpKind::Immediate8to32
        | OpKind::Immediate8to64
        | OpKind::Immediate32to64 => OpLoc::ImmSx,
        _ => OpLoc::Other,
    };
    (loc, GprRef::default())
}

impl DecodedInsn {
    /// Relative branch displacement (target − next IP), for near branches.
    #[inline]
    pub fn rel(&self) -> u64 {
        // Resolved by [`DecodedInsn::new`].
        self.imm
    }

    /// Operand size in bytes as u32.
    #[inline]
    pub fn os(&self) -> u32 {
        u32::from(self.osize)
    }

    /// Address-size mask.
    #[inline]
    pub fn amask(&self) -> u64 {
        amask_of(self.asize)
    }

    /// Wrap a decoded instruction: `handler`, sizes, and the operand
    /// locations resolved from `insn`.
    pub fn new(
        insn: Instruction,
        handler: Handler,
        osize: u8,
        asize: u8,
        ends_block: bool,
    ) -> Self {
        let (mut l0, r0) = op_loc(&insn, 0);
        let (l1, r1) = op_loc(&insn, 1);
        let is_imm = |l: OpLoc| matches!(l, OpLoc::Imm | OpLoc::ImmSx);
        let imm = if is_imm(l1) {
            if is_imm(l0) {
                // Only one immediate is kept: operand 0 goes the generic way.
                l0 = OpLoc::Other;
            }
            insn.immediate(1)
        } else if is_imm(l0) {
            insn.immediate(0)
        } else if matches!(
            insn.op0_kind(),
            OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64
        ) {
            // Relative branches: the displacement (see [`DecodedInsn::rel`]).
            insn.near_branch_target().wrapping_sub(insn.next_ip())
        } else {
            0
        };
        DecodedInsn {
            handler,
            len: insn.len() as u8,
            osize,
            asize,
            ends_block,
            loc: [l0, l1],
            reg: [r0, r1],
            imm,
            mem: MemRef::of(&insn, amask_of(asize)),
            insn,
        }
    }
}

fn amask_of(asize: u8) -> u64 {
    match asize {
        2 => 0xFFFF,
        4 => 0xFFFF_FFFF,
        _ => u64::MAX,
    }
}

/// Size in bytes of a general register, 0 for other registers.
#[inline]
pub fn reg_size(r: Register) -> u32 {
    match r as u32 {
        1..=20 => 1,
        21..=36 => 2,
        37..=52 => 4,
        53..=68 => 8,
        71..=76 => 2,
        _ => 0,
    }
}

fn operand_size(insn: &Instruction, bitness: u32, prefix66: bool) -> u8 {
    if insn.op_count() > 0 {
        match insn.op0_kind() {
            OpKind::Register => {
                let s = reg_size(insn.op0_register());
                if s != 0 {
                    // Segment registers as operand 0 (MOV Sreg, POP Sreg) take
                    // their size from operand 1 or the mode; handlers decide.
                    return s as u8;
                }
            }
            OpKind::Memory
            | OpKind::MemorySegSI
            | OpKind::MemorySegESI
            | OpKind::MemorySegRSI
            | OpKind::MemorySegDI
            | OpKind::MemorySegEDI
            | OpKind::MemorySegRDI
            | OpKind::MemoryESDI
            | OpKind::MemoryESEDI
            | OpKind::MemoryESRDI => {
                let s = insn.memory_size().size();
                if s != 0 && s <= 8 {
                    return s as u8;
                }
            }
            _ => {}
        }
    }
    // Fall back on the operand-size attribute.
    let mut o32 = bitness == 32;
    if prefix66 {
        o32 = !o32;
    }
    if o32 {
        4
    } else {
        2
    }
}

fn address_size(insn: &Instruction, bitness: u32, prefix67: bool) -> u8 {
    for i in 0..insn.op_count() {
        match insn.op_kind(i) {
            OpKind::Memory => {
                let b = insn.memory_base();
                let r = if b != Register::None && b != Register::EIP && b != Register::RIP {
                    b
                } else {
                    insn.memory_index()
                };
                if r != Register::None {
                    return reg_size(r) as u8;
                }
                return insn.memory_displ_size().clamp(2, 8) as u8;
            }
            OpKind::MemorySegSI | OpKind::MemorySegDI | OpKind::MemoryESDI => return 2,
            OpKind::MemorySegESI | OpKind::MemorySegEDI | OpKind::MemoryESEDI => return 4,
            OpKind::MemorySegRSI | OpKind::MemorySegRDI | OpKind::MemoryESRDI => return 8,
            _ => {}
        }
    }
    let mut a32 = bitness == 32;
    if prefix67 {
        a32 = !a32;
    }
    if a32 {
        4
    } else {
        2
    }
}

/// Whether the emulated CPU model has every feature the instruction needs.
fn supported(model: CpuModel, insn: &Instruction) -> bool {
    insn.cpuid_features().iter().all(|f| match f {
        CpuidFeature::INTEL8086 | CpuidFeature::INTEL8086_ONLY => true,
        CpuidFeature::INTEL186 | CpuidFeature::INTEL286 => model >= CpuModel::I80286,
        CpuidFeature::INTEL386 | CpuidFeature::INTEL486 => model >= CpuModel::Pentium,
        CpuidFeature::CPUID
        | CpuidFeature::TSC
        | CpuidFeature::MSR
        | CpuidFeature::CX8
        | CpuidFeature::CMOV
        | CpuidFeature::MULTIBYTENOP
        // SYSENTER/SYSEXIT (exec/sysenter.rs).
        | CpuidFeature::SEP
        // PAUSE is F3 90: a P5 executes it as REP NOP.
        | CpuidFeature::PAUSE
        // SSE/SSE2: XMM integer, moves, MXCSR (exec/sse_*.rs; partial,
        // unclaimed mnemonics stay #UD).
        | CpuidFeature::SSE
        | CpuidFeature::SSE2
        | CpuidFeature::CLFSH
        | CpuidFeature::MMX
        | CpuidFeature::FXSR
        // x87 (exec/x87; partial, unclaimed mnemonics stay #UD).
        | CpuidFeature::FPU
        | CpuidFeature::FPU287
        | CpuidFeature::FPU387 => model >= CpuModel::Pentium,
        _ => false,
    })
}

const PREFIXES: [u8; 11] = [
    0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3,
];

/// Length of the instruction in `bytes` once repeated prefixes are counted,
/// if it decodes without them (used to tell "too long" from "invalid").
fn length_with_repeated_prefixes(bytes: &[u8], bitness: u32) -> Option<usize> {
    let n = bytes.iter().take_while(|b| PREFIXES.contains(b)).count();
    if n == 0 {
        return None;
    }
    // Keep the last prefix of each byte value, in order.
    let mut kept: Vec<u8> = Vec::with_capacity(11);
    for &p in bytes[..n].iter().rev() {
        if !kept.contains(&p) {
            kept.insert(0, p);
        }
    }
    let mut buf = kept.clone();
    buf.extend_from_slice(&bytes[n..]);
    let mut d = Decoder::with_ip(bitness, &buf, 0, DecoderOptions::NONE);
    let i = d.decode();
    if i.is_invalid() {
        return None;
    }
    Some(i.len() - kept.len() + n)
}

impl Cpu {
    /// Fetch and decode the instruction at linear address `lin`.
    pub fn decode_at(&mut self, lin: u32) -> ExResult<DecodedInsn> {
        let bitness = if self.state.code32() { 32 } else { 16 };
        let mut bytes = [0u8; 15];
        let avail = self.fetch_code(lin, &mut bytes)?;
        // 8086/80286 encodings iced-x86 does not know (see legacy8086.rs).
        let legacy = super::legacy8086::prepare(self.model, &mut bytes)?;
        let (mut insn, needs_more) = {
            let mut d = Decoder::with_ip(bitness, &bytes[..avail], 0, legacy.options);
            let i = d.decode();
            (i, d.last_error() == DecoderError::NoMoreBytes)
        };
        if insn.is_invalid() && needs_more && avail < bytes.len() {
            // With paging, only the bytes up to the end of the first page
            // were fetched: the instruction goes on into the next page,
            // which is translated now (a #PF reports that page in CR2).
            self.fetch_code_next_page(lin, &mut bytes[avail..])?;
            insn = Decoder::with_ip(bitness, &bytes, 0, legacy.options).decode();
        }
        if insn.is_invalid() {
            let mut long = [0u8; 32];
            let n = self.fetch_code(lin, &mut long)?;
            if n < long.len() {
                // Bytes on a page that cannot be fetched stay 0 here: the
                // instruction is already known to be invalid or too long.
                let _ = self.fetch_code_next_page(lin, &mut long[n..]);
            }
            if let Some(len) = length_with_repeated_prefixes(&long, bitness) {
                if len > 15 {
                    return Err(Exception::GeneralProtection(0));
                }
            }
            return Err(Exception::InvalidOpcode);
        }
        if insn.len() > self.model.max_insn_len() {
            // Both the 286 (10 bytes; SingleStepTests hardware data shows
            // vector 13) and the 386+ (15 bytes) raise #GP(0).
            return Err(Exception::GeneralProtection(0));
        }
        if !supported(self.model, &insn) {
            return Err(Exception::InvalidOpcode);
        }
        let handler = match legacy.handler {
            Some(h) => h,
            None => exec::handler_for(&insn).ok_or(Exception::InvalidOpcode)?,
        };
        let prefixes = &bytes[..bytes.iter().take_while(|b| PREFIXES.contains(b)).count()];
        let osize = operand_size(&insn, bitness, prefixes.contains(&0x66));
        let asize = address_size(&insn, bitness, prefixes.contains(&0x67));
        let ends_block = exec::ends_block(&insn) || legacy.handler.is_some();
        Ok(DecodedInsn::new(insn, handler, osize, asize, ends_block))
    }

    /// Copy instruction bytes from `lin`; returns how many were fetched.
    /// Bytes past the end of the code segment or of mapped memory read as
    /// whatever the bus returns; iced-x86 decodes only what the instruction
    /// needs. With paging, fetching stops at the end of `lin`'s page (the
    /// next page is translated only if the instruction needs it, see
    /// [`Cpu::fetch_code_next_page`]), so a short instruction at the end of
    /// a page never faults on the following one.
    fn fetch_code(&mut self, lin: u32, out: &mut [u8]) -> ExResult<usize> {
        if self.model == CpuModel::I8086 {
            // IP wraps within the 64 KiB code segment.
            let base = self.state.seg[SegReg::Cs as usize].base;
            let ip = lin.wrapping_sub(base);
            for (i, b) in out.iter_mut().enumerate() {
                *b = self
                    .mem
                    .read_u8(base.wrapping_add(ip.wrapping_add(i as u32) & 0xFFFF));
            }
            return Ok(out.len());
        }
        if !self.paging_enabled() {
            self.mem.read_bytes(lin, out);
            return Ok(out.len());
        }
        let phys = self.translate(lin, super::access::Access::Execute)?;
        let n = out.len().min((0x1000 - (lin & 0xFFF)) as usize);
        self.mem.read_bytes(phys, &mut out[..n]);
        Ok(n)
    }

    /// Fetch the instruction bytes `rest` that follow the part of the
    /// instruction at `lin` lying in `lin`'s page: they start the next
    /// page, which is translated for execution.
    fn fetch_code_next_page(&mut self, lin: u32, rest: &mut [u8]) -> ExResult {
        let next = (lin | 0xFFF).wrapping_add(1);
        let phys = self.translate(next, super::access::Access::Execute)?;
        self.mem.read_bytes(phys, rest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(bitness: u32, bytes: &[u8]) -> Instruction {
        Decoder::with_ip(bitness, bytes, 0, DecoderOptions::NONE).decode()
    }

    #[test]
    fn sizes_from_operands_and_attributes() {
        // add [bx+si], ax
        let i = dec(16, &[0x01, 0x00]);
        assert_eq!(operand_size(&i, 16, false), 2);
        assert_eq!(address_size(&i, 16, false), 2);
        // 66 67 add [eax], eax in 16-bit code
        let i = dec(16, &[0x66, 0x67, 0x01, 0x00]);
        assert_eq!(operand_size(&i, 16, true), 4);
        assert_eq!(address_size(&i, 16, true), 4);
        // movsb (16-bit addressing)
        let i = dec(16, &[0xA4]);
        assert_eq!(address_size(&i, 16, false), 2);
        // jmp short: no operands of register/memory kind
        let i = dec(32, &[0xEB, 0x00]);
        assert_eq!(operand_size(&i, 32, false), 4);
        // push imm16 in 32-bit code with 66
        let i = dec(32, &[0x66, 0x6A, 0x01]);
        assert_eq!(operand_size(&i, 32, true), 2);
    }

    #[test]
    fn gpr_refs_match_the_register_file_views() {
        use crate::cpu::state::CpuState;
        for n in 0..=255u8 {
            let Some(r) = Register::values().find(|r| *r as u8 == n) else {
                continue;
            };
            let Some(g) = GprRef::of(r) else {
                assert!(
                    reg_size(r) == 0 || (71..=76).contains(&n),
                    "{r:?} is a general register"
                );
                continue;
            };
            let mut a = CpuState::default();
            for (i, v) in a.regs.iter_mut().enumerate() {
                *v = 0x0123_4567_89AB_CDEF_u64.rotate_left(8 * i as u32);
            }
            let mut b = a.clone();
            assert_eq!(g.read(&a.regs), a.get_reg(r), "{r:?} read");
            a.set_reg(r, 0xFEDC_BA98_7654_3210);
            g.write(&mut b.regs, 0xFEDC_BA98_7654_3210);
            assert_eq!(a.regs, b.regs, "{r:?} write");
        }
    }

    /// (bitness, bytes, address mask, base slot, index slot, scale, disp, segment)
    type MemOperandCase<'a> = (u32, &'a [u8], u64, u8, u8, u8, u64, SegReg);

    #[test]
    fn memory_operands_resolve_to_register_slots() {
        let cases: &[MemOperandCase] = &[
            // mov ax, [bp+di+0x10]
            (16, &[0x8B, 0x43, 0x10], 0xFFFF, 5, 7, 0, 0x10, SegReg::Ss),
            // mov eax, [esi+ebx*4-8]
            (
                32,
                &[0x8B, 0x44, 0x9E, 0xF8],
                0xFFFF_FFFF,
                6,
                3,
                2,
                0xFFFF_FFF8,
                SegReg::Ds,
            ),
            // mov eax, fs:[0x1234]
            (
                32,
                &[0x64, 0xA1, 0x34, 0x12, 0, 0],
                0,
                0,
                0,
                0,
                0x1234,
                SegReg::Fs,
            ),
        ];
        for &(bits, bytes, base_mask, base, index, scale, disp, seg) in cases {
            let insn = dec(bits, bytes);
            let m = MemRef::of(&insn, amask_of(if bits == 16 { 2 } else { 4 }));
            assert!(!m.generic, "{bytes:02x?}");
            assert_eq!(
                (m.base_mask, m.base, m.index, m.scale, m.disp, m.seg),
                (base_mask, base, index, scale, disp, seg),
                "{bytes:02x?}"
            );
        }
        // xlat: index AL.
        let m = MemRef::of(&dec(16, &[0xD7]), 0xFFFF);
        assert_eq!((m.index, m.index_mask, m.base), (0, 0xFF, 3));
    }

    #[test]
    fn too_long_is_told_from_invalid() {
        let mut b = vec![0x66u8; 14];
        b.extend_from_slice(&[0x01, 0xC0]); // 16 bytes: add eax, eax with 14 prefixes
        assert_eq!(length_with_repeated_prefixes(&b, 16), Some(16));
        assert_eq!(length_with_repeated_prefixes(&[0x0F, 0x0B], 16), None);
    }

    #[test]
    fn relative_targets_are_offsets() {
        // jmp short -2 (to itself)
        let i = dec(16, &[0xEB, 0xFE]);
        assert_eq!(
            i.near_branch_target().wrapping_sub(i.next_ip()) & 0xFFFF,
            0xFFFE
        );
        fn nop(_: &mut Cpu, _: &DecodedInsn) -> ExResult {
            Ok(())
        }
        // (bitness, bytes, displacement)
        for (bits, bytes, rel) in [
            (16, &[0xEB, 0xFE][..], 0xFFFF_FFFF_FFFF_FFFE_u64),
            (32, &[0x0F, 0x84, 0x00, 0x01, 0x00, 0x00], 0x100),
            (32, &[0xE8, 0xFB, 0xFF, 0xFF, 0xFF], (-5i64) as u64),
            (16, &[0xE2, 0x10], 0x10),
        ] {
            let d = DecodedInsn::new(dec(bits, bytes), nop, 4, 4, true);
            assert_eq!(d.rel(), rel, "{bytes:02x?}");
        }
    }
}
