//! The two execution tiers must agree: the same program run by the step
//! interpreter and by the block cache ends in the same state. Includes
//! self-modifying code and random instruction bytes (which must never panic
//! the host).

use emulator::cpu::state::{attr, cr0, Segment};
use emulator::cpu::{CpuModel, SegReg};
use emulator::engine::Tier;
use emulator::{Machine, MachineConfig, RunOutcome};

const BASE: u32 = 0x1000;

fn machine(model: CpuModel, code: &[u8], flat32: bool, tier: Tier) -> Machine {
    let cfg = MachineConfig {
        model,
        ram_size: 1 << 20,
        tier,
        ..Default::default()
    };
    let mut m = Machine::new(&cfg).unwrap();
    let s = &mut m.cpu.state;
    for r in SegReg::ALL {
        s.seg[r as usize] = Segment::real(0, r == SegReg::Cs);
    }
    if flat32 {
        s.cr0 |= cr0::PE;
        for r in SegReg::ALL {
            let a = if r == SegReg::Cs {
                attr::REAL_CODE
            } else {
                attr::REAL_DATA
            };
            s.seg[r as usize] = Segment {
                selector: 8,
                base: 0,
                limit: 0xF_FFFF,
                attr: a | attr::DB,
            };
        }
    }
    s.rip = u64::from(BASE);
    s.regs[4] = 0x8000;
    // The IVT points every vector at an IRET at 0x500 so random code that
    // raises exceptions keeps running (real mode).
    for v in 0..256u32 {
        m.cpu.mem.write(v * 4, 4, 0x0000_0500);
    }
    m.cpu.mem.write_u8(0x500, 0xCF);
    m.cpu.mem.write_bytes(BASE, code);
    m
}

fn run(m: &mut Machine, max: u64) -> RunOutcome {
    let mut left = max;
    loop {
        let before = m.cpu.icount;
        let o = m.run_slice(left.min(1000));
        left = left.saturating_sub(m.cpu.icount - before);
        if o != RunOutcome::Budget || left == 0 {
            return o;
        }
    }
}

fn both_tiers(model: CpuModel, code: &[u8], flat32: bool, max: u64) -> (Machine, Machine) {
    let mut a = machine(model, code, flat32, Tier::Interpreter);
    let mut b = machine(model, code, flat32, Tier::Blocks);
    let oa = run(&mut a, max);
    let ob = run(&mut b, max);
    assert_eq!(oa, ob, "outcomes differ");
    assert_eq!(a.cpu.icount, b.cpu.icount, "instruction counts differ");
    assert_eq!(a.cpu.state, b.cpu.state, "final states differ");
    (a, b)
}

#[test]
fn self_modifying_code_in_the_running_block() {
    // mov byte [0x1005], 0x43 (inc bx) ; nop (patched) ; hlt
    let code = [0xC6, 0x06, 0x05, 0x10, 0x43, 0x90, 0xF4];
    let (a, b) = both_tiers(CpuModel::Pentium, &code, false, 100);
    assert_eq!(
        a.cpu.state.regs[3], 1,
        "interpreter ran the patched instruction"
    );
    assert_eq!(
        b.cpu.state.regs[3], 1,
        "block cache ran the patched instruction"
    );
}

#[test]
fn self_modifying_loop_patches_an_immediate() {
    // mov cx, 5
    // top: add ax, 1        (05 01 00 at 0x1003; the immediate at 0x1004)
    //      inc byte [0x1004]
    //      loop top
    //      hlt
    // Each pass adds 1, 2, 3, 4, 5 → ax = 15, which needs the patched
    // immediate to be seen by an already-decoded block.
    let code = [
        0xB9, 0x05, 0x00, 0x05, 0x01, 0x00, 0xFE, 0x06, 0x04, 0x10, 0xE2, 0xF7, 0xF4,
    ];
    let (a, b) = both_tiers(CpuModel::Pentium, &code, false, 1000);
    assert_eq!(a.cpu.state.regs[0] & 0xFFFF, 15);
    assert_eq!(b.cpu.state.regs[0] & 0xFFFF, 15);
    assert!(
        b.blocks.stats.blocks_invalidated >= 4,
        "blocks were invalidated: {:?}",
        b.blocks.stats
    );
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_code_never_panics_and_tiers_agree() {
    let mut rng = XorShift(0x0123_4567_89AB_CDEF);
    for round in 0..300 {
        let mut code = vec![0u8; 64];
        for b in code.iter_mut() {
            *b = rng.next() as u8;
        }
        let model = [CpuModel::Pentium, CpuModel::I80286, CpuModel::I8086][round % 3];
        let flat32 = model == CpuModel::Pentium && round % 2 == 0;
        let mut a = machine(model, &code, flat32, Tier::Interpreter);
        let mut b = machine(model, &code, flat32, Tier::Blocks);
        let oa = run(&mut a, 200);
        let ob = run(&mut b, 200);
        assert_eq!(
            oa, ob,
            "round {round}: outcomes differ for code {code:02x?}"
        );
        assert_eq!(
            a.cpu.state, b.cpu.state,
            "round {round}: states differ for code {code:02x?}"
        );
    }
}
