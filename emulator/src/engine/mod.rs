//! Execution tiers. Both call the same instruction handlers:
//!
//! - [`interpreter`]: decode and execute one instruction at a time (used for
//!   tracing, debugging and as the reference in tier-comparison tests);
//! - [`block_cache`]: basic blocks decoded once, kept by (physical address,
//!   mode key) and invalidated when their pages are written.

pub mod block_cache;
pub mod interpreter;

pub use block_cache::BlockCache;

/// Which tier runs guest code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tier {
    /// One instruction at a time, decoding every time.
    Interpreter,
    /// Cached basic blocks.
    #[default]
    Blocks,
}
