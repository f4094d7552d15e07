//! Run one SingleStepTests test on an ox86 [`Cpu`] and compare the result.
//!
//! Set-up: a real-mode CPU of the test's generation (`I8086` with 1 MiB of
//! RAM, `I80286` with 16 MiB, as the upstream READMEs specify), registers
//! and segment caches from `INIT` (real-mode bases `selector << 4`), FLAGS
//! with bits 12–15 cleared (on the 80286 the `INIT` value is what LOADALL
//! received; IOPL and NT cannot be set in real mode), and the `INIT` RAM
//! bytes. Everything else of RAM is zero.
//!
//! Execution: exactly one instruction with
//! [`emulator::engine::interpreter::step`] (repeated only while a REP string
//! instruction stays at its own address, for engines that run one iteration
//! per step). On the 80286 every test then executes a HLT — the one after
//! the instruction in RAM, or one the test generator injected at a jump or
//! exception target — so unless the CPU already halted, IP advances by one.
//!
//! Comparison: registers present in `FINA` must match, absent ones must equal
//! their initial values (as the CPU holds them after set-up); FLAGS is ANDed
//! with the opcode's `flags-mask` from `metadata.json` on both sides (and
//! with `RMSK` masks where a file has them). Memory: bytes in `FINA` must
//! match, `INIT` bytes not in `FINA` must be unchanged, and no other byte
//! may have been written (RAM pages are armed with the memory's code-page
//! write tracking, so stray stores are found without scanning 16 MiB). The
//! FLAGS word an exception pushes (the `EXCP` chunk's address; on the 8086
//! inferred from a 6-byte stack frame) is masked like FLAGS.

use super::moo::{Reg, Regs, Test, REG_COUNT};
use emulator::cpu::flags::Flags;
use emulator::cpu::state::gpr;
use emulator::cpu::{Cpu, CpuModel, SegReg, Segment};
use emulator::memory::{Memory, MemoryError, PAGE_SIZE};
use thiserror::Error;

/// RAM of the 8086 test rig: the whole 1 MiB address space.
pub const RAM_8086: u64 = 0x10_0000;
/// RAM of the 80286 test rig: the whole 16 MiB address space.
pub const RAM_80286: u64 = 0x100_0000;
/// Bound on steps of one REP string instruction (tests mask CX to 7 bits).
const MAX_REP_STEPS: u32 = 0x2_0000;

/// Errors setting up the runner.
#[derive(Debug, Error)]
pub enum RunnerError {
    #[error("the conformance runner supports the 8086 and 80286 models only, not {0:?}")]
    Model(CpuModel),
    #[error(transparent)]
    Memory(#[from] MemoryError),
}

/// One register compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegCheck {
    pub reg: Reg,
    pub expected: u16,
    pub actual: u16,
    /// Bits compared (undefined bits are 0).
    pub mask: u16,
    /// The register was listed in `FINA` (else: expected unchanged).
    pub listed: bool,
}

impl RegCheck {
    /// The register matches under its mask.
    #[inline]
    pub fn ok(&self) -> bool {
        (self.expected ^ self.actual) & self.mask == 0
    }
}

/// Why a memory byte is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemKind {
    /// Listed in `FINA`.
    Final,
    /// Listed in `INIT` only: must be unchanged.
    Unchanged,
    /// Listed nowhere, but written by ox86 (expected: still zero).
    Stray,
}

/// One memory byte compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemCheck {
    pub addr: u32,
    pub expected: u8,
    pub actual: u8,
    pub mask: u8,
    pub kind: MemKind,
}

impl MemCheck {
    /// The byte matches under its mask.
    #[inline]
    pub fn ok(&self) -> bool {
        (self.expected ^ self.actual) & self.mask == 0
    }
}

/// The result of one test.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub regs: [RegCheck; REG_COUNT],
    /// `FINA` bytes first (in file order), then differing others.
    pub mem: Vec<MemCheck>,
    /// How ox86 decoded the instruction (iced-x86 code) or the exception
    /// decoding raised; filled in for failures only.
    pub decoded: Option<String>,
}

impl Outcome {
    /// Every register and byte matches.
    pub fn passed(&self) -> bool {
        self.regs.iter().all(RegCheck::ok) && self.mem.iter().all(MemCheck::ok)
    }
}

/// Per-test comparison options.
#[derive(Clone, Copy, Debug)]
pub struct Masks<'a> {
    /// `flags-mask` of the opcode (0xFFFF when all flags are defined).
    pub flags: u16,
    /// File-wide `RMSK` register masks.
    pub file_regs: Option<&'a Regs>,
}

impl Default for Masks<'_> {
    fn default() -> Self {
        Masks {
            flags: 0xFFFF,
            file_regs: None,
        }
    }
}

/// A reusable CPU + RAM for running tests of one CPU generation.
pub struct Runner {
    cpu: Cpu,
    model: CpuModel,
    /// Scratch: RAM pages written during a test.
    written: Vec<u32>,
}

impl Runner {
    /// A runner for `model` (8086 or 80286).
    pub fn new(model: CpuModel) -> Result<Self, RunnerError> {
        let ram = match model {
            CpuModel::I8086 => RAM_8086,
            CpuModel::I80286 => RAM_80286,
            m => return Err(RunnerError::Model(m)),
        };
        let mem = Memory::new(ram)?;
        let mut cpu = Cpu::new(model, mem, devices::IoBus::bare());
        for p in 0..(ram / u64::from(PAGE_SIZE)) as u32 {
            cpu.mem.mark_code(p * PAGE_SIZE);
        }
        Ok(Runner {
            cpu,
            model,
            written: Vec::with_capacity(64),
        })
    }

    /// The CPU model tests run on.
    pub fn model(&self) -> CpuModel {
        self.model
    }

    /// Run `t` and compare with its final state.
    pub fn run(&mut self, t: &Test, masks: Masks) -> Outcome {
        self.setup(t);
        let initial = self.read_regs();
        let lin = self.cpu.linear_ip();
        self.execute();
        self.written.clear();
        self.cpu.mem.take_invalidations(&mut self.written);
        let mut out = self.compare(t, &initial, masks);
        if !out.passed() {
            out.decoded = Some(self.describe_decode(t, lin));
        }
        self.cleanup(t);
        out
    }

    fn setup(&mut self, t: &Test) {
        let cpu = &mut self.cpu;
        cpu.reset();
        let r = &t.init.regs;
        let v = |reg: Reg| u64::from(r.values[reg as usize]);
        for (reg, n) in [
            (Reg::Ax, gpr::RAX),
            (Reg::Bx, gpr::RBX),
            (Reg::Cx, gpr::RCX),
            (Reg::Dx, gpr::RDX),
            (Reg::Sp, gpr::RSP),
            (Reg::Bp, gpr::RBP),
            (Reg::Si, gpr::RSI),
            (Reg::Di, gpr::RDI),
        ] {
            cpu.state.regs[n] = v(reg);
        }
        for (reg, s) in [
            (Reg::Es, SegReg::Es),
            (Reg::Cs, SegReg::Cs),
            (Reg::Ss, SegReg::Ss),
            (Reg::Ds, SegReg::Ds),
        ] {
            cpu.state.seg[s as usize] = Segment::real(v(reg) as u16, s == SegReg::Cs);
        }
        cpu.state.rip = v(Reg::Ip);
        // Bits 12-15: IOPL/NT cannot be set in real mode on the 80286 and do
        // not exist on the 8086 (they read as 1 there).
        cpu.state.flags = Flags::from_bits(u32::from(r.values[Reg::Flags as usize]) & 0x0FFF);
        for &(a, b) in &t.init.ram {
            cpu.mem.write_u8(a, b);
        }
        // Setting up RAM is not a guest write: re-arm the tracking.
        self.rearm();
    }

    /// Pages written since the last call are tracked again.
    fn rearm(&mut self) {
        self.written.clear();
        self.cpu.mem.take_invalidations(&mut self.written);
        for &p in &self.written {
            self.cpu.mem.mark_code(p * PAGE_SIZE);
        }
        self.written.clear();
    }

    fn execute(&mut self) {
        let cpu = &mut self.cpu;
        let start = (cpu.state.seg[SegReg::Cs as usize].selector, cpu.state.rip);
        let mut steps = 0;
        while let Some(d) = emulator::engine::interpreter::step(cpu) {
            steps += 1;
            let here = (cpu.state.seg[SegReg::Cs as usize].selector, cpu.state.rip);
            let rep = d.insn.is_string_instruction()
                && (d.insn.has_rep_prefix() || d.insn.has_repne_prefix());
            if !(rep && here == start) || cpu.state.halted || steps >= MAX_REP_STEPS {
                break;
            }
        }
        if self.model == CpuModel::I80286 && !cpu.state.halted {
            // The HLT that ends every 80286 test (in RAM or injected).
            cpu.state.rip = cpu.state.rip.wrapping_add(1) & 0xFFFF;
            cpu.state.halted = true;
        }
    }

    fn read_regs(&self) -> Regs {
        let s = &self.cpu.state;
        let mut r = Regs::default();
        for (reg, n) in [
            (Reg::Ax, gpr::RAX),
            (Reg::Bx, gpr::RBX),
            (Reg::Cx, gpr::RCX),
            (Reg::Dx, gpr::RDX),
            (Reg::Sp, gpr::RSP),
            (Reg::Bp, gpr::RBP),
            (Reg::Si, gpr::RSI),
            (Reg::Di, gpr::RDI),
        ] {
            r.set(reg, s.regs[n] as u16);
        }
        for (reg, sr) in [
            (Reg::Es, SegReg::Es),
            (Reg::Cs, SegReg::Cs),
            (Reg::Ss, SegReg::Ss),
            (Reg::Ds, SegReg::Ds),
        ] {
            r.set(reg, s.seg[sr as usize].selector);
        }
        r.set(Reg::Ip, s.rip as u16);
        r.set(Reg::Flags, self.cpu.flags_image() as u16);
        r
    }

    /// Physical address of the FLAGS word an exception pushed, if any.
    fn pushed_flags_addr(&self, t: &Test, initial: &Regs) -> Option<u32> {
        if let Some(e) = t.exception {
            // The recorded address is that of the bus cycle, rounded down to
            // even; with an odd SP the word really starts one byte higher.
            // The frame's FLAGS word is at SS:SP+4 after the pushes.
            let get = |r: Reg| t.fina.regs.get(r).unwrap_or(initial.values[r as usize]);
            let ss = u32::from(get(Reg::Ss));
            let at = (ss << 4) + u32::from(get(Reg::Sp).wrapping_add(4));
            return Some(if at & !1 == e.flag_addr & !1 {
                at
            } else {
                e.flag_addr
            });
        }
        if self.model != CpuModel::I8086 {
            return None;
        }
        // The 8086 files have no EXCP chunk: an interrupt frame shows as SP
        // lowered by 6 (FLAGS, CS, IP) with CS:IP changed.
        let sp0 = initial.values[Reg::Sp as usize];
        let sp1 = t.fina.regs.get(Reg::Sp)?;
        t.fina.regs.get(Reg::Cs)?;
        (sp1 == sp0.wrapping_sub(6)).then(|| {
            let ss = u32::from(initial.values[Reg::Ss as usize]);
            ((ss << 4) + u32::from(sp0.wrapping_sub(2))) & 0xF_FFFF
        })
    }

    fn compare(&self, t: &Test, initial: &Regs, masks: Masks) -> Outcome {
        let actual = self.read_regs();
        let regs = Reg::ALL.map(|reg| {
            let listed = t.fina.regs.get(reg);
            let mut mask = if reg == Reg::Flags {
                masks.flags
            } else {
                0xFFFF
            };
            for m in [masks.file_regs, t.fina.reg_masks.as_ref()]
                .into_iter()
                .flatten()
            {
                if let Some(v) = m.get(reg) {
                    mask &= v;
                }
            }
            RegCheck {
                reg,
                expected: listed.unwrap_or(initial.values[reg as usize]),
                actual: actual.values[reg as usize],
                mask,
                listed: listed.is_some(),
            }
        });
        let flags_at = if masks.flags != 0xFFFF {
            self.pushed_flags_addr(t, initial)
        } else {
            None
        };
        let byte_mask = |a: u32| match flags_at {
            Some(f) if a == f => masks.flags as u8,
            Some(f) if a == f.wrapping_add(1) => (masks.flags >> 8) as u8,
            _ => 0xFF,
        };
        let mem_ = &self.cpu.mem;
        let mut mem: Vec<MemCheck> = t
            .fina
            .ram
            .iter()
            .map(|&(addr, expected)| MemCheck {
                addr,
                expected,
                actual: mem_.read_u8(addr),
                mask: byte_mask(addr),
                kind: MemKind::Final,
            })
            .collect();
        let in_fina = |a: u32| t.fina.ram.iter().any(|&(x, _)| x == a);
        for &(addr, expected) in &t.init.ram {
            if in_fina(addr) {
                continue;
            }
            let c = MemCheck {
                addr,
                expected,
                actual: mem_.read_u8(addr),
                mask: byte_mask(addr),
                kind: MemKind::Unchanged,
            };
            if !c.ok() {
                mem.push(c);
            }
        }
        for &page in &self.written {
            let base = page * PAGE_SIZE;
            for a in base..base + PAGE_SIZE {
                let v = mem_.read_u8(a);
                if v != 0 && !in_fina(a) && !t.init.ram.iter().any(|&(x, _)| x == a) {
                    mem.push(MemCheck {
                        addr: a,
                        expected: 0,
                        actual: v,
                        mask: 0xFF,
                        kind: MemKind::Stray,
                    });
                }
            }
        }
        Outcome {
            regs,
            mem,
            decoded: None,
        }
    }

    /// How the instruction at `lin` decodes (set-up is redone, since the
    /// test may have overwritten its own code).
    fn describe_decode(&mut self, t: &Test, lin: u32) -> String {
        for &(a, b) in &t.init.ram {
            self.cpu.mem.write_u8(a, b);
        }
        self.cpu.state.seg[SegReg::Cs as usize] =
            Segment::real(t.init.regs.values[Reg::Cs as usize], true);
        match self.cpu.decode_at(lin) {
            Ok(d) => format!("{:?}", d.insn.code()),
            Err(e) => format!("decoding raised {e}"),
        }
    }

    /// Zero every byte the test touched, so the next test starts from zeroed
    /// RAM, and re-arm the write tracking.
    fn cleanup(&mut self, t: &Test) {
        let mem = &mut self.cpu.mem;
        for &(a, _) in t.init.ram.iter().chain(&t.fina.ram) {
            mem.write_u8(a, 0);
        }
        let zero = [0u8; PAGE_SIZE as usize];
        for &p in &self.written {
            mem.write_bytes(p * PAGE_SIZE, &zero);
        }
        let written = std::mem::take(&mut self.written);
        for &p in &written {
            mem.mark_code(p * PAGE_SIZE);
        }
        self.written = written;
        self.rearm();
        // Drop anything the debug ports collected.
        let _ = self.cpu.io.debug.take_console();
        let _ = self.cpu.io.debug.take_post_codes();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::singlestep::moo::State;

    /// A test at 1000:0100 with SS:SP = 2000:0100, DS = ES = 0, every
    /// other register 0 and FLAGS = 0x0002, the given code in RAM, and the
    /// given final registers and RAM.
    fn test(
        code: &[u8],
        init_ram: &[(u32, u8)],
        fina: &[(Reg, u16)],
        fina_ram: &[(u32, u8)],
    ) -> Test {
        let mut regs = Regs::default();
        for r in Reg::ALL {
            regs.set(r, 0);
        }
        regs.set(Reg::Cs, 0x1000);
        regs.set(Reg::Ip, 0x0100);
        regs.set(Reg::Ss, 0x2000);
        regs.set(Reg::Sp, 0x0100);
        regs.set(Reg::Flags, 0x0002);
        let mut ram: Vec<(u32, u8)> = code
            .iter()
            .enumerate()
            .map(|(i, &b)| (0x10100 + i as u32, b))
            .collect();
        ram.extend_from_slice(init_ram);
        let mut f = Regs::default();
        for &(r, v) in fina {
            f.set(r, v);
        }
        Test {
            name: "t".into(),
            bytes: code.to_vec(),
            init: State {
                regs,
                ram,
                ..Default::default()
            },
            fina: State {
                regs: f,
                ram: fina_ram.to_vec(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn failing_regs(o: &Outcome) -> Vec<Reg> {
        o.regs.iter().filter(|c| !c.ok()).map(|c| c.reg).collect()
    }

    fn failing_mem(o: &Outcome) -> Vec<(u32, MemKind)> {
        o.mem
            .iter()
            .filter(|c| !c.ok())
            .map(|c| (c.addr, c.kind))
            .collect()
    }

    #[test]
    fn only_the_differing_register_fails() {
        let mut r = Runner::new(CpuModel::I8086).unwrap();
        // inc ax: AX 0 -> 1, flags: PF=0 ZF=0 ... (0x0002 -> 0xF002 image)
        let good = test(&[0x40], &[], &[(Reg::Ax, 1), (Reg::Ip, 0x101)], &[]);
        let o = r.run(&good, Masks::default());
        assert!(o.passed(), "{:?}", failing_regs(&o));
        let bad = test(&[0x40], &[], &[(Reg::Ax, 2), (Reg::Ip, 0x101)], &[]);
        let o = r.run(&bad, Masks::default());
        assert_eq!(failing_regs(&o), vec![Reg::Ax]);
        assert!(o.decoded.as_deref().unwrap().starts_with("Inc"));
        // An absent register must keep its initial value: IP not listed.
        let o = r.run(&test(&[0x40], &[], &[(Reg::Ax, 1)], &[]), Masks::default());
        assert_eq!(failing_regs(&o), vec![Reg::Ip]);
    }

    #[test]
    fn the_286_executes_the_trailing_halt() {
        let mut r = Runner::new(CpuModel::I80286).unwrap();
        // nop; hlt: IP ends after the HLT.
        let t = test(&[0x90, 0xF4], &[], &[(Reg::Ip, 0x102)], &[]);
        assert!(r.run(&t, Masks::default()).passed());
        // A HLT under test halts by itself: IP one past it.
        let t = test(&[0xF4], &[], &[(Reg::Ip, 0x101)], &[]);
        assert!(r.run(&t, Masks::default()).passed());
        // A jump: the HLT is injected at the target (not in RAM).
        let t = test(&[0xEB, 0x10], &[], &[(Reg::Ip, 0x113)], &[]);
        assert!(r.run(&t, Masks::default()).passed());
    }

    #[test]
    fn flags_mask_hides_undefined_flags() {
        let mut r = Runner::new(CpuModel::I80286).unwrap();
        // inc ax from 0x000F sets AF; pretend the hardware left AF clear.
        let mut t = test(
            &[0x40, 0xF4],
            &[],
            &[(Reg::Ax, 0x10), (Reg::Ip, 0x102)],
            &[],
        );
        t.init.regs.set(Reg::Ax, 0x000F);
        t.fina.regs.set(Reg::Flags, 0x0002);
        let o = r.run(&t, Masks::default());
        assert_eq!(failing_regs(&o), vec![Reg::Flags]);
        let masked = Masks {
            flags: 0xFFEF,
            file_regs: None,
        };
        assert!(r.run(&t, masked).passed());
    }

    #[test]
    fn memory_checks_final_unchanged_and_stray_bytes() {
        let mut r = Runner::new(CpuModel::I8086).unwrap();
        // mov [0x0010], al with AL = 0x55 (DS = 0): writes 0x00010.
        let code = [0xA2, 0x10, 0x00];
        let mut t = test(&code, &[], &[(Reg::Ip, 0x103)], &[(0x10, 0x55)]);
        t.init.regs.set(Reg::Ax, 0x55);
        assert!(r.run(&t, Masks::default()).passed());
        // Expected elsewhere: the real target is a stray write.
        t.fina.ram = vec![(0x11, 0x55)];
        let o = r.run(&t, Masks::default());
        assert_eq!(
            failing_mem(&o),
            vec![(0x11, MemKind::Final), (0x10, MemKind::Stray)]
        );
        // An INIT byte changed but not listed in FINA.
        t.init.ram.push((0x10, 0x77));
        t.fina.ram.clear();
        let o = r.run(&t, Masks::default());
        assert_eq!(failing_mem(&o), vec![(0x10, MemKind::Unchanged)]);
        // RAM is clean for the next test: mov al, [0x0010] reads 0.
        let mut t = test(
            &[0xA0, 0x10, 0x00],
            &[],
            &[(Reg::Ax, 0x0000), (Reg::Ip, 0x103)],
            &[],
        );
        t.init.regs.set(Reg::Ax, 0x00FF);
        assert!(r.run(&t, Masks::default()).passed());
    }

    #[test]
    fn exception_frames_mask_the_pushed_flags() {
        use crate::singlestep::moo::ExceptionInfo;
        let mut r = Runner::new(CpuModel::I80286).unwrap();
        // int3 -> IVT[3] = 3000:0040, frame at 2000:00FA; then the HLT.
        let ivt = [(12, 0x40), (13, 0x00), (14, 0x00), (15, 0x30)];
        let mut t = test(
            &[0xCC],
            &ivt,
            &[(Reg::Cs, 0x3000), (Reg::Ip, 0x41), (Reg::Sp, 0xFA)],
            &[
                (0x200FA, 0x01),
                (0x200FB, 0x01),
                (0x200FC, 0x00),
                (0x200FD, 0x10),
                // FLAGS as pushed, with a wrong AF bit.
                (0x200FE, 0x12),
                (0x200FF, 0x00),
            ],
        );
        t.exception = Some(ExceptionInfo {
            vector: 3,
            flag_addr: 0x200FE,
        });
        let o = r.run(&t, Masks::default());
        assert_eq!(failing_mem(&o), vec![(0x200FE, MemKind::Final)]);
        let masked = Masks {
            flags: 0xFFEF,
            file_regs: None,
        };
        assert!(r.run(&t, masked).passed());
    }

    #[test]
    fn only_early_models_are_supported() {
        assert!(matches!(
            Runner::new(CpuModel::Pentium),
            Err(RunnerError::Model(_))
        ));
    }
}
