//! Soft-float arithmetic with x86 semantics, in pure Rust (no host FPU
//! state, no C): the 80-bit extended format of the x87 and the 32/64-bit
//! IEEE formats of SSE, with x86 rounding control, precision control,
//! exception flags, denormal handling and NaN rules.
//!
//! - `f80`: x87 double-extended arithmetic (64-bit significand with an
//!   explicit integer bit, u128 intermediate arithmetic).
//! - `ieee`: binary32/binary64 arithmetic with MXCSR semantics (DAZ/FTZ,
//!   SSE NaN rules).

pub mod f80;
pub mod ieee;
