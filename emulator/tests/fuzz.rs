//! Fuzz-style robustness test (issue 3 "Done means"): random instruction
//! bytes and random system state — GDT, LDT and IDT full of random (and
//! some plausible) descriptors, a random TSS, random page tables, random
//! CR0/CR4 bits where the architecture allows them, random selectors,
//! EFLAGS (TF, RF, AC, VM, IOPL, NT…) and debug registers — run for
//! millions of instructions on both execution tiers.
//!
//! What it asserts:
//! - the host never panics (any panic fails the test);
//! - every run slice ends in a normal [`RunOutcome`], and a slice that used
//!   its budget retired exactly that many instructions;
//! - architectural invariants hold afterwards (32-bit registers and EIP,
//!   CPL ≤ 3, CPL 0 in real mode);
//! - both tiers end every run in the same state (same instruction count).
//!
//! No host memory access outside guest RAM, by construction: every guest
//! access (CPU loads and stores, fetches, page walks, descriptor reads, DMA)
//! goes through `emulator::memory::Memory`, which routes a physical address
//! through its page-kind table and indexes its RAM `Vec` with Rust's
//! bounds-checked slice operations; the emulator crate contains no `unsafe`
//! code outside one `#[cfg(test)]` host-CPU comparison module
//! ([`no_unsafe_code_in_the_emulator`] checks this on every run), so an
//! out-of-range access could only be a panic — which this test would catch.
//!
//! The full run (about 4 million instructions per tier) takes a few seconds
//! with `cargo test --release`; debug builds run a short smoke version.

use emulator::cpu::state::{cr0, Segment};
use emulator::cpu::{flags, CpuModel, SegReg};
use emulator::engine::Tier;
use emulator::{Machine, MachineConfig, RunOutcome};

const RAM: u32 = 1 << 20;
const GDT: u32 = 0x1000;
const GDT_ENTRIES: u32 = 64;
const LDT: u32 = 0x1400;
const LDT_ENTRIES: u32 = 32;
const IDT: u32 = 0x1800;
const TSS: u32 = 0x2000;
const PAGE_DIR: u32 = 0x3000;

/// xorshift64*: small, seedable, good enough for fuzzing.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A code/data descriptor.
fn seg_desc(base: u32, limit: u32, access: u8, fl: u8) -> u64 {
    u64::from(limit & 0xFFFF)
        | (u64::from(base & 0xFF_FFFF) << 16)
        | (u64::from(access) << 40)
        | (u64::from((limit >> 16) & 0xF) << 48)
        | (u64::from(fl & 0xF) << 52)
        | (u64::from(base >> 24) << 56)
}

/// A gate descriptor (call, interrupt, trap or task gate).
fn gate_desc(selector: u16, offset: u32, access: u8, params: u8) -> u64 {
    u64::from(offset & 0xFFFF)
        | (u64::from(selector) << 16)
        | (u64::from(params & 0x1F) << 32)
        | (u64::from(access) << 40)
        | (u64::from(offset >> 16) << 48)
}

/// The hidden part of a segment register for descriptor `d`.
fn cache(selector: u16, d: u64) -> Segment {
    let limit = ((d & 0xFFFF) | ((d >> 32) & 0xF_0000)) as u32;
    let g = d & (1 << 55) != 0;
    Segment {
        selector,
        base: (((d >> 16) & 0xFF_FFFF) | ((d >> 32) & 0xFF00_0000)) as u32,
        limit: if g { (limit << 12) | 0xFFF } else { limit },
        attr: (((d >> 40) & 0xFF) | ((d >> 40) & 0xF000)) as u16,
    }
}

fn rand_selector(r: &mut Rng) -> u16 {
    match r.below(4) {
        0 => r.next() as u16,
        _ => (r.below(u64::from(GDT_ENTRIES)) as u16) << 3 | r.below(8) as u16,
    }
}

/// A random descriptor, biased towards ones a CPU will look at closely.
fn rand_desc(r: &mut Rng) -> u64 {
    let present = if r.chance(90) { 0x80 } else { 0 };
    let dpl = (r.below(4) as u8) << 5;
    let base = if r.chance(70) {
        0
    } else {
        r.below(u64::from(RAM)) as u32 & !0xF
    };
    let limit = match r.below(3) {
        0 => 0xF_FFFF,
        1 => 0xFFFF,
        _ => r.below(0x10_0000) as u32,
    };
    match r.below(8) {
        0 => r.next(),
        1..=3 => {
            let ty = r.below(16) as u8;
            let fl = (r.below(16) as u8) & 0xD; // G, D/B, AVL; L rarely matters
            seg_desc(base, limit, present | dpl | 0x10 | ty, fl)
        }
        4 | 5 => {
            let ty = [0x4u8, 0x5, 0x6, 0x7, 0xC, 0xE, 0xF][r.below(7) as usize];
            gate_desc(
                rand_selector(r),
                r.below(u64::from(RAM)) as u32,
                present | dpl | ty,
                r.below(32) as u8,
            )
        }
        6 => {
            let ty = [0x1u8, 0x2, 0x3, 0x9, 0xB][r.below(5) as usize];
            let (b, l) = if r.chance(50) {
                (TSS, 0x67)
            } else {
                (LDT, LDT_ENTRIES * 8 - 1)
            };
            seg_desc(b, l + r.below(0x100) as u32, present | dpl | ty, 0)
        }
        _ => 0,
    }
}

/// Plausible descriptors at fixed GDT slots so that most runs get going.
const FLAT_CODE0: u16 = 0x08;
const FLAT_DATA0: u16 = 0x10;
const FLAT_CODE3: u16 = 0x1B;
const FLAT_DATA3: u16 = 0x23;
const CODE16: u16 = 0x28;
const TSS_SEL: u16 = 0x30;
const LDT_SEL: u16 = 0x38;

/// A machine in a random state. `tier` only chooses the engine: the same
/// seed gives the same initial state on both tiers.
fn random_machine(seed: u64, tier: Tier) -> Machine {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let cfg = MachineConfig {
        model: CpuModel::Pentium,
        ram_size: u64::from(RAM),
        tier,
        no_reboot: r.chance(50),
        exit_port: None,
        ..Default::default()
    };
    let mut m = Machine::new(&cfg).unwrap();
    // Random bytes everywhere, then the tables.
    let mut bytes = vec![0u8; RAM as usize];
    for chunk in bytes.chunks_mut(8) {
        chunk.copy_from_slice(&r.next().to_le_bytes()[..chunk.len()]);
    }
    m.cpu.mem.write_bytes(0, &bytes);
    let fixed = [
        (FLAT_CODE0, seg_desc(0, 0xF_FFFF, 0x9B, 0xC)),
        (FLAT_DATA0, seg_desc(0, 0xF_FFFF, 0x93, 0xC)),
        (FLAT_CODE3, seg_desc(0, 0xF_FFFF, 0xFB, 0xC)),
        (FLAT_DATA3, seg_desc(0, 0xF_FFFF, 0xF3, 0xC)),
        (CODE16, seg_desc(0, 0xFFFF, 0x9B, 0)),
        (
            TSS_SEL,
            seg_desc(TSS, 0x67 + r.below(0x2000) as u32, 0x89, 0),
        ),
        (LDT_SEL, seg_desc(LDT, LDT_ENTRIES * 8 - 1, 0x82, 0)),
    ];
    for i in 0..GDT_ENTRIES {
        m.cpu.mem.write(GDT + 8 * i, 8, rand_desc(&mut r));
    }
    for (sel, d) in fixed {
        if r.chance(90) {
            m.cpu.mem.write(GDT + u32::from(sel & !7), 8, d);
        }
    }
    for i in 0..LDT_ENTRIES {
        m.cpu.mem.write(LDT + 8 * i, 8, rand_desc(&mut r));
    }
    for v in 0..256u32 {
        let d = if r.chance(70) {
            let sel = [FLAT_CODE0, CODE16, FLAT_CODE3][r.below(3) as usize];
            let ty = [0x8Eu8, 0x8F, 0xEE, 0xEF, 0x86, 0x85][r.below(6) as usize];
            gate_desc(sel, r.below(u64::from(RAM)) as u32, ty, 0)
        } else {
            rand_desc(&mut r)
        };
        m.cpu.mem.write(IDT + 8 * v, 8, d);
    }
    // TSS: plausible ring stacks sometimes, random words otherwise.
    if r.chance(70) {
        for ring in 0..3u32 {
            m.cpu
                .mem
                .write(TSS + 4 + 8 * ring, 4, r.below(u64::from(RAM)));
            let ss = [FLAT_DATA0, FLAT_DATA3, rand_selector(&mut r)][r.below(3) as usize];
            m.cpu.mem.write(TSS + 8 + 8 * ring, 2, u64::from(ss));
        }
    }
    // Page directory: 4-MiB identity pages, 4-KiB tables, or random entries.
    for i in 0..1024u32 {
        let e = match r.below(4) {
            0 => (u64::from(i) << 22) | 0x87 | (r.below(2) << 8),
            1 => u64::from(r.below(u64::from(RAM)) as u32 & !0xFFF) | (r.next() & 0x7),
            2 => r.next() & 0xFFFF_FFFF,
            _ => 0,
        };
        m.cpu.mem.write(PAGE_DIR + 4 * i, 4, e);
    }

    let s = &mut m.cpu.state;
    s.gdtr.base = u64::from(GDT);
    s.gdtr.limit = if r.chance(90) {
        (GDT_ENTRIES * 8 - 1) as u16
    } else {
        r.next() as u16
    };
    s.idtr.base = u64::from(IDT);
    s.idtr.limit = if r.chance(90) { 0x7FF } else { r.next() as u16 };
    for (i, reg) in s.regs.iter_mut().take(8).enumerate() {
        *reg = if i == 4 {
            r.below(u64::from(RAM))
        } else {
            r.next() & 0xFFFF_FFFF
        };
    }
    let mut eflags = (r.next() as u32) & 0x0025_7FD5;
    if !r.chance(10) {
        eflags &= !(flags::TF | flags::RF);
    }
    s.flags.set_masked(eflags | 2, 0x003F_7FD7);
    s.cr4 = r.next() & 0x94; // PSE, PGE, TSD
    s.cr3 = u64::from(PAGE_DIR);
    for reg in s.dr.iter_mut().take(4) {
        *reg = if r.chance(50) {
            r.below(u64::from(RAM))
        } else {
            r.next() & 0xFFFF_FFFF
        };
    }
    if r.chance(15) {
        s.dr[7] = (r.next() & 0xFFFF_00FF) | 0x400;
    }
    s.rip = r.below(u64::from(RAM));

    let mode = r.below(10);
    let mut cr0v =
        cr0::ET | (r.next() & (cr0::MP | cr0::EM | cr0::TS | cr0::NE | cr0::WP | cr0::AM));
    if mode >= 3 {
        // Protected mode (mode 9: virtual-8086), paging in some runs.
        cr0v |= cr0::PE;
        if r.chance(30) {
            cr0v |= cr0::PG;
        }
        let cpl: u8 = if mode >= 7 { 3 } else { 0 };
        let (cs, ds) = match (cpl, r.below(3)) {
            (0, 0) => (CODE16, FLAT_DATA0),
            (0, _) => (FLAT_CODE0, FLAT_DATA0),
            _ => (FLAT_CODE3, FLAT_DATA3),
        };
        let gdt_desc = |sel: u16| match fixed.iter().find(|f| f.0 == sel) {
            Some(f) => f.1,
            None => 0,
        };
        s.seg[SegReg::Cs as usize] = cache(cs, gdt_desc(cs));
        s.seg[SegReg::Ss as usize] = cache(ds, gdt_desc(ds));
        s.cpl = cpl;
        s.tr = cache(TSS_SEL, gdt_desc(TSS_SEL));
        s.ldtr = cache(LDT_SEL, gdt_desc(LDT_SEL));
        if mode == 9 {
            s.flags.set(flags::VM, true);
            for reg in SegReg::ALL {
                s.seg[reg as usize] = Segment::real(r.next() as u16, reg == SegReg::Cs);
            }
            s.rip &= 0xFFFF;
        }
    } else {
        s.flags.set(flags::VM, false);
        for reg in SegReg::ALL {
            s.seg[reg as usize] =
                Segment::real((r.below(0x10000) as u16) & 0xF000, reg == SegReg::Cs);
        }
        s.rip &= 0xFFFF;
        s.regs[4] &= 0xFFFF;
    }
    if m.cpu.write_cr0(cr0v).is_err() {
        m.cpu.state.cr0 = cr0v & !(cr0::PG | cr0::NW);
    }
    if m.cpu.state.protected() && !m.cpu.state.v86() {
        // Random selectors for the data segments (a failed load leaves a
        // null selector, as an OS would have).
        for reg in [SegReg::Ds, SegReg::Es, SegReg::Fs, SegReg::Gs] {
            let sel = rand_selector(&mut r);
            if m.cpu.load_seg(reg, sel).is_err() {
                let _ = m.cpu.load_seg(reg, 0);
            }
        }
    }
    m.cpu.sync_debug();
    m
}

/// How the runs ended, for the long test's summary.
#[derive(Debug, Default)]
struct Stats {
    instructions: u64,
    budget: u32,
    halted: u32,
    shutdown: u32,
    exit: u32,
    resets: u64,
    protected: u32,
    paging: u32,
}

/// Run `budget` instructions in random slices; check every outcome.
fn run_checked(m: &mut Machine, seed: u64, budget: u64) -> (u64, RunOutcome) {
    let mut r = Rng(seed ^ 0x5555_5555);
    let start = m.cpu.icount;
    let mut last = RunOutcome::Budget;
    while m.cpu.icount - start < budget {
        let left = budget - (m.cpu.icount - start);
        let slice = (1 + r.below(4000)).min(left);
        let before = m.cpu.icount;
        let o = m.run_slice(slice);
        last = o;
        let ran = m.cpu.icount - before;
        assert!(ran <= slice, "seed {seed}: ran {ran} > slice {slice}");
        match o {
            RunOutcome::Budget => assert_eq!(ran, slice, "seed {seed}: budget outcome"),
            RunOutcome::Halted { .. } | RunOutcome::Shutdown | RunOutcome::Exit(_) => break,
            RunOutcome::ResetRequested | RunOutcome::PowerOff => break,
        }
    }
    let s = &m.cpu.state;
    assert!(
        s.regs.iter().all(|&v| v <= 0xFFFF_FFFF),
        "seed {seed}: 64-bit register value"
    );
    assert!(s.rip <= 0xFFFF_FFFF, "seed {seed}: EIP {:#x}", s.rip);
    assert!(s.cpl <= 3, "seed {seed}: CPL {}", s.cpl);
    assert!(
        s.protected() || s.cpl == 0,
        "seed {seed}: real mode at CPL {}",
        s.cpl
    );
    (m.cpu.icount - start, last)
}

/// Fuzz `seeds` random machines for `budget` instructions each on both
/// tiers.
fn fuzz(seeds: std::ops::Range<u64>, budget: u64) -> Stats {
    let mut st = Stats::default();
    for seed in seeds {
        let mut a = random_machine(seed, Tier::Interpreter);
        let mut b = random_machine(seed, Tier::Blocks);
        assert_eq!(a.cpu.state, b.cpu.state, "seed {seed}: same start");
        st.protected += u32::from(a.cpu.state.protected());
        st.paging += u32::from(a.cpu.state.cr0 & cr0::PG != 0);
        let (na, oa) = run_checked(&mut a, seed, budget);
        let (nb, ob) = run_checked(&mut b, seed, budget);
        assert_eq!((na, oa), (nb, ob), "seed {seed}: tiers ran differently");
        assert_eq!(
            a.cpu.state, b.cpu.state,
            "seed {seed}: tiers end in different states"
        );
        assert_eq!(a.resets, b.resets, "seed {seed}: resets");
        st.instructions += na;
        st.resets += a.resets;
        match oa {
            RunOutcome::Budget => st.budget += 1,
            RunOutcome::Halted { .. } => st.halted += 1,
            RunOutcome::Shutdown => st.shutdown += 1,
            RunOutcome::Exit(_) => st.exit += 1,
            RunOutcome::ResetRequested | RunOutcome::PowerOff => st.shutdown += 1,
        }
    }
    st
}

#[test]
fn random_machines_smoke() {
    let st = fuzz(0..24, 5_000);
    assert!(st.instructions > 0);
}

/// The long run: `cargo test --release -p emulator --test fuzz`.
#[test]
#[cfg_attr(debug_assertions, ignore = "slow in debug builds; run with --release")]
fn random_machines_millions_of_instructions() {
    let st = fuzz(1000..1400, 20_000);
    println!("{st:?}");
    let n = st.instructions;
    assert!(
        n >= 2_000_000,
        "only {n} instructions ran per tier: the runs end too early"
    );
}

/// The claim of the module docs: no `unsafe` in the emulator outside the
/// test-only host comparison module.
#[test]
fn no_unsafe_code_in_the_emulator() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 10);
    for f in files {
        // Test-only host comparison modules (`host_diff.rs`,
        // `*_host_diff.rs`, and files under a `host_diff/` folder; their
        // asm! is x86-64 only and compiled only for tests).
        let in_host_diff_dir = f.components().any(|c| {
            c.as_os_str()
                .to_str()
                .is_some_and(|n| n == "host_diff" || n.ends_with("_host_diff"))
        });
        if in_host_diff_dir
            || f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with("host_diff.rs"))
        {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let code_lines = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .filter(|l| l.contains("unsafe"))
            .count();
        assert_eq!(code_lines, 0, "{}: uses unsafe", f.display());
    }
}
