//! The ox86 CPU and machine.
//!
//! - [`cpu`]: architectural state ([`cpu::CpuState`]), lazy flags, exceptions,
//!   decoding through iced-x86 into [`cpu::decode::DecodedInsn`], and the
//!   instruction handlers, one file per instruction family.
//! - [`memory`]: the physical address space (RAM, ROM, A20, code-page
//!   tracking for block invalidation).
//! - [`mmu`]: paging — page walks and the software TLB.
//! - [`engine`]: the execution tiers — a step interpreter and a block cache —
//!   which call the same handlers.
//! - [`machine`]: the PC board wiring CPU, memory and devices, and the run loop.

pub mod cpu;
pub mod engine;
pub mod fpu;
pub mod machine;
pub mod memory;
pub mod mmu;

pub use cpu::{Cpu, CpuModel, CpuState, Exception};
pub use machine::{Machine, MachineConfig, RunOutcome};
