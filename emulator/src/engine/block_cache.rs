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
//!
//! With paging (CR0.PG, part of the cache key) the block lookup translates
//! CS:EIP through the TLB with execute rights, so a fetch #PF is delivered
//! before any block runs. A block lies in one linear page (so in one
//! physical page) except when its only instruction crosses into the next
//! page: build ends a block before an instruction that crosses a page
//! boundary, and that instruction then becomes a single-instruction block
//! that records the physical address its second page had. Each lookup of
//! such a block translates the second page again (as the fetch would,
//! faulting if it is not mapped) and rebuilds the block if it maps
//! elsewhere now.

use super::interpreter::{enter_block, execute_masked, step};
use crate::cpu::access::Access;
use crate::cpu::{Cpu, CpuEvent, DecodedInsn, Exception};
use std::collections::HashMap;

/// Longest block in instructions.
pub const MAX_BLOCK_INSNS: usize = 64;
const FAST_SLOTS: usize = 4096;
const EMPTY: u32 = u32::MAX;
/// [`Block::second`] of blocks that do not cross a page boundary under
/// paging (not a page address, so it never matches one).
const NO_SECOND: u32 = 1;
/// Cache-key bit for CR0.PG (above the bits of [`Cpu::mode_key`]).
const KEY_PAGING: u32 = 1 << 31;

#[derive(Debug)]
struct Block {
    phys: u32,
    key: u32,
    pages: [u32; 2],
    /// Under paging, for a block whose one instruction crosses into the
    /// next linear page: the physical address that page had when the
    /// block was decoded. Else [`NO_SECOND`].
    second: u32,
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
    ///
    /// Also returns early, between blocks, when an interrupt may have become
    /// deliverable — a port access or FERR# set [`Cpu::irq_check`], or IF
    /// went from 0 to 1 — so the machine can look at the interrupt
    /// controller. The caller has looked before calling: the flag is
    /// cleared on entry.
    pub fn run(&mut self, cpu: &mut Cpu, budget: u64) -> u64 {
        let start = cpu.icount;
        cpu.irq_check = false;
        let mut if_was = cpu.state.flags.if_();
        while cpu.icount - start < budget {
            let if_now = cpu.state.flags.if_();
            if cpu.state.halted
                || cpu.event != CpuEvent::None
                || cpu.irq_check
                || (if_now && !if_was)
                || cpu.io.debug.exit_request().is_some()
            {
                break;
            }
            if_was = if_now;
            if cpu.mem.has_invalidations() {
                self.invalidate(cpu);
            }
            if !enter_block(cpu) {
                // TF, RF or a breakpoint: one instruction at a time, with
                // the debug checks (see engine::interpreter).
                step(cpu);
                continue;
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
            let insns = &block.insns[..block.insns.len().min(left)];
            let ip_mask = cpu.ip_mask();
            // A port read or device-register write may have changed an
            // interrupt line (`irq_check`): stop after that instruction, as
            // the step interpreter looks after every instruction, so both
            // tiers take the interrupt at the same place.
            for d in insns {
                if !execute_masked(cpu, d, ip_mask) || cpu.mem.has_invalidations() || cpu.irq_check
                {
                    break;
                }
            }
        }
        cpu.icount - start
    }

    fn lookup_or_build(&mut self, cpu: &mut Cpu) -> Result<u32, Exception> {
        self.stats.lookups += 1;
        let lin = cpu.linear_ip();
        let paging = cpu.paging_enabled();
        let phys = if paging {
            let user = cpu.user_mode();
            cpu.translate_paged(lin, Access::Execute, user)?
        } else {
            lin
        };
        let phys = cpu.mem.bus_address(phys);
        let key = cpu.mode_key() | if paging { KEY_PAGING } else { 0 };
        let s = slot(phys, key);
        let (p, k, i) = self.fast[s];
        if i != EMPTY && p == phys && k == key {
            return Ok(i);
        }
        let mut idx = match self.map.get(&(phys, key)) {
            Some(&i) => i,
            None => self.build(cpu, lin, phys, key)?,
        };
        let second = self.blocks[idx as usize]
            .as_ref()
            .map_or(NO_SECOND, |b| b.second);
        if second == NO_SECOND {
            self.fast[s] = (phys, key, idx);
        } else {
            // Kept out of the fast slots, so the fast path needs no check.
            idx = self.check_second_page(cpu, idx, second, lin, phys, key)?;
        }
        Ok(idx)
    }

    /// Under paging, a block whose instruction crosses into the next page
    /// (at physical `second` when decoded) is good only while that page
    /// maps there: translate it (as the fetch does, so it may fault) and
    /// rebuild the block if it moved.
    fn check_second_page(
        &mut self,
        cpu: &mut Cpu,
        idx: u32,
        second: u32,
        lin: u32,
        phys: u32,
        key: u32,
    ) -> Result<u32, Exception> {
        let now = cpu.translate((lin | 0xFFF).wrapping_add(1), Access::Execute)?;
        if cpu.mem.bus_address(now) == second {
            return Ok(idx);
        }
        self.remove(idx);
        self.build(cpu, lin, phys, key)
    }

    fn build(&mut self, cpu: &mut Cpu, lin: u32, phys: u32, key: u32) -> Result<u32, Exception> {
        let mut insns = Vec::with_capacity(8);
        let mut off = 0u32;
        let ip = cpu.state.rip;
        let ip_mask = cpu.ip_mask();
        let page_end = (phys | 0xFFF).wrapping_add(1);
        let mut last_byte = phys;
        let paging = key & KEY_PAGING != 0;
        let mut second = NO_SECOND;
        loop {
            let at = lin.wrapping_add(off);
            let d = match cpu.decode_at(at) {
                Ok(d) => d,
                Err(e) if insns.is_empty() => return Err(e),
                Err(_) => break,
            };
            let len = u32::from(d.len);
            if paging && (at & 0xFFF) + len > 0x1000 {
                // Crosses into the next linear page: a block of its own.
                if !insns.is_empty() {
                    break;
                }
                // decode_at translated the page; this hits the TLB.
                let p2 = cpu.translate((at | 0xFFF).wrapping_add(1), Access::Execute)?;
                second = cpu.mem.bus_address(p2);
                insns.push(d);
                break;
            }
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
        let last_page = if second != NO_SECOND {
            second
        } else {
            cpu.mem.bus_address(last_byte)
        };
        let pages = [phys >> 12, last_page >> 12];
        cpu.mem.mark_code(phys);
        cpu.mem.mark_code(last_page);
        let block = Block {
            phys,
            key,
            pages,
            second,
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
                self.drop_block(idx, page);
            }
        }
        pages.clear();
        self.pages_scratch = pages;
    }

    /// Drop block `idx` (e.g. its second page now maps elsewhere).
    fn remove(&mut self, idx: u32) {
        let Some(b) = &self.blocks[idx as usize] else {
            return;
        };
        let first = b.pages[0];
        if let Some(l) = self.by_page.get_mut(&first) {
            l.retain(|&i| i != idx);
        }
        self.drop_block(idx, first);
    }

    /// Drop block `idx`, taking it out of every page list but `page`'s
    /// (which the caller has taken or cleaned).
    fn drop_block(&mut self, idx: u32, page: u32) {
        let Some(b) = self.blocks[idx as usize].take() else {
            return;
        };
        self.map.remove(&(b.phys, b.key));
        let s = slot(b.phys, b.key);
        if self.fast[s].2 == idx {
            self.fast[s] = (0, 0, EMPTY);
        }
        // The other page's list may still name this block; taking the slot
        // above makes that entry harmless.
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
