//! EFLAGS with lazy evaluation of the arithmetic flags (SDM Vol. 1 §3.4.3).
//!
//! ALU instructions record their operation, operand size, operands and
//! result; CF/PF/AF/ZF/SF/OF are computed only when something reads them.
//! Instructions whose flag rules are irregular (shifts, multiplies, BCD)
//! set the arithmetic flags eagerly with [`Flags::set_arith`].

/// Carry.
pub const CF: u32 = 1 << 0;
/// Reserved, always 1.
pub const FIXED1: u32 = 1 << 1;
/// Parity (of the low result byte).
pub const PF: u32 = 1 << 2;
/// Auxiliary carry (out of bit 3).
pub const AF: u32 = 1 << 4;
/// Zero.
pub const ZF: u32 = 1 << 6;
/// Sign.
pub const SF: u32 = 1 << 7;
/// Trap (single step).
pub const TF: u32 = 1 << 8;
/// Interrupt enable.
pub const IF: u32 = 1 << 9;
/// Direction.
pub const DF: u32 = 1 << 10;
/// Overflow.
pub const OF: u32 = 1 << 11;
/// I/O privilege level (2 bits).
pub const IOPL: u32 = 3 << 12;
/// Nested task.
pub const NT: u32 = 1 << 14;
/// Resume.
pub const RF: u32 = 1 << 16;
/// Virtual-8086 mode.
pub const VM: u32 = 1 << 17;
/// Alignment check.
pub const AC: u32 = 1 << 18;
/// Virtual interrupt flag.
pub const VIF: u32 = 1 << 19;
/// Virtual interrupt pending.
pub const VIP: u32 = 1 << 20;
/// CPUID available.
pub const ID: u32 = 1 << 21;
/// The six arithmetic status flags.
pub const ARITH: u32 = CF | PF | AF | ZF | SF | OF;

/// The operation whose flags are pending.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LazyOp {
    /// All flags are in `bits`.
    #[default]
    None,
    Add,
    Adc,
    Sub,
    Sbb,
    /// AND/OR/XOR/TEST: CF = OF = AF = 0.
    Logic,
    /// INC: like ADD of 1, CF kept in `bits`.
    Inc,
    /// DEC: like SUB of 1, CF kept in `bits`.
    Dec,
}

/// EFLAGS register with lazily evaluated arithmetic flags.
#[derive(Clone, Copy, Debug)]
pub struct Flags {
    bits: u32,
    op: LazyOp,
    size: u8,
    a: u64,
    b: u64,
    r: u64,
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            bits: FIXED1,
            op: LazyOp::None,
            size: 1,
            a: 0,
            b: 0,
            r: 0,
        }
    }
}

/// Operand mask by size in bytes (1, 2, 4, 8; other entries unused).
#[rustfmt::skip]
const MASKS: [u64; 16] = [0, 0xFF, 0xFFFF, 0, 0xFFFF_FFFF, 0, 0, 0, u64::MAX, 0, 0, 0, 0, 0, 0, 0];

#[inline(always)]
fn mask(size: u8) -> u64 {
    MASKS[usize::from(size & 15)]
}

#[inline(always)]
fn sign(size: u8) -> u64 {
    (mask(size) >> 1).wrapping_add(1)
}

/// Even parity of the low byte (PF = 1 when the count of set bits is even).
#[inline]
pub fn parity(v: u64) -> bool {
    (v as u8).count_ones().is_multiple_of(2)
}

impl Flags {
    /// Flags with the given EFLAGS value (reserved bits normalised).
    pub fn from_bits(v: u32) -> Self {
        Flags {
            bits: normalise(v),
            ..Default::default()
        }
    }

    /// Record an arithmetic result: `op` on `a` and `b` of `size` bytes
    /// gave `r`. Values may carry garbage above `size`; they are masked.
    #[inline(always)]
    pub fn set_lazy(&mut self, op: LazyOp, size: u32, a: u64, b: u64, r: u64) {
        if matches!(op, LazyOp::Inc | LazyOp::Dec) {
            let cf = self.cf();
            self.bits = (self.bits & !CF) | u32::from(cf);
        }
        let size = size as u8;
        let m = mask(size);
        self.op = op;
        self.size = size;
        self.a = a & m;
        self.b = b & m;
        self.r = r & m;
    }

    /// Carry-in of an ADC/SBB recorded from its operands and result.
    #[inline]
    fn carry_in(&self) -> u64 {
        let m = mask(self.size);
        match self.op {
            LazyOp::Adc => self.r.wrapping_sub(self.a).wrapping_sub(self.b) & m,
            LazyOp::Sbb => self.a.wrapping_sub(self.b).wrapping_sub(self.r) & m,
            _ => 0,
        }
    }

    /// Carry flag.
    #[inline]
    pub fn cf(&self) -> bool {
        match self.op {
            LazyOp::None | LazyOp::Inc | LazyOp::Dec => self.bits & CF != 0,
            LazyOp::Add => self.r < self.a,
            LazyOp::Adc => {
                (u128::from(self.a) + u128::from(self.b) + u128::from(self.carry_in()))
                    > u128::from(mask(self.size))
            }
            LazyOp::Sub => self.a < self.b,
            LazyOp::Sbb => u128::from(self.a) < u128::from(self.b) + u128::from(self.carry_in()),
            LazyOp::Logic => false,
        }
    }

    /// Zero flag.
    #[inline]
    pub fn zf(&self) -> bool {
        match self.op {
            LazyOp::None => self.bits & ZF != 0,
            _ => self.r == 0,
        }
    }

    /// Sign flag.
    #[inline]
    pub fn sf(&self) -> bool {
        match self.op {
            LazyOp::None => self.bits & SF != 0,
            _ => self.r & sign(self.size) != 0,
        }
    }

    /// Overflow flag.
    #[inline]
    pub fn of(&self) -> bool {
        let s = sign(self.size);
        match self.op {
            LazyOp::None => self.bits & OF != 0,
            LazyOp::Add | LazyOp::Adc | LazyOp::Inc => {
                (self.a ^ self.r) & (self.b ^ self.r) & s != 0
            }
            LazyOp::Sub | LazyOp::Sbb | LazyOp::Dec => {
                (self.a ^ self.b) & (self.a ^ self.r) & s != 0
            }
            LazyOp::Logic => false,
        }
    }

    /// Parity flag.
    #[inline]
    pub fn pf(&self) -> bool {
        match self.op {
            LazyOp::None => self.bits & PF != 0,
            _ => parity(self.r),
        }
    }

    /// Auxiliary carry flag.
    #[inline]
    pub fn af(&self) -> bool {
        match self.op {
            LazyOp::None => self.bits & AF != 0,
            LazyOp::Logic => false,
            _ => (self.a ^ self.b ^ self.r) & 0x10 != 0,
        }
    }

    /// Direction flag.
    #[inline]
    pub fn df(&self) -> bool {
        self.bits & DF != 0
    }

    /// Interrupt enable flag.
    #[inline]
    pub fn if_(&self) -> bool {
        self.bits & IF != 0
    }

    /// Trap flag.
    #[inline]
    pub fn tf(&self) -> bool {
        self.bits & TF != 0
    }

    /// The non-arithmetic bits (TF, IF, DF, IOPL, NT, RF, VM, AC, …),
    /// which are never lazy: a cheap test of several system flags at once.
    #[inline(always)]
    pub fn system_bits(&self) -> u32 {
        self.bits & !ARITH
    }

    /// Virtual-8086 flag.
    #[inline]
    pub fn vm(&self) -> bool {
        self.bits & VM != 0
    }

    /// I/O privilege level.
    #[inline]
    pub fn iopl(&self) -> u8 {
        ((self.bits & IOPL) >> 12) as u8
    }

    /// The whole EFLAGS value.
    #[inline]
    pub fn eflags(&self) -> u32 {
        if self.op == LazyOp::None {
            return self.bits;
        }
        let mut v = self.bits & !ARITH;
        v |= u32::from(self.cf()) * CF;
        v |= u32::from(self.pf()) * PF;
        v |= u32::from(self.af()) * AF;
        v |= u32::from(self.zf()) * ZF;
        v |= u32::from(self.sf()) * SF;
        v |= u32::from(self.of()) * OF;
        v
    }

    /// Fold pending lazy flags into the stored bits.
    #[inline]
    pub fn materialize(&mut self) {
        if self.op != LazyOp::None {
            self.bits = self.eflags();
            self.op = LazyOp::None;
        }
    }

    /// Replace the bits selected by `mask` with those of `value`
    /// (reserved bits stay normalised).
    #[inline]
    pub fn set_masked(&mut self, value: u32, mask: u32) {
        self.materialize();
        self.bits = normalise((self.bits & !mask) | (value & mask));
    }

    /// Set the six arithmetic flags eagerly from `value` (other bits ignored).
    #[inline]
    pub fn set_arith(&mut self, value: u32) {
        self.op = LazyOp::None;
        // The lazy state may hold an Inc/Dec CF in `bits`, but every
        // arithmetic bit is overwritten here, so no materialisation needed.
        self.bits = (self.bits & !ARITH) | (value & ARITH);
    }

    /// Set or clear one flag (any flag, arithmetic or not).
    #[inline]
    pub fn set(&mut self, flag: u32, on: bool) {
        if flag & ARITH != 0 {
            self.materialize();
        }
        if on {
            self.bits |= flag;
        } else {
            self.bits &= !flag;
        }
    }

    /// Read one flag.
    #[inline]
    pub fn get(&self, flag: u32) -> bool {
        match flag {
            CF => self.cf(),
            ZF => self.zf(),
            SF => self.sf(),
            OF => self.of(),
            PF => self.pf(),
            AF => self.af(),
            _ => self.eflags() & flag != 0,
        }
    }

    /// SZP flags of a result of `size` bytes, as EFLAGS bits (helper for
    /// handlers that compute flags eagerly).
    #[inline]
    pub fn szp(size: u32, r: u64) -> u32 {
        let s = size as u8;
        let r = r & mask(s);
        let mut v = 0;
        if r == 0 {
            v |= ZF;
        }
        if r & sign(s) != 0 {
            v |= SF;
        }
        if parity(r) {
            v |= PF;
        }
        v
    }
}

/// Force the reserved bits: bit 1 set, bits 3, 5, 15 and 22–31 clear.
#[inline]
fn normalise(v: u32) -> u32 {
    (v | FIXED1) & !((1 << 3) | (1 << 5) | (1 << 15) | 0xFFC0_0000)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Case {
        op: LazyOp,
        size: u32,
        a: u64,
        b: u64,
        r: u64,
        cf_in: bool,
        expect: u32,
    }

    #[test]
    fn lazy_flags_table() {
        let cases = [
            // 0xFF + 1 = 0x00: CF ZF AF PF
            Case {
                op: LazyOp::Add,
                size: 1,
                a: 0xFF,
                b: 1,
                r: 0x100,
                cf_in: false,
                expect: CF | ZF | AF | PF,
            },
            // 0x7F + 1 = 0x80: OF SF AF
            Case {
                op: LazyOp::Add,
                size: 1,
                a: 0x7F,
                b: 1,
                r: 0x80,
                cf_in: false,
                expect: OF | SF | AF,
            },
            // 0xFFFF + 0xFFFF + 1 = 0xFFFF (ADC): CF SF PF AF
            Case {
                op: LazyOp::Adc,
                size: 2,
                a: 0xFFFF,
                b: 0xFFFF,
                r: 0x1_FFFF,
                cf_in: false,
                expect: CF | SF | PF | AF,
            },
            // 0 - 1 = FFFFFFFF: CF SF PF AF
            Case {
                op: LazyOp::Sub,
                size: 4,
                a: 0,
                b: 1,
                r: 0xFFFF_FFFF,
                cf_in: false,
                expect: CF | SF | PF | AF,
            },
            // 0x80 - 1 = 0x7F: OF AF
            Case {
                op: LazyOp::Sub,
                size: 1,
                a: 0x80,
                b: 1,
                r: 0x7F,
                cf_in: false,
                expect: OF | AF,
            },
            // SBB 5 - 5 - 1 = FF: CF SF PF AF
            Case {
                op: LazyOp::Sbb,
                size: 1,
                a: 5,
                b: 5,
                r: 0xFF,
                cf_in: false,
                expect: CF | SF | PF | AF,
            },
            // AND result 0: ZF PF only
            Case {
                op: LazyOp::Logic,
                size: 2,
                a: 0xF0F0,
                b: 0x0F0F,
                r: 0,
                cf_in: false,
                expect: ZF | PF,
            },
            // INC 0xFFFF keeps CF
            Case {
                op: LazyOp::Inc,
                size: 2,
                a: 0xFFFF,
                b: 1,
                r: 0x1_0000,
                cf_in: true,
                expect: CF | ZF | PF | AF,
            },
            // DEC 0x80 → 0x7F: OF AF, CF kept clear
            Case {
                op: LazyOp::Dec,
                size: 1,
                a: 0x80,
                b: 1,
                r: 0x7F,
                cf_in: false,
                expect: OF | AF,
            },
        ];
        for (i, c) in cases.iter().enumerate() {
            let mut f = Flags::default();
            f.set(CF, c.cf_in);
            f.set_lazy(c.op, c.size, c.a, c.b, c.r);
            assert_eq!(f.eflags() & ARITH, c.expect, "case {i}");
            f.materialize();
            assert_eq!(f.eflags() & ARITH, c.expect, "case {i} materialised");
        }
    }

    #[test]
    fn set_masked_keeps_reserved_bits() {
        let mut f = Flags::default();
        f.set_masked(0xFFFF_FFFF, 0xFFFF_FFFF);
        assert_eq!(f.eflags() & FIXED1, FIXED1);
        assert_eq!(f.eflags() & (1 << 3 | 1 << 5 | 1 << 15), 0);
    }
}
