//! Guest exceptions as values (SDM Vol. 3A §6.3, Table 6-1).
//!
//! A handler that faults returns `Err(Exception)`; the engine rolls the
//! instruction pointer back to the faulting instruction (for faults) and
//! delivers the exception through the IVT/IDT. The host never panics on
//! guest input.

use thiserror::Error;

/// An exception raised by a guest instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum Exception {
    /// #DE divide error (vector 0).
    #[error("#DE divide error")]
    DivideError,
    /// #DB debug (vector 1).
    #[error("#DB debug")]
    Debug,
    /// #BP breakpoint (vector 3, trap, from INT3).
    #[error("#BP breakpoint")]
    Breakpoint,
    /// #OF overflow (vector 4, trap, from INTO).
    #[error("#OF overflow")]
    Overflow,
    /// #BR BOUND range exceeded (vector 5).
    #[error("#BR bound range exceeded")]
    BoundRange,
    /// #UD invalid opcode (vector 6).
    #[error("#UD invalid opcode")]
    InvalidOpcode,
    /// #NM device not available (vector 7).
    #[error("#NM device not available")]
    DeviceNotAvailable,
    /// #DF double fault (vector 8, error code 0).
    #[error("#DF double fault")]
    DoubleFault,
    /// #TS invalid TSS (vector 10).
    #[error("#TS({0:#x}) invalid TSS")]
    InvalidTss(u16),
    /// #NP segment not present (vector 11).
    #[error("#NP({0:#x}) segment not present")]
    SegmentNotPresent(u16),
    /// #SS stack-segment fault (vector 12).
    #[error("#SS({0:#x}) stack fault")]
    StackFault(u16),
    /// #GP general protection (vector 13).
    #[error("#GP({0:#x}) general protection")]
    GeneralProtection(u16),
    /// #PF page fault (vector 14) with the faulting linear address (→ CR2).
    #[error("#PF({code:#x}) at {addr:#x}")]
    PageFault { addr: u64, code: u32 },
    /// #MF x87 floating-point error (vector 16).
    #[error("#MF x87 error")]
    FpuError,
    /// #AC alignment check (vector 17, error code 0).
    #[error("#AC alignment check")]
    AlignmentCheck,
    /// #XM SIMD floating-point (vector 19).
    #[error("#XM SIMD floating-point")]
    SimdFp,
}

impl Exception {
    /// The interrupt vector.
    pub fn vector(self) -> u8 {
        match self {
            Exception::DivideError => 0,
            Exception::Debug => 1,
            Exception::Breakpoint => 3,
            Exception::Overflow => 4,
            Exception::BoundRange => 5,
            Exception::InvalidOpcode => 6,
            Exception::DeviceNotAvailable => 7,
            Exception::DoubleFault => 8,
            Exception::InvalidTss(_) => 10,
            Exception::SegmentNotPresent(_) => 11,
            Exception::StackFault(_) => 12,
            Exception::GeneralProtection(_) => 13,
            Exception::PageFault { .. } => 14,
            Exception::FpuError => 16,
            Exception::AlignmentCheck => 17,
            Exception::SimdFp => 19,
        }
    }

    /// Error code pushed in protected mode, if the exception has one.
    pub fn error_code(self) -> Option<u32> {
        match self {
            Exception::DoubleFault | Exception::AlignmentCheck => Some(0),
            Exception::InvalidTss(c)
            | Exception::SegmentNotPresent(c)
            | Exception::StackFault(c)
            | Exception::GeneralProtection(c) => Some(u32::from(c)),
            Exception::PageFault { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Traps report the address of the next instruction; faults that of the
    /// faulting one.
    pub fn is_trap(self) -> bool {
        matches!(self, Exception::Breakpoint | Exception::Overflow)
    }

    /// Contributory exceptions (SDM Vol. 3A Table 6-4), for #DF rules.
    pub fn is_contributory(self) -> bool {
        matches!(
            self,
            Exception::DivideError
                | Exception::InvalidTss(_)
                | Exception::SegmentNotPresent(_)
                | Exception::StackFault(_)
                | Exception::GeneralProtection(_)
        )
    }
}

/// Shorthand for handler results.
pub type ExResult<T = ()> = Result<T, Exception>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_and_error_codes() {
        assert_eq!(Exception::GeneralProtection(8).vector(), 13);
        assert_eq!(Exception::GeneralProtection(8).error_code(), Some(8));
        assert_eq!(Exception::InvalidOpcode.error_code(), None);
        assert_eq!(Exception::PageFault { addr: 1, code: 2 }.vector(), 14);
        assert!(Exception::Breakpoint.is_trap());
        assert!(!Exception::DivideError.is_trap());
    }
}
