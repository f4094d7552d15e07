//! x87 FPU register file and environment (Intel SDM Vol. 1 §8.1–8.2,
//! Vol. 3A §9.1 Table 9-1 for the power-up/RESET values).
//!
//! - Eight 80-bit data registers R0–R7, addressed as a stack: ST(i) is
//!   R((TOP + i) mod 8). Each is kept as its raw encoding ([`Reg80`]).
//! - Control word (masks, PC, RC, X), status word (flags, SF, ES, C0–C3, B;
//!   the TOP field is kept apart in [`FpuState::top`]), tag word (2 bits per
//!   physical register: 00 valid, 01 zero, 10 special, 11 empty).
//! - Last instruction pointer (FCS:FIP), last opcode (FOP, 11 bits), last
//!   data pointer (FDS:FDP).
//! - The FERR# output level ([`FpuState::ferr`]). With CR0.NE clear, a
//!   waiting x87 instruction that finds an unmasked exception pending (ES)
//!   asserts FERR#; on a PC the chipset turns FERR# into IRQ13 (wired by the
//!   platform, not yet). FERR# drops when ES is cleared (FNCLEX, FNINIT,
//!   FLDENV/FRSTOR/FLDCW that leave no unmasked exception pending).
//!
//! Stack faults (§8.5.1.1): overflow and underflow set IE and SF, with C1 = 1
//! for overflow and 0 for underflow; the masked response produces the real
//! indefinite.

/// An 80-bit register value as stored: the 64-bit significand (explicit
/// integer bit in bit 63) and sign (bit 15) + biased exponent (bits 0–14).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub struct Reg80 {
    pub sig: u64,
    pub se: u16,
}

impl Reg80 {
    /// +0.0.
    pub const ZERO: Reg80 = Reg80 { sig: 0, se: 0 };
    /// The real indefinite (default QNaN): sign 1, exponent all ones,
    /// significand C000000000000000h.
    pub const INDEFINITE: Reg80 = Reg80 {
        sig: 0xC000_0000_0000_0000,
        se: 0xFFFF,
    };

    /// Biased exponent.
    #[inline]
    pub fn exp(self) -> u16 {
        self.se & 0x7FFF
    }

    /// Sign bit.
    #[inline]
    pub fn sign(self) -> bool {
        self.se & 0x8000 != 0
    }

    /// The tag this value gets when it is not empty (§8.1.7): zero, special
    /// (NaN, infinity, denormal, pseudo-denormal, unnormal, pseudo-NaN…) or
    /// valid (normal).
    pub fn tag(self) -> u16 {
        let e = self.exp();
        if e == 0 {
            if self.sig == 0 {
                TAG_ZERO
            } else {
                TAG_SPECIAL
            }
        } else if e == 0x7FFF || self.sig >> 63 == 0 {
            TAG_SPECIAL
        } else {
            TAG_VALID
        }
    }

    /// The ten bytes of the memory image, little-endian.
    pub fn to_bytes(self) -> [u8; 10] {
        let mut b = [0u8; 10];
        b[..8].copy_from_slice(&self.sig.to_le_bytes());
        b[8..].copy_from_slice(&self.se.to_le_bytes());
        b
    }

    /// From the ten bytes of a memory image.
    pub fn from_bytes(b: [u8; 10]) -> Self {
        let mut s = [0u8; 8];
        s.copy_from_slice(&b[..8]);
        Reg80 {
            sig: u64::from_le_bytes(s),
            se: u16::from_le_bytes([b[8], b[9]]),
        }
    }
}

/// Tag values (§8.1.7).
pub const TAG_VALID: u16 = 0;
pub const TAG_ZERO: u16 = 1;
pub const TAG_SPECIAL: u16 = 2;
pub const TAG_EMPTY: u16 = 3;

/// Status word bits (§8.1.3, Figure 8-4). TOP (bits 11–13) lives in
/// [`FpuState::top`].
pub mod sw {
    pub const IE: u16 = 1 << 0;
    pub const DE: u16 = 1 << 1;
    pub const ZE: u16 = 1 << 2;
    pub const OE: u16 = 1 << 3;
    pub const UE: u16 = 1 << 4;
    pub const PE: u16 = 1 << 5;
    /// Stack fault.
    pub const SF: u16 = 1 << 6;
    /// Exception summary status.
    pub const ES: u16 = 1 << 7;
    pub const C0: u16 = 1 << 8;
    pub const C1: u16 = 1 << 9;
    pub const C2: u16 = 1 << 10;
    pub const TOP_SHIFT: u16 = 11;
    pub const C3: u16 = 1 << 14;
    /// FPU busy (mirrors ES on 387 and later).
    pub const B: u16 = 1 << 15;
    /// The six exception flags.
    pub const EXCEPTIONS: u16 = IE | DE | ZE | OE | UE | PE;
    /// The four condition codes.
    pub const CC: u16 = C0 | C1 | C2 | C3;
}

/// Control word bits (§8.1.5, Figure 8-6).
pub mod cw {
    pub const IM: u16 = 1 << 0;
    pub const DM: u16 = 1 << 1;
    pub const ZM: u16 = 1 << 2;
    pub const OM: u16 = 1 << 3;
    pub const UM: u16 = 1 << 4;
    pub const PM: u16 = 1 << 5;
    /// Precision control (00 single, 10 double, 11 extended).
    pub const PC_SHIFT: u16 = 8;
    /// Rounding control (00 nearest, 01 down, 10 up, 11 toward zero).
    pub const RC_SHIFT: u16 = 10;
    /// Infinity control (kept for 287 compatibility, no effect).
    pub const X: u16 = 1 << 12;
    /// Bit 6 is reserved and reads as 1.
    pub const RESERVED_ONE: u16 = 1 << 6;
    /// The bits FLDCW stores (others read as 0, bit 6 as 1).
    pub const WRITABLE: u16 = 0x1F3F;
    /// Value after FNINIT.
    pub const INIT: u16 = 0x037F;
}

/// The x87 FPU state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FpuState {
    /// Physical data registers R0–R7.
    pub regs: [Reg80; 8],
    /// Top-of-stack pointer (0–7).
    pub top: u8,
    /// Control word.
    pub cw: u16,
    /// Status word without the TOP field (see [`sw`]).
    pub sw: u16,
    /// Tag word, 2 bits per physical register.
    pub tag: u16,
    /// Last x87 instruction pointer: offset and CS selector.
    pub fip: u32,
    pub fcs: u16,
    /// Last x87 opcode (11 bits: low 3 bits of the ESC byte, then ModR/M).
    pub fop: u16,
    /// Last x87 data (operand) pointer: offset and segment selector.
    pub fdp: u32,
    pub fds: u16,
    /// The FERR# output level (see the module docs).
    pub ferr: bool,
}

impl Default for FpuState {
    fn default() -> Self {
        FpuState::reset()
    }
}

impl FpuState {
    /// State after RESET (SDM Vol. 3A Table 9-1): control word 0040h,
    /// status 0, tag word 5555h (all zero), registers +0.0, pointers 0.
    pub fn reset() -> Self {
        FpuState {
            regs: [Reg80::ZERO; 8],
            top: 0,
            cw: cw::RESERVED_ONE,
            sw: 0,
            tag: 0x5555,
            fip: 0,
            fcs: 0,
            fop: 0,
            fdp: 0,
            fds: 0,
            ferr: false,
        }
    }

    /// FNINIT (SDM Vol. 2 FINIT): control word 037Fh, status 0, all tags
    /// empty, pointers and opcode 0; the data registers keep their values.
    pub fn init(&mut self) {
        self.cw = cw::INIT;
        self.sw = 0;
        self.top = 0;
        self.tag = 0xFFFF;
        self.fip = 0;
        self.fcs = 0;
        self.fop = 0;
        self.fdp = 0;
        self.fds = 0;
        self.ferr = false;
    }

    /// The full status word, TOP included.
    #[inline]
    pub fn status_word(&self) -> u16 {
        (self.sw & !(7 << sw::TOP_SHIFT)) | (u16::from(self.top) << sw::TOP_SHIFT)
    }

    /// Load the full status word (TOP included), as FLDENV/FRSTOR do.
    pub fn set_status_word(&mut self, v: u16) {
        self.top = ((v >> sw::TOP_SHIFT) & 7) as u8;
        self.sw = v & !(7 << sw::TOP_SHIFT);
        self.update_es();
    }

    /// Load the control word (FLDCW/FLDENV/FRSTOR): reserved bits read back
    /// as on hardware, and ES follows whether an unmasked exception is now
    /// pending.
    pub fn set_control_word(&mut self, v: u16) {
        self.cw = (v & cw::WRITABLE) | cw::RESERVED_ONE;
        self.update_es();
    }

    /// ES (and B) = some exception flag is set whose mask bit is clear;
    /// FERR# drops when nothing is pending.
    pub fn update_es(&mut self) {
        if self.sw & !self.cw & sw::EXCEPTIONS != 0 {
            self.sw |= sw::ES | sw::B;
        } else {
            self.sw &= !(sw::ES | sw::B);
            self.ferr = false;
        }
    }

    /// Rounding control (0 nearest, 1 down, 2 up, 3 toward zero).
    #[inline]
    pub fn rc(&self) -> u8 {
        ((self.cw >> cw::RC_SHIFT) & 3) as u8
    }

    /// Precision control (0 single, 1 reserved, 2 double, 3 extended).
    #[inline]
    pub fn pc(&self) -> u8 {
        ((self.cw >> cw::PC_SHIFT) & 3) as u8
    }

    /// Physical register number of ST(i).
    #[inline]
    pub fn phys(&self, i: u8) -> usize {
        usize::from((self.top + i) & 7)
    }

    /// Tag of physical register `p`.
    #[inline]
    pub fn tag_of(&self, p: usize) -> u16 {
        (self.tag >> (2 * p)) & 3
    }

    #[inline]
    fn set_tag(&mut self, p: usize, t: u16) {
        self.tag = (self.tag & !(3 << (2 * p))) | (t << (2 * p));
    }

    /// ST(i) is empty.
    #[inline]
    pub fn is_empty(&self, i: u8) -> bool {
        self.tag_of(self.phys(i)) == TAG_EMPTY
    }

    /// Value of ST(i) (whatever the tag).
    #[inline]
    pub fn st(&self, i: u8) -> Reg80 {
        self.regs[self.phys(i)]
    }

    /// Write ST(i) and tag it from its contents.
    #[inline]
    pub fn set_st(&mut self, i: u8, v: Reg80) {
        let p = self.phys(i);
        self.regs[p] = v;
        self.set_tag(p, v.tag());
    }

    /// Mark ST(i) empty (FFREE).
    #[inline]
    pub fn free(&mut self, i: u8) {
        let p = self.phys(i);
        self.set_tag(p, TAG_EMPTY);
    }

    /// Recompute the tags of the non-empty registers from their contents
    /// (FLDENV/FRSTOR keep only the empty/non-empty information, §8.1.7).
    pub fn retag(&mut self) {
        for p in 0..8 {
            if self.tag_of(p) != TAG_EMPTY {
                let t = self.regs[p].tag();
                self.set_tag(p, t);
            }
        }
    }

    /// Decrement TOP and write ST(0), without any stack check.
    #[inline]
    pub fn push_unchecked(&mut self, v: Reg80) {
        self.top = (self.top + 7) & 7;
        self.set_st(0, v);
    }

    /// Mark ST(0) empty and increment TOP.
    #[inline]
    pub fn pop(&mut self) {
        self.free(0);
        self.top = (self.top + 1) & 7;
    }

    /// Record exception flags from an operation; returns true when one of
    /// them is unmasked (ES and B are then set, and the caller must apply
    /// the unmasked response).
    #[inline]
    pub fn signal(&mut self, flags: u16) -> bool {
        let flags = flags & sw::EXCEPTIONS;
        self.sw |= flags;
        if flags & !self.cw != 0 {
            self.sw |= sw::ES | sw::B;
            true
        } else {
            false
        }
    }

    /// Stack overflow (§8.5.1.1): IE, SF, C1 = 1. Returns true when IE is
    /// unmasked.
    #[inline]
    pub fn stack_overflow(&mut self) -> bool {
        self.sw |= sw::SF | sw::C1;
        self.signal(sw::IE)
    }

    /// Stack underflow: IE, SF, C1 = 0. Returns true when IE is unmasked.
    #[inline]
    pub fn stack_underflow(&mut self) -> bool {
        self.sw = (self.sw | sw::SF) & !sw::C1;
        self.signal(sw::IE)
    }

    /// Push `v` with the overflow check: a non-empty ST(7) is an overflow,
    /// whose masked response pushes the real indefinite. Returns false when
    /// nothing was pushed (unmasked overflow).
    pub fn push(&mut self, v: Reg80) -> bool {
        if !self.is_empty(7) {
            if self.stack_overflow() {
                return false;
            }
            self.push_unchecked(Reg80::INDEFINITE);
            return true;
        }
        self.push_unchecked(v);
        true
    }

    /// Set the condition codes C3..C0 from a 4-bit value (bit 3 = C3, bit 2 =
    /// C2, bit 1 = C1, bit 0 = C0).
    #[inline]
    pub fn set_cc(&mut self, c3: bool, c2: bool, c1: bool, c0: bool) {
        self.sw &= !sw::CC;
        if c3 {
            self.sw |= sw::C3;
        }
        if c2 {
            self.sw |= sw::C2;
        }
        if c1 {
            self.sw |= sw::C1;
        }
        if c0 {
            self.sw |= sw::C0;
        }
    }

    /// Set C1 alone.
    #[inline]
    pub fn set_c1(&mut self, c1: bool) {
        if c1 {
            self.sw |= sw::C1;
        } else {
            self.sw &= !sw::C1;
        }
    }

    /// The full tag word as FSTENV/FSAVE store it (tags of non-empty
    /// registers reflect their contents).
    pub fn tag_word(&self) -> u16 {
        let mut t = 0;
        for p in 0..8 {
            let v = if self.tag_of(p) == TAG_EMPTY {
                TAG_EMPTY
            } else {
                self.regs[p].tag()
            };
            t |= v << (2 * p);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_classify_values() {
        let cases = [
            (Reg80 { sig: 0, se: 0 }, TAG_ZERO),
            (Reg80 { sig: 0, se: 0x8000 }, TAG_ZERO),
            (
                Reg80 {
                    sig: 1 << 63,
                    se: 0x3FFF,
                },
                TAG_VALID,
            ),
            (Reg80 { sig: 1, se: 0 }, TAG_SPECIAL), // denormal
            (
                Reg80 {
                    sig: 1 << 63,
                    se: 0,
                },
                TAG_SPECIAL,
            ), // pseudo-denormal
            (Reg80 { sig: 1, se: 0x3FFF }, TAG_SPECIAL), // unnormal
            (
                Reg80 {
                    sig: 1 << 63,
                    se: 0x7FFF,
                },
                TAG_SPECIAL,
            ), // infinity
            (Reg80::INDEFINITE, TAG_SPECIAL),
        ];
        for (v, t) in cases {
            assert_eq!(v.tag(), t, "{v:x?}");
        }
    }

    #[test]
    fn reset_and_init_values() {
        let mut f = FpuState::reset();
        assert_eq!((f.cw, f.status_word(), f.tag_word()), (0x0040, 0, 0x5555));
        f.top = 3;
        f.sw = sw::IE | sw::ES | sw::B;
        f.regs[2] = Reg80 { sig: 5, se: 1 };
        f.init();
        assert_eq!((f.cw, f.status_word(), f.tag_word()), (0x037F, 0, 0xFFFF));
        assert_eq!(f.regs[2], Reg80 { sig: 5, se: 1 });
    }

    #[test]
    fn stack_overflow_and_underflow() {
        let mut f = FpuState::reset();
        f.init();
        let one = Reg80 {
            sig: 1 << 63,
            se: 0x3FFF,
        };
        for _ in 0..8 {
            assert!(f.push(one));
        }
        assert_eq!(f.sw, 0);
        assert_eq!(f.top, 0);
        // Masked overflow: indefinite pushed, IE SF C1.
        assert!(f.push(one));
        assert_eq!(f.st(0), Reg80::INDEFINITE);
        assert_eq!(f.sw, sw::IE | sw::SF | sw::C1);
        // Unmasked: nothing pushed, ES and B set.
        f.sw = 0;
        f.set_control_word(cw::INIT & !cw::IM);
        let top = f.top;
        assert!(!f.push(one));
        assert_eq!(f.top, top);
        assert_eq!(f.sw, sw::IE | sw::SF | sw::C1 | sw::ES | sw::B);
        // Underflow clears C1.
        assert!(f.stack_underflow());
        assert_eq!(f.sw & sw::C1, 0);
    }

    #[test]
    fn control_word_reserved_bits_and_es() {
        let mut f = FpuState::reset();
        f.set_control_word(0xFFFF);
        assert_eq!(f.cw, 0x1F7F);
        f.set_control_word(0);
        assert_eq!(f.cw, 0x0040);
        // Unmasking a pending flag sets ES and B; masking it clears them and FERR#.
        f.set_control_word(cw::INIT);
        f.sw = sw::ZE;
        f.set_control_word(cw::INIT & !cw::ZM);
        assert_eq!(f.sw, sw::ZE | sw::ES | sw::B);
        f.ferr = true;
        f.set_control_word(cw::INIT);
        assert_eq!(f.sw, sw::ZE);
        assert!(!f.ferr);
    }
}
