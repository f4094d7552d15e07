//! Debug registers, debug exceptions and the alignment check
//! (SDM Vol. 3A ch. 17: §17.2 DR0–DR7, §17.3.1 debug exception conditions,
//! §17.3.1.1 instruction-breakpoint faults and EFLAGS.RF, §17.3.1.2 data
//! breakpoints, §17.3.1.4 single-step; §6.8.3 the MOV SS / POP SS inhibit;
//! §6.15 "Interrupt 17—Alignment Check Exception (#AC)").
//!
//! [`DebugState`] holds what DR7 enables, pre-digested into
//! [`DebugState::gate`] so that the hot paths test one value: the engine
//! takes its debug path only when TF or RF is set or [`GATE_ARMED`] (tested
//! once per block by the block tier); a data access calls
//! [`Cpu::access_hook`] only when [`GATE_MEM_HOOKS`] says EFLAGS.AC is set
//! or a data breakpoint is enabled (one byte test). [`Cpu::sync_debug`] must run whenever DR7
//! changes (MOV DR7, reset), [`Cpu::refresh_access_hooks`] before each
//! instruction or block (the engine does it; what changes EFLAGS.AC ends a
//! block).
//!
//! What the engine does with these (in `engine::interpreter::execute`):
//! - before an instruction whose linear address matches an enabled
//!   instruction breakpoint (R/W = 00), with RF clear and no MOV SS inhibit:
//!   #DB fault, DR6.Bn set;
//! - after an instruction that began with TF set: #DB trap with DR6.BS;
//! - after an instruction whose data accesses matched an enabled data
//!   breakpoint (R/W = 01 write, 11 read/write; LEN 1, 2, 4 or 8 bytes,
//!   address aligned down to LEN): #DB trap with DR6.Bn;
//! - after MOV SS / POP SS these traps wait until after the next
//!   instruction, and that instruction's breakpoint is not checked;
//! - INT n, INT3, INTO and INT1 discard the traps of their instruction (the
//!   handler runs with TF clear; the traps resume after IRET);
//! - a trap after HLT is delivered at once and so ends the halt (the SDM's
//!   HLT lists debug exceptions among the events that resume execution).
//!
//! - MOV to or from a debug register with DR7.GD set: #DB fault with
//!   DR6.BD, GD cleared ([`Cpu::general_detect`], called by `exec::system`).
//!
//! The TSS T-bit trap (DR6.BT) is raised by the task switch (`cpu::task`).
//!
//! Partial: I/O breakpoints (R/W = 10, need CR4.DE, not advertised) are not
//! modelled; a task switch does not clear the DR7 local enables; single-step
//! traps come after the handler's run of REP string iterations, not after
//! each iteration; and the forward REP MOVS/STOS fast path
//! (`exec::string::fast`) bypasses `read_mem`/`write_mem`, so it misses data
//! breakpoints and #AC (the string code should skip it when
//! [`Cpu::access_hooks`] and end the instruction after an iteration that
//! hit a breakpoint).

use super::exception::{ExResult, Exception};
use super::flags;
use super::state::cr0;
use super::Cpu;

/// DR6 bits (SDM Vol. 3A §17.2.3).
pub mod dr6 {
    /// B0–B3: breakpoint condition of DR0–DR3 detected.
    pub const B_MASK: u64 = 0xF;
    /// BD: debug-register access detected (DR7.GD).
    pub const BD: u64 = 1 << 13;
    /// BS: single step (TF).
    pub const BS: u64 = 1 << 14;
    /// BT: task switch (TSS T bit).
    pub const BT: u64 = 1 << 15;
}

/// DR7 fields (SDM Vol. 3A §17.2.4).
pub mod dr7 {
    /// Ln/Gn enable pair of breakpoint `n` at bits 2n, 2n+1.
    pub const fn enables(n: usize) -> u64 {
        3 << (2 * n)
    }
    /// GD: general detect.
    pub const GD: u64 = 1 << 13;
    /// R/Wn field of breakpoint `n` (2 bits).
    pub const fn rw(v: u64, n: usize) -> u64 {
        (v >> (16 + 4 * n)) & 3
    }
    /// LENn field of breakpoint `n` (2 bits).
    pub const fn len(v: u64, n: usize) -> u64 {
        (v >> (18 + 4 * n)) & 3
    }
    /// R/W = 00: break on instruction execution.
    pub const RW_EXECUTE: u64 = 0;
    /// R/W = 01: break on data writes.
    pub const RW_WRITE: u64 = 1;
    /// R/W = 11: break on data reads or writes.
    pub const RW_READ_WRITE: u64 = 3;
}

/// Breakpoint length in bytes of a LEN field (10 = 8 bytes as in later
/// processors; the Pentium leaves it undefined).
const fn len_bytes(len: u64) -> u32 {
    match len {
        0 => 1,
        1 => 2,
        2 => 8,
        _ => 4,
    }
}

/// Debug state derived from DR7, plus the #DB conditions of the running
/// instruction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DebugState {
    /// Enabled instruction breakpoints (bit n = DRn).
    pub code_bps: u8,
    /// Enabled data breakpoints (bit n = DRn).
    pub data_bps: u8,
    /// The previous instruction was MOV SS or POP SS: debug exceptions wait
    /// until after the next instruction.
    pub inhibit: bool,
    /// DR6 B0–B3 bits of data breakpoints matched by the running
    /// instruction's accesses.
    pub hits: u64,
    /// DR6 bits of traps held back by a MOV SS / POP SS.
    pub held: u64,
    /// [`GATE_ARMED`] | [`GATE_MEM_HOOKS`]: zero on the fast paths.
    pub gate: u8,
}

/// [`DebugState::gate`]: a breakpoint is enabled or a MOV SS inhibit is
/// pending, so the engine must take its debug path.
pub const GATE_ARMED: u8 = 1;
/// [`DebugState::gate`]: data accesses must call [`Cpu::access_hook`]
/// (EFLAGS.AC was set or a data breakpoint enabled when the engine last
/// looked).
pub const GATE_MEM_HOOKS: u8 = 2;

impl DebugState {
    /// Recompute the enables from DR7.
    pub fn sync(&mut self, dr7: u64) {
        self.code_bps = 0;
        self.data_bps = 0;
        for n in 0..4 {
            if dr7 & dr7::enables(n) == 0 {
                continue;
            }
            match dr7::rw(dr7, n) {
                dr7::RW_EXECUTE => self.code_bps |= 1 << n,
                dr7::RW_WRITE | dr7::RW_READ_WRITE => self.data_bps |= 1 << n,
                _ => {}
            }
        }
        self.rearm();
    }

    /// Recompute [`GATE_ARMED`].
    #[inline]
    pub fn rearm(&mut self) {
        let armed = self.code_bps != 0 || self.data_bps != 0 || self.inhibit;
        self.gate = (self.gate & !GATE_ARMED) | (u8::from(armed) * GATE_ARMED);
    }

    /// Whether [`GATE_ARMED`] is set.
    #[inline]
    pub fn armed(&self) -> bool {
        self.gate & GATE_ARMED != 0
    }
}

impl Cpu {
    /// Re-derive the debug state from DR7 (after MOV DR7, reset, or a test
    /// writing `state.dr` directly).
    pub fn sync_debug(&mut self) {
        self.debug.sync(self.state.dr[7]);
        self.refresh_access_hooks();
    }

    /// Recompute [`GATE_MEM_HOOKS`] from EFLAGS.AC and DR7.
    #[inline(always)]
    pub fn refresh_access_hooks(&mut self) {
        let on = (self.state.flags.system_bits() & flags::AC) | u32::from(self.debug.data_bps) != 0;
        self.debug.gate = (self.debug.gate & !GATE_MEM_HOOKS) | (u8::from(on) * GATE_MEM_HOOKS);
    }

    /// Whether the next instruction needs the engine's debug path: TF or
    /// RF set, or a breakpoint enabled. One test on the hot path.
    #[inline(always)]
    pub fn debug_path(&self) -> bool {
        (self.state.flags.system_bits() & (flags::TF | flags::RF))
            | u32::from(self.debug.gate & GATE_ARMED)
            != 0
    }

    /// Whether data accesses need [`Cpu::access_hook`] (see
    /// [`GATE_MEM_HOOKS`]). One byte test on the hot path.
    #[inline(always)]
    pub fn access_hooks(&self) -> bool {
        self.debug.gate & GATE_MEM_HOOKS != 0
    }

    /// Alignment check and data breakpoints for a data access of `size`
    /// bytes at linear address `lin` (after the segment checks).
    ///
    /// #AC(0) when CR0.AM, EFLAGS.AC, CPL 3 and the access is not aligned
    /// to its size (2, 4, 8 bytes; SDM Vol. 3A Table 6-7). Data breakpoint
    /// matches are recorded for the trap after the instruction.
    #[cold]
    #[inline(never)]
    pub fn access_hook(&mut self, lin: u32, size: u32, write: bool) -> ExResult {
        if self.state.flags.system_bits() & flags::AC != 0
            && self.state.cr0 & cr0::AM != 0
            && self.state.cpl == 3
            && size > 1
            && lin & (size - 1) != 0
        {
            return Err(Exception::AlignmentCheck);
        }
        if self.debug.data_bps != 0 {
            self.debug.hits |= self.data_breakpoint_hits(lin, size, write);
        }
        Ok(())
    }

    /// DR6 B0–B3 bits of the enabled data breakpoints that an access of
    /// `size` bytes at `lin` matches (any byte in common).
    pub fn data_breakpoint_hits(&self, lin: u32, size: u32, write: bool) -> u64 {
        let dr7 = self.state.dr[7];
        let mut hits = 0;
        for n in 0..4 {
            if self.debug.data_bps & (1 << n) == 0 {
                continue;
            }
            if dr7::rw(dr7, n) == dr7::RW_WRITE && !write {
                continue;
            }
            let len = len_bytes(dr7::len(dr7, n));
            let start = u64::from(self.state.dr[n] as u32 & !(len - 1));
            let lin = u64::from(lin);
            if lin < start + u64::from(len) && start < lin + u64::from(size) {
                hits |= 1 << n;
            }
        }
        hits
    }

    /// DR6 B0–B3 bits of the enabled instruction breakpoints at linear
    /// address `lin`.
    pub fn code_breakpoint_hits(&self, lin: u32) -> u64 {
        let mut hits = 0;
        for n in 0..4 {
            if self.debug.code_bps & (1 << n) != 0 && self.state.dr[n] as u32 == lin {
                hits |= 1 << n;
            }
        }
        hits
    }

    /// General detect (DR7.GD): a debug-register access faults with #DB,
    /// DR6.BD set and GD cleared so the handler can use the registers.
    pub fn general_detect(&mut self) -> ExResult {
        if self.state.dr[7] & dr7::GD == 0 {
            return Ok(());
        }
        self.state.dr[7] &= !dr7::GD;
        self.state.dr[6] |= dr6::BD;
        Err(Exception::Debug)
    }

    /// Record debug conditions `bits` in DR6 (B0–B3 describe this
    /// exception; BD, BS and BT stay set until software clears them) and
    /// deliver #DB.
    pub fn debug_exception(&mut self, bits: u64) {
        let dr6 = self.state.dr[6];
        self.state.dr[6] = (dr6 & !dr6::B_MASK) | bits;
        self.raise(Exception::Debug);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::exec::testutil::cpu_with;
    use crate::cpu::CpuModel;

    /// DR7 value enabling breakpoint `n` globally with R/W and LEN.
    fn dr7_for(n: usize, rw: u64, len: u64) -> u64 {
        (2 << (2 * n)) | (rw << (16 + 4 * n)) | (len << (18 + 4 * n)) | 0x400
    }

    #[test]
    fn dr7_enables_split_into_code_and_data() {
        let mut s = DebugState::default();
        s.sync(0x400);
        assert_eq!((s.code_bps, s.data_bps, s.armed()), (0, 0, false));
        s.sync(dr7_for(0, 0, 0) | dr7_for(2, 3, 3));
        assert_eq!((s.code_bps, s.data_bps, s.armed()), (0b0001, 0b0100, true));
        // R/W = 10 (I/O, needs CR4.DE) enables nothing.
        s.sync(dr7_for(1, 2, 0));
        assert_eq!((s.code_bps, s.data_bps, s.armed()), (0, 0, false));
        // Local enable works like global.
        s.sync(1 << 6 | 1 << 28 | 0x400);
        assert_eq!((s.code_bps, s.data_bps), (0, 0b1000));
    }

    #[test]
    fn data_breakpoint_matching() {
        // (rw, len, dr address, access lin, size, write, hit)
        let cases: &[(u64, u64, u32, u32, u32, bool, bool)] = &[
            (3, 0, 0x1000, 0x1000, 1, false, true),
            (3, 0, 0x1000, 0x0FFF, 1, false, false),
            (3, 0, 0x1000, 0x0FFF, 2, false, true),
            (3, 0, 0x1000, 0x1001, 4, true, false),
            (1, 0, 0x1000, 0x1000, 1, false, false),
            (1, 0, 0x1000, 0x1000, 1, true, true),
            // LEN 4 aligns the address down: 0x1003 covers 0x1000..0x1003.
            (3, 3, 0x1003, 0x1000, 1, false, true),
            (3, 3, 0x1003, 0x1004, 1, false, false),
            (3, 1, 0x1001, 0x1001, 1, true, true),
            (3, 1, 0x1001, 0x0FFE, 2, true, false),
            (3, 2, 0x1000, 0x1007, 1, false, true),
        ];
        for &(rw, len, addr, lin, size, write, hit) in cases {
            let mut cpu = cpu_with(CpuModel::Pentium, &[]);
            cpu.state.dr[1] = u64::from(addr);
            cpu.state.dr[7] = dr7_for(1, rw, len);
            cpu.sync_debug();
            let got = cpu.data_breakpoint_hits(lin, size, write);
            assert_eq!(
                got,
                if hit { 0b10 } else { 0 },
                "rw {rw} len {len} dr {addr:#x} access {lin:#x}/{size} write {write}"
            );
        }
    }

    #[test]
    fn code_breakpoints_match_the_exact_address() {
        let mut cpu = cpu_with(CpuModel::Pentium, &[]);
        cpu.state.dr[0] = 0x100;
        cpu.state.dr[3] = 0x100;
        cpu.state.dr[7] = dr7_for(0, 0, 0) | dr7_for(3, 0, 0);
        cpu.sync_debug();
        assert_eq!(cpu.code_breakpoint_hits(0x100), 0b1001);
        assert_eq!(cpu.code_breakpoint_hits(0x101), 0);
    }

    #[test]
    fn alignment_check_needs_am_ac_and_cpl3() {
        // (cr0.AM, EFLAGS.AC, cpl, lin, size, faults)
        let cases: &[(bool, bool, u8, u32, u32, bool)] = &[
            (true, true, 3, 0x1001, 2, true),
            (true, true, 3, 0x1002, 4, true),
            (true, true, 3, 0x1004, 8, true),
            (true, true, 3, 0x1008, 8, false),
            (true, true, 3, 0x1001, 1, false),
            (true, true, 0, 0x1001, 2, false),
            (false, true, 3, 0x1001, 2, false),
            (true, false, 3, 0x1001, 2, false),
        ];
        for &(am, ac, cpl, lin, size, faults) in cases {
            let mut cpu = cpu_with(CpuModel::Pentium, &[]);
            if am {
                cpu.state.cr0 |= cr0::AM;
            }
            cpu.state.flags.set(flags::AC, ac);
            cpu.state.cpl = cpl;
            cpu.refresh_access_hooks();
            assert_eq!(cpu.access_hooks(), ac, "hooks armed by AC");
            let r = cpu.access_hook(lin, size, false);
            let want = if faults {
                Err(Exception::AlignmentCheck)
            } else {
                Ok(())
            };
            assert_eq!(r, want, "AM {am} AC {ac} CPL {cpl} {lin:#x}/{size}");
        }
    }
}
