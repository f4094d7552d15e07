//! Test material for ox86: the SingleStepTests conformance runner and
//! helpers shared by the ROM and guest integration tests.

pub mod harness;
pub mod singlestep;
