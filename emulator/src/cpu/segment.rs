//! Segment register loads (SDM Vol. 3A §3.4.3, §5.4–5.6).
//!
//! Real and virtual-8086 mode: the selector is shifted into the base; the
//! limit and attributes of the cache are kept (which is what makes
//! "unreal mode" work). Protected mode: the descriptor is read from the
//! GDT/LDT with the basic checks (table limit, present, null selectors).
//!
//! Partial: the full privilege and type checks (DPL/RPL/CPL, code vs data
//! per register) come with the protected-mode system work.

use super::exception::{ExResult, Exception};
use super::state::{attr, SegReg, Segment};
use super::Cpu;

/// A segment descriptor as stored in a descriptor table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Descriptor {
    pub base: u32,
    /// Limit with granularity applied.
    pub limit: u32,
    pub attr: u16,
}

impl Descriptor {
    /// Decode the two dwords of a descriptor.
    pub fn from_raw(raw: u64) -> Self {
        let lo = raw as u32;
        let hi = (raw >> 32) as u32;
        let base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF00_0000);
        let mut limit = (lo & 0xFFFF) | (hi & 0x000F_0000);
        let attr = ((hi >> 8) & 0xF0FF) as u16;
        if attr & attr::G != 0 {
            limit = (limit << 12) | 0xFFF;
        }
        Descriptor { base, limit, attr }
    }
}

impl Cpu {
    /// Read the descriptor for `selector` from the GDT or LDT.
    pub fn read_descriptor(&mut self, selector: u16) -> ExResult<Descriptor> {
        let table = if selector & 4 != 0 {
            (u64::from(self.state.ldtr.base), self.state.ldtr.limit)
        } else {
            (self.state.gdtr.base, u32::from(self.state.gdtr.limit))
        };
        let index = u64::from(selector & !7);
        if index + 7 > u64::from(table.1) {
            return Err(Exception::GeneralProtection(selector & !3));
        }
        let lin = table.0.wrapping_add(index) as u32;
        let phys = self.translate(lin, super::access::Access::Read)?;
        Ok(Descriptor::from_raw(self.mem.read(phys, 8)))
    }

    /// Set the accessed bit of the descriptor for `selector` in memory.
    fn mark_accessed(&mut self, selector: u16) -> ExResult {
        let base = if selector & 4 != 0 {
            u64::from(self.state.ldtr.base)
        } else {
            self.state.gdtr.base
        };
        let lin = base.wrapping_add(u64::from(selector & !7)).wrapping_add(5) as u32;
        let phys = self.translate(lin, super::access::Access::Write)?;
        let b = self.mem.read_u8(phys);
        if b & 1 == 0 {
            self.mem.write_u8(phys, b | 1);
        }
        Ok(())
    }

    /// Load a segment register with `selector`.
    pub fn load_seg(&mut self, r: SegReg, selector: u16) -> ExResult {
        if !self.state.protected() || self.state.v86() {
            let v86 = self.state.v86();
            let s = &mut self.state.seg[r as usize];
            s.selector = selector;
            s.base = u32::from(selector) << 4;
            if v86 {
                s.limit = 0xFFFF;
                s.attr = if r == SegReg::Cs {
                    attr::REAL_CODE
                } else {
                    attr::REAL_DATA
                } | (3 << attr::DPL_SHIFT);
            }
            if r == SegReg::Ss {
                self.state.int_shadow = true;
            }
            return Ok(());
        }
        if selector & !3 == 0 {
            if r == SegReg::Ss || r == SegReg::Cs {
                return Err(Exception::GeneralProtection(0));
            }
            // A null selector loads an unusable segment; using it faults.
            self.state.seg[r as usize] = Segment {
                selector,
                base: 0,
                limit: 0,
                attr: 0,
            };
            return Ok(());
        }
        let desc = self.read_descriptor(selector)?;
        if desc.attr & attr::S == 0 {
            return Err(Exception::GeneralProtection(selector & !3));
        }
        if desc.attr & attr::P == 0 {
            return Err(if r == SegReg::Ss {
                Exception::StackFault(selector & !3)
            } else {
                Exception::SegmentNotPresent(selector & !3)
            });
        }
        self.mark_accessed(selector)?;
        self.state.seg[r as usize] = Segment {
            selector,
            base: desc.base,
            limit: desc.limit,
            attr: desc.attr | attr::ACCESSED,
        };
        match r {
            SegReg::Ss => self.state.int_shadow = true,
            SegReg::Cs => self.state.cpl = (selector & 3) as u8,
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_decoding() {
        // Flat 4 GiB 32-bit code: base 0, limit FFFFF, G=1, D=1, P, S, code RX.
        let d = Descriptor::from_raw(0x00CF_9A00_0000_FFFF);
        assert_eq!(d.base, 0);
        assert_eq!(d.limit, 0xFFFF_FFFF);
        assert!(d.attr & attr::DB != 0);
        assert!(d.attr & attr::CODE != 0);
        // 16-bit data at base 0x12345678, limit 0x1FFF, byte granular.
        let d = Descriptor::from_raw(0x1200_9234_5678_1FFF);
        assert_eq!(d.base, 0x1234_5678);
        assert_eq!(d.limit, 0x1FFF);
        assert_eq!(d.attr & 0xFF, 0x92);
    }
}
