//! Generic operand access over iced-x86 operand kinds (register, memory,
//! immediate), so most handlers are a few lines: read operands, compute,
//! write operand 0 (SDM Vol. 1 §3.7 operand addressing).

use super::decode::{reg_size, DecodedInsn, OpLoc};
use super::exception::ExResult;
use super::state::SegReg;
use super::Cpu;
use iced_x86::{OpKind, Register};

impl Cpu {
    /// Effective address (offset) of the memory operand, masked to the
    /// address size.
    #[inline(always)]
    pub fn ea(&self, d: &DecodedInsn) -> u64 {
        if d.mem.generic {
            return self.ea_generic(d);
        }
        d.mem.ea(&self.state.regs)
    }

    /// [`Cpu::ea`] from the iced-x86 instruction (a base or index that is
    /// not a general register).
    #[cold]
    #[inline(never)]
    fn ea_generic(&self, d: &DecodedInsn) -> u64 {
        let i = &d.insn;
        let base = self.state.get_reg(i.memory_base());
        let index = self.state.get_reg(i.memory_index()) * u64::from(i.memory_index_scale());
        base.wrapping_add(index)
            .wrapping_add(i.memory_displacement64())
            & d.amask()
    }

    /// Segment of the memory operand (default or override).
    #[inline(always)]
    pub fn mem_seg(&self, d: &DecodedInsn) -> SegReg {
        d.mem.seg
    }

    /// Read operand `n` of `size` bytes (immediates are sign-extended as
    /// iced-x86 decodes them, then masked).
    #[inline(always)]
    pub fn read_op(&mut self, d: &DecodedInsn, n: u32, size: u32) -> ExResult<u64> {
        if n < 2 {
            match d.loc[n as usize] {
                OpLoc::Reg => return Ok(d.reg[n as usize].read(&self.state.regs)),
                OpLoc::Imm => return Ok(d.imm),
                _ => {}
            }
        }
        self.read_op_slow(d, n, size)
    }

    #[inline(never)]
    fn read_op_slow(&mut self, d: &DecodedInsn, n: u32, size: u32) -> ExResult<u64> {
        if n < 2 {
            match d.loc[n as usize] {
                OpLoc::Reg => return Ok(d.reg[n as usize].read(&self.state.regs)),
                OpLoc::Mem => {
                    let off = self.ea(d);
                    return self.read_mem(d.mem.seg, off, size);
                }
                OpLoc::Imm => return Ok(d.imm),
                OpLoc::ImmSx => return Ok(d.imm & super::state::size_mask(size)),
                OpLoc::Other => {}
            }
        }
        let i = &d.insn;
        let m = super::state::size_mask(size);
        match i.op_kind(n) {
            OpKind::Register => Ok(self.state.get_reg(i.op_register(n))),
            OpKind::Memory => {
                let off = self.ea(d);
                let seg = self.mem_seg(d);
                self.read_mem(seg, off, size)
            }
            OpKind::Immediate8 => Ok(u64::from(i.immediate8())),
            OpKind::Immediate16 => Ok(u64::from(i.immediate16())),
            OpKind::Immediate32 => Ok(u64::from(i.immediate32())),
            OpKind::Immediate8to16
            | OpKind::Immediate8to32
            | OpKind::Immediate8to64
            | OpKind::Immediate32to64 => Ok(i.immediate(n) & m),
            OpKind::Immediate64 => Ok(i.immediate64()),
            OpKind::Immediate8_2nd => Ok(u64::from(i.immediate8_2nd())),
            _ => Ok(0),
        }
    }

    /// Write operand `n` (register or memory) with `size` bytes of `v`.
    #[inline(always)]
    pub fn write_op(&mut self, d: &DecodedInsn, n: u32, size: u32, v: u64) -> ExResult {
        if n < 2 {
            match d.loc[n as usize] {
                OpLoc::Reg => {
                    d.reg[n as usize].write(&mut self.state.regs, v);
                    return Ok(());
                }
                OpLoc::Mem => {
                    let off = self.ea(d);
                    return self.write_mem(d.mem.seg, off, size, v);
                }
                _ => {}
            }
        }
        self.write_op_slow(d, n, size, v)
    }

    #[inline(never)]
    fn write_op_slow(&mut self, d: &DecodedInsn, n: u32, size: u32, v: u64) -> ExResult {
        let i = &d.insn;
        match i.op_kind(n) {
            OpKind::Register => {
                self.state.set_reg(i.op_register(n), v);
                Ok(())
            }
            OpKind::Memory => {
                let off = self.ea(d);
                let seg = self.mem_seg(d);
                self.write_mem(seg, off, size, v)
            }
            _ => Ok(()),
        }
    }

    /// Read operand 0 (the destination of read-modify-write instructions),
    /// checking first that it can also be written, so a fault leaves no
    /// partial effect. Returns the value and, for memory, (segment, offset).
    #[inline]
    pub fn read_rmw(
        &mut self,
        d: &DecodedInsn,
        size: u32,
    ) -> ExResult<(u64, Option<(SegReg, u64)>)> {
        match d.loc[0] {
            OpLoc::Reg => Ok((d.reg[0].read(&self.state.regs), None)),
            OpLoc::Mem => {
                let off = self.ea(d);
                let seg = d.mem.seg;
                let v = self.read_mem(seg, off, size)?;
                self.check_write(seg, off, size)?;
                Ok((v, Some((seg, off))))
            }
            _ => Ok((self.state.get_reg(d.insn.op0_register()), None)),
        }
    }

    /// Write back the destination returned by [`Cpu::read_rmw`].
    #[inline(always)]
    pub fn write_rmw(
        &mut self,
        d: &DecodedInsn,
        loc: Option<(SegReg, u64)>,
        size: u32,
        v: u64,
    ) -> ExResult {
        match loc {
            Some((seg, off)) => self.write_mem(seg, off, size, v),
            None if d.loc[0] == OpLoc::Reg => {
                d.reg[0].write(&mut self.state.regs, v);
                Ok(())
            }
            None => {
                self.state.set_reg(d.insn.op0_register(), v);
                Ok(())
            }
        }
    }

    /// Size in bytes of operand `n` when it is a register or memory operand.
    #[inline]
    pub fn op_size(&self, d: &DecodedInsn, n: u32) -> u32 {
        match d.insn.op_kind(n) {
            OpKind::Register => reg_size(d.insn.op_register(n)),
            OpKind::Memory => d.insn.memory_size().size() as u32,
            _ => d.os(),
        }
    }

    /// General register of operand `n` (Register::None if not a register).
    #[inline]
    pub fn op_reg(d: &DecodedInsn, n: u32) -> Register {
        if d.insn.op_kind(n) == OpKind::Register {
            d.insn.op_register(n)
        } else {
            Register::None
        }
    }
}
