//! Architectural CPU state (Intel SDM Vol. 1 §3.4, Vol. 3A §2.1–2.5).
//!
//! The state is plain data: tests build one, run code and compare whole
//! states. General registers are 64 bits wide from the start so x86-64 needs
//! no rewrite; 16/32-bit code uses the low parts.

use super::flags::Flags;
use iced_x86::Register;

/// Index of a segment register in [`CpuState::seg`] (encoding order of the
/// ModR/M `sreg` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum SegReg {
    Es = 0,
    Cs = 1,
    Ss = 2,
    Ds = 3,
    Fs = 4,
    Gs = 5,
}

impl SegReg {
    /// All six, in encoding order.
    pub const ALL: [SegReg; 6] = [
        SegReg::Es,
        SegReg::Cs,
        SegReg::Ss,
        SegReg::Ds,
        SegReg::Fs,
        SegReg::Gs,
    ];

    /// From an iced-x86 segment register (`None` for anything else).
    #[inline]
    pub fn from_iced(r: Register) -> Option<SegReg> {
        Some(match r {
            Register::ES => SegReg::Es,
            Register::CS => SegReg::Cs,
            Register::SS => SegReg::Ss,
            Register::DS => SegReg::Ds,
            Register::FS => SegReg::Fs,
            Register::GS => SegReg::Gs,
            _ => return None,
        })
    }
}

/// Descriptor attribute bits kept in [`Segment::attr`]: the access byte in
/// bits 0–7 and the flags nibble (AVL, L, D/B, G) in bits 12–15, as in the
/// descriptor's second dword shifted right by 8 (SDM Vol. 3A §3.4.5).
pub mod attr {
    /// Accessed bit of the type field.
    pub const ACCESSED: u16 = 1 << 0;
    /// Readable (code) / writable (data).
    pub const RW: u16 = 1 << 1;
    /// Conforming (code) / expand-down (data).
    pub const DC: u16 = 1 << 2;
    /// Executable (code segment).
    pub const CODE: u16 = 1 << 3;
    /// Descriptor type: 1 = code/data, 0 = system.
    pub const S: u16 = 1 << 4;
    /// DPL field shift (2 bits).
    pub const DPL_SHIFT: u16 = 5;
    /// Present.
    pub const P: u16 = 1 << 7;
    /// 64-bit code segment (IA-32e only).
    pub const L: u16 = 1 << 13;
    /// Default operand size / big (32-bit).
    pub const DB: u16 = 1 << 14;
    /// Granularity (limit in 4 KiB units).
    pub const G: u16 = 1 << 15;
    /// Attributes of a real-mode data segment: present, writable, accessed.
    pub const REAL_DATA: u16 = P | S | RW | ACCESSED;
    /// Attributes of a real-mode code segment: present, readable, accessed.
    pub const REAL_CODE: u16 = P | S | CODE | RW | ACCESSED;
}

/// A segment register with its hidden descriptor cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Segment {
    pub selector: u16,
    pub base: u32,
    /// Effective limit in bytes (granularity already applied).
    pub limit: u32,
    /// See [`attr`].
    pub attr: u16,
}

impl Segment {
    /// A real-mode segment: base = selector × 16, 64 KiB limit.
    pub fn real(selector: u16, code: bool) -> Self {
        Segment {
            selector,
            base: u32::from(selector) << 4,
            limit: 0xFFFF,
            attr: if code {
                attr::REAL_CODE
            } else {
                attr::REAL_DATA
            },
        }
    }

    /// D/B bit: 32-bit default operand/address size (code) or ESP use (stack).
    #[inline]
    pub fn big(&self) -> bool {
        self.attr & attr::DB != 0
    }
}

/// A descriptor-table register (GDTR/IDTR).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TableReg {
    pub base: u64,
    pub limit: u16,
}

/// CR0 bits (SDM Vol. 3A §2.5).
pub mod cr0 {
    pub const PE: u64 = 1 << 0;
    pub const MP: u64 = 1 << 1;
    pub const EM: u64 = 1 << 2;
    pub const TS: u64 = 1 << 3;
    pub const ET: u64 = 1 << 4;
    pub const NE: u64 = 1 << 5;
    pub const WP: u64 = 1 << 16;
    pub const AM: u64 = 1 << 18;
    pub const NW: u64 = 1 << 29;
    pub const CD: u64 = 1 << 30;
    pub const PG: u64 = 1 << 31;
}

/// General-purpose register numbers (encoding order).
pub mod gpr {
    pub const RAX: usize = 0;
    pub const RCX: usize = 1;
    pub const RDX: usize = 2;
    pub const RBX: usize = 3;
    pub const RSP: usize = 4;
    pub const RBP: usize = 5;
    pub const RSI: usize = 6;
    pub const RDI: usize = 7;
}

/// The complete architectural state.
#[derive(Clone, Debug, Default)]
pub struct CpuState {
    /// RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8–R15.
    pub regs: [u64; 16],
    /// Instruction pointer (offset in CS).
    pub rip: u64,
    /// EFLAGS, partly lazy.
    pub flags: Flags,
    /// ES, CS, SS, DS, FS, GS with descriptor caches.
    pub seg: [Segment; 6],
    pub cr0: u64,
    pub cr2: u64,
    pub cr3: u64,
    pub cr4: u64,
    pub efer: u64,
    pub gdtr: TableReg,
    pub idtr: TableReg,
    pub ldtr: Segment,
    pub tr: Segment,
    pub dr: [u64; 8],
    /// Time-stamp counter.
    pub tsc: u64,
    /// Current privilege level.
    pub cpl: u8,
    /// The CPU executed HLT and waits for an interrupt.
    pub halted: bool,
    /// Interrupts are inhibited for one instruction (after STI, MOV SS, POP SS).
    pub int_shadow: bool,
    /// XMM0–XMM7 (SDM Vol. 1 §10.2.2), element 0 in the low bits.
    pub xmm: [u128; 8],
    /// MXCSR (SDM Vol. 1 §10.2.3); [`MXCSR_RESET`] after RESET/INIT.
    pub mxcsr: u32,
    /// x87 FPU registers and environment (SDM Vol. 1 §8.1).
    pub fpu: super::fpu_state::FpuState,
}

/// MXCSR after RESET/INIT: all six exceptions masked, round to nearest
/// (SDM Vol. 1 §10.2.3.1, Vol. 3A Table 9-1).
pub const MXCSR_RESET: u32 = 0x1F80;

impl PartialEq for CpuState {
    /// States are equal when every architectural value is, comparing EFLAGS
    /// by value rather than by its lazy representation.
    fn eq(&self, o: &Self) -> bool {
        self.regs == o.regs
            && self.rip == o.rip
            && self.flags.eflags() == o.flags.eflags()
            && self.seg == o.seg
            && self.cr0 == o.cr0
            && self.cr2 == o.cr2
            && self.cr3 == o.cr3
            && self.cr4 == o.cr4
            && self.efer == o.efer
            && self.gdtr == o.gdtr
            && self.idtr == o.idtr
            && self.ldtr == o.ldtr
            && self.tr == o.tr
            && self.dr == o.dr
            && self.cpl == o.cpl
            && self.halted == o.halted
            && self.xmm == o.xmm
            && self.mxcsr == o.mxcsr
            && self.fpu == o.fpu
    }
}

impl CpuState {
    /// State after RESET/INIT (SDM Vol. 3A §9.1.1, Table 9-1): real mode,
    /// CS = F000 with base FFFF0000, IP = FFF0, EDX = component id.
    pub fn reset() -> Self {
        let mut s = CpuState::default();
        for r in SegReg::ALL {
            s.seg[r as usize] = Segment::real(0, false);
        }
        s.seg[SegReg::Cs as usize] = Segment {
            selector: 0xF000,
            base: 0xFFFF_0000,
            limit: 0xFFFF,
            attr: attr::REAL_CODE,
        };
        s.rip = 0xFFF0;
        s.cr0 = cr0::ET | cr0::CD | cr0::NW;
        s.gdtr.limit = 0xFFFF;
        s.idtr.limit = 0x3FF;
        s.ldtr.limit = 0xFFFF;
        s.tr.limit = 0xFFFF;
        s.dr[6] = 0xFFFF_0FF0;
        s.dr[7] = 0x400;
        s.flags = Flags::default();
        s.mxcsr = MXCSR_RESET;
        s
    }

    /// Segment register value (cache included).
    #[inline]
    pub fn sreg(&self, r: SegReg) -> &Segment {
        &self.seg[r as usize]
    }

    /// Protected mode enabled (CR0.PE).
    #[inline]
    pub fn protected(&self) -> bool {
        self.cr0 & cr0::PE != 0
    }

    /// Virtual-8086 mode (EFLAGS.VM in protected mode).
    #[inline]
    pub fn v86(&self) -> bool {
        self.protected() && self.flags.vm()
    }

    /// 32-bit default operand size for the current code segment.
    #[inline]
    pub fn code32(&self) -> bool {
        self.seg[SegReg::Cs as usize].big()
    }

    /// 32-bit stack (SS.B).
    #[inline]
    pub fn stack32(&self) -> bool {
        self.seg[SegReg::Ss as usize].big()
    }

    /// Read a general register of any size as named by iced-x86
    /// (AL…R15, AH/CH/DH/BH) or a segment register's selector. Other
    /// registers (and `Register::None`) read as 0.
    #[inline(always)]
    pub fn get_reg(&self, r: Register) -> u64 {
        let e = &REG_TABLE[r as usize];
        if e.seg {
            return u64::from(self.seg[e.idx as usize].selector);
        }
        (self.regs[e.idx as usize] >> e.shift) & e.mask
    }

    /// Write a general register; 8/16-bit writes keep the other bits,
    /// 32-bit writes zero-extend into 64 bits (as in long mode; in legacy
    /// modes the upper half is not observable). Segment and other registers
    /// are not written here (segment loads need descriptor checks).
    #[inline(always)]
    pub fn set_reg(&mut self, r: Register, v: u64) {
        let e = &REG_TABLE[r as usize];
        let g = &mut self.regs[e.idx as usize];
        *g = (*g & e.keep) | ((v & e.mask) << e.shift);
    }

    /// Register by number and operand size in bytes (1 = low byte, AH..BH
    /// are not reachable this way), for string and implicit-operand code.
    #[inline]
    pub fn gpr(&self, n: usize, size: u32) -> u64 {
        self.regs[n] & size_mask(size)
    }

    /// Write register `n` with `size` bytes of `v` (merging for 1/2 bytes).
    #[inline]
    pub fn set_gpr(&mut self, n: usize, size: u32, v: u64) {
        let m = size_mask(size);
        let g = &mut self.regs[n];
        *g = if size >= 4 {
            v & m
        } else {
            (*g & !m) | (v & m)
        };
    }
}

/// Where a register name lives in the register file: reads are
/// `(regs[idx] >> shift) & mask`, writes `(regs[idx] & keep) | ((v & mask)
/// << shift)` — branch-free for every general register size. Names that
/// are not general registers have `mask = 0, keep = !0` (writes change
/// nothing); segment registers are flagged `seg`.
#[derive(Clone, Copy, Debug)]
struct RegEntry {
    idx: u8,
    shift: u8,
    seg: bool,
    mask: u64,
    keep: u64,
}

const fn gpr_entry(idx: usize, shift: u8, mask: u64, zero_extend: bool) -> RegEntry {
    let keep = if zero_extend { 0 } else { !(mask << shift) };
    RegEntry {
        idx: idx as u8,
        shift,
        seg: false,
        mask,
        keep,
    }
}

/// iced-x86 register number → register-file slot, built at compile time
/// (iced numbers AL..BL = 1..4, AH..BH = 5..8, SPL..R15L = 9..20,
/// AX.. = 21.., EAX.. = 37.., RAX.. = 53.., ES..GS = 71..76).
const REG_TABLE: [RegEntry; 256] = {
    let other = RegEntry {
        idx: 0,
        shift: 0,
        seg: false,
        mask: 0,
        keep: !0,
    };
    let mut t = [other; 256];
    let mut n = 1;
    while n <= 76 {
        t[n] = match n {
            1..=4 => gpr_entry(n - 1, 0, 0xFF, false),
            5..=8 => gpr_entry(n - 5, 8, 0xFF, false),
            9..=20 => gpr_entry(n - 5, 0, 0xFF, false),
            21..=36 => gpr_entry(n - 21, 0, 0xFFFF, false),
            37..=52 => gpr_entry(n - 37, 0, 0xFFFF_FFFF, true),
            53..=68 => gpr_entry(n - 53, 0, u64::MAX, false),
            71..=76 => RegEntry {
                idx: (n - 71) as u8,
                shift: 0,
                seg: true,
                mask: 0,
                keep: !0,
            },
            _ => other,
        };
        n += 1;
    }
    t
};

/// All-ones mask for an operand of `size` bytes (1, 2, 4 or 8).
#[inline]
pub const fn size_mask(size: u32) -> u64 {
    match size {
        1 => 0xFF,
        2 => 0xFFFF,
        4 => 0xFFFF_FFFF,
        _ => u64::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_word_dword_register_views() {
        let mut s = CpuState::default();
        s.set_reg(Register::EAX, 0x1234_5678);
        assert_eq!(s.get_reg(Register::AL), 0x78);
        assert_eq!(s.get_reg(Register::AH), 0x56);
        assert_eq!(s.get_reg(Register::AX), 0x5678);
        s.set_reg(Register::AH, 0xAB);
        assert_eq!(s.get_reg(Register::EAX), 0x1234_AB78);
        s.set_reg(Register::BX, 0xFFFF);
        s.set_reg(Register::BL, 0);
        assert_eq!(s.get_reg(Register::EBX), 0xFF00);
        s.set_reg(Register::DH, 0x11);
        assert_eq!(s.get_reg(Register::DX), 0x1100);
        s.set_reg(Register::SIL, 0x5A);
        assert_eq!(s.regs[gpr::RSI], 0x5A);
        s.set_reg(Register::R9L, 0x77);
        assert_eq!(s.regs[9], 0x77);
        assert_eq!(s.get_reg(Register::ES), 0);
        assert_eq!(s.get_reg(Register::None), 0);
        s.set_reg(Register::EDI, u64::MAX);
        assert_eq!(s.regs[gpr::RDI], 0xFFFF_FFFF);
    }

    #[test]
    fn reset_vector() {
        let s = CpuState::reset();
        assert_eq!(s.seg[SegReg::Cs as usize].base + s.rip as u32, 0xFFFF_FFF0);
        assert!(!s.protected());
    }
}
