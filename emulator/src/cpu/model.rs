//! Emulated CPU generations and the behaviour that differs between them.
//!
//! ox86's default model is a Pentium-class CPU (family 5). The 8086 and
//! 80286 models exist for conformance testing against hardware-generated
//! data (SingleStepTests) and for old software; they change only the
//! documented generation differences listed here.

/// The CPU generation being emulated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, PartialOrd, Ord)]
pub enum CpuModel {
    /// Intel 8086: no #UD, 64 KiB segment wrap, unmasked shift counts,
    /// PUSH SP pushes the decremented value, #DE returns after the
    /// instruction, FLAGS bits 12–15 read as 1, undocumented opcode aliases.
    I8086,
    /// Intel 80286 (real mode as far as tested): shift counts masked to 5
    /// bits, segment limit checks (word at offset FFFF faults), 10-byte
    /// instruction limit, FLAGS bits 12–15 clear in real mode.
    I80286,
    /// Pentium-class (P5) integer core with CPUID, RDTSC, CMPXCHG8B.
    #[default]
    Pentium,
}

impl CpuModel {
    /// Longest legal instruction in bytes.
    pub fn max_insn_len(self) -> usize {
        match self {
            CpuModel::I8086 => 15, // no limit on the 8086; prefixes just repeat
            CpuModel::I80286 => 10,
            CpuModel::Pentium => 15,
        }
    }

    /// The CPU has 32-bit registers and addressing (386 or later).
    pub fn is_386_plus(self) -> bool {
        self >= CpuModel::Pentium
    }

    /// The CPU checks segment limits in real mode (286 or later).
    pub fn checks_real_limits(self) -> bool {
        self >= CpuModel::I80286
    }
}
