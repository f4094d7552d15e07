//! The block cache: basic blocks decoded once and executed many times.
//!
//! A block is a run of instructions ending at a control transfer, a
//! mode-changing instruction, a page boundary or [`MAX_BLOCK_INSNS`]. It is
//! keyed by the physical address of its first byte and the CPU's mode key
//! ([`Cpu::mode_key`]). The pages a block was decoded from are marked in
//! [`crate::memory::Memory`]'s code bitmap; any write to such a page (CPU
//! store, DMA, ROM mapping) queues the page, and the cache drops every block
//! decoded from it before running more code. A store into the block that is
//! running ends the block after the storing instruction, so self-modifying
//! code sees its own writes.

use super::interpreter::execute;
use crate::cpu::{Cpu, CpuEvent, DecodedInsn, Exception};
use std::collections::HashMap;

/// Longest block in instructions.
pub const MAX_BLOCK_INSNS: usize = 64;
const FAST_SLOTS: usize = 4096;
const EMPTY: u32 = u32::MAX;

#[derive(Debug)]
struct Block {
    phys: u32,
    key: u32,
    pages: [u32; 2],
    insns: Vec<DecodedInsn>,
}

/// Statistics, for benchmarks and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub blocks_built: u64,
    pub blocks_invalidated: u64,
    pub lookups: u64,
}

/// Decoded basic blocks.
#[derive(Debug)]
pub struct BlockCache {
    map: HashMap<(u32, u32), u32>,
    blocks: Vec<Option<Block>>,
    free: Vec<u32>,
    by_page: HashMap<u32, Vec<u32>>,
    fast: Vec<(u32, u32, u32)>,
    pages_scratch: Vec<u32>,
    pub stats: CacheStats,
}

impl Default for BlockCache {
    fn default() -> Self {
        BlockCache {
            map: HashMap::new(),
            blocks: Vec::new(),
            free: Vec::new(),
            by_page: HashMap::new(),
            fast: vec![(0, 0, EMPTY); FAST_SLOTS],
            pages_scratch: Vec::new(),
            stats: CacheStats::default(),
        }
    }
}

#[inline]
fn slot(phys: u32, key: u32) -> usize {
    ((phys ^ (phys >> 12) ^ key.wrapping_mul(0x9E37)) as usize) & (FAST_SLOTS - 1)
}

impl BlockCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of live blocks.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// No blocks cached.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Drop every block (e.g. after a memory map change).
    pub fn clear(&mut self) {
        *self = BlockCache {
            stats: self.stats,
            ..Default::default()
        };
    }

    /// Run cached blocks until `budget` instructions retired or the CPU stops (halt, shutdown, exit request). Returns instructions retired.
    pub fn run(&mut self, cpu: &mut Cpu, budget: u64) -> u64 {
        let start = cpu.icount;
        while cpu.icount - start < budget {
            if cpu.state.halted
                || cpu.event != CpuEvent::None
                || cpu.io.debug.exit_request().is_some()
            {
                break;
            }
            if cpu.mem.has_invalidations() {
                self.invalidate(cpu);
            }
            let idx = match self.lookup_or_build(cpu) {
                Ok(i) => i,
                Err(e) => {
                    cpu.icount += 1;
                    cpu.raise(e);
                    continue;
                }
            };
            let Some(block) = self.blocks[idx as usize].as_ref() else {
                continue;
            };
            // Stop exactly at the budget so both tiers retire the same
            // instructions for the same budget.
            let left = (budget - (cpu.icount - start)) as usize;
            for d in block.insns.iter().take(left) {
                if !execute(cpu, d) || cpu.mem.has_invalidations() {
                    break;
                }
            }
        }
        cpu.icount - start
    }

    fn lookup_or_build(&mut self, cpu: &mut Cpu) -> Result<u32, Exception> {
        self.stats.lookups += 1;
        let lin = cpu.linear_ip();
        let phys = cpu
            .mem
            .bus_address(cpu.translate(lin, crate::cpu::access::Access::Execute)?);
        let key = cpu.mode_key();
        let s = slot(phys, key);
        let (p, k, i) = self.fast[s];
        if i != EMPTY && p == phys && k == key {
            return Ok(i);
        }
        let idx = match self.map.get(&(phys, key)) {
            Some(&i) => i,
            None => self.build(cpu, lin, phys, key)?,
        };
        self.fast[s] = (phys, key, idx);
        Ok(idx)
    }

    fn build(&mut self, cpu: &mut Cpu, lin: u32, phys: u32, key: u32) -> Result<u32, Exception> {
        let mut insns = Vec::with_capacity(8);
        let mut off = 0u32;
        let ip = cpu.state.rip;
        let ip_mask = cpu.ip_mask();
        let page_end = (phys | 0xFFF).wrapping_add(1);
        let mut last_byte = phys;
        loop {
            let d = match cpu.decode_at(lin.wrapping_add(off)) {
                Ok(d) => d,
                Err(e) if insns.is_empty() => return Err(e),
                Err(_) => break,
            };
            let len = u32::from(d.len);
            let ends = d.ends_block;
            last_byte = phys.wrapping_add(off + len - 1);
            insns.push(d);
            off += len;
            let next_ip = ip.wrapping_add(u64::from(off));
            if ends
                || insns.len() >= MAX_BLOCK_INSNS
                || phys.wrapping_add(off) >= page_end
                || phys.wrapping_add(off) < phys
                || next_ip & ip_mask != next_ip
            {
                break;
            }
        }
        let pages = [phys >> 12, cpu.mem.bus_address(last_byte) >> 12];
        cpu.mem.mark_code(phys);
        cpu.mem.mark_code(cpu.mem.bus_address(last_byte));
        let block = Block {
            phys,
            key,
            pages,
            insns,
        };
        let idx = match self.free.pop() {
            Some(i) => {
                self.blocks[i as usize] = Some(block);
                i
            }
            None => {
                self.blocks.push(Some(block));
                (self.blocks.len() - 1) as u32
            }
        };
        self.map.insert((phys, key), idx);
        self.by_page.entry(pages[0]).or_default().push(idx);
        if pages[1] != pages[0] {
            self.by_page.entry(pages[1]).or_default().push(idx);
        }
        self.stats.blocks_built += 1;
        Ok(idx)
    }

    /// Drop all blocks decoded from pages written since the last call.
    pub fn invalidate(&mut self, cpu: &mut Cpu) {
        let mut pages = std::mem::take(&mut self.pages_scratch);
        cpu.mem.take_invalidations(&mut pages);
        for &page in &pages {
            let Some(list) = self.by_page.remove(&page) else {
                continue;
            };
            for idx in list {
                let Some(b) = self.blocks[idx as usize].take() else {
                    continue;
                };
                self.map.remove(&(b.phys, b.key));
                let s = slot(b.phys, b.key);
                if self.fast[s].2 == idx {
                    self.fast[s] = (0, 0, EMPTY);
                }
                // The other page's list may still name this block; taking
                // the slot above makes that entry harmless.
                for p in b.pages {
                    if p != page {
                        if let Some(l) = self.by_page.get_mut(&p) {
                            l.retain(|&i| i != idx);
                        }
                    }
                }
                self.free.push(idx);
                self.stats.blocks_invalidated += 1;
            }
        }
        pages.clear();
        self.pages_scratch = pages;
    }
}
