//! Intel 82077AA CHMOS single-chip floppy disk controller in PC-AT mode
//! (82077AA datasheet, §2 "Register description", §5 "Command set", §7
//! "Reset"), at 0x3F0–0x3F7 on IRQ 6 and DMA channel 2.
//!
//! Registers (offset from 0x3F0):
//!
//! | off | read | write |
//! |---|---|---|
//! | 0 | SRA (status A, PS/2 layout) | — |
//! | 1 | SRB (status B, PS/2 layout) | — |
//! | 2 | DOR | DOR: drive select, nRESET, DMA GATE (gates INT and DRQ), motor enables |
//! | 3 | TDR | TDR (tape select bits 1–0) |
//! | 4 | MSR: RQM, DIO, NON-DMA, CMD BSY, DRV x BUSY | DSR: S/W RESET, POWER DOWN, PRECOMP, DRATE SEL |
//! | 5 | FIFO (result bytes, non-DMA data) | FIFO (command bytes, non-DMA data) |
//! | 6 | — (the IDE controller's alternate status) | — |
//! | 7 | DIR: DSKCHG in bit 7 | CCR: DRATE SEL |
//!
//! SRA/SRB are only defined in the datasheet's PS/2 modes; they are
//! returned here with the PS/2 layout (harmless for AT software, which
//! never reads them). DIR bits 6–0 are not driven in AT mode (the hard
//! disk controller's part of 0x3F7): they read as an open bus (1s).
//!
//! Commands are in [`commands`]; the execution phase of the data commands
//! (READ/WRITE DATA, READ TRACK, VERIFY, FORMAT TRACK) in [`transfer`].
//! Media: each of the two drives (DS 0/1; DS 2/3 select nothing) holds a
//! [`BlockDevice`] floppy image whose geometry comes from its size
//! ([`FloppyGeometry`]). The image is formatted as IBM MFM with 512-byte
//! sectors (N = 2) numbered 1..=SPT, ID fields C = cylinder, H = side.
//!
//! Timing is not modelled: seeks and data transfers complete at once. A
//! command for a drive whose motor is off waits in the execution phase
//! until the motor is switched on (a real drive gives no index pulses);
//! for a drive that does not exist it waits forever, as on hardware (the
//! guest's timeout resets the controller). Not implemented: the SCAN
//! commands (treated as invalid), deleted data marks (READ DELETED DATA
//! finds none; WRITE DELETED DATA writes normal data), POWER DOWN, FIFO
//! thresholds/overruns (the host always keeps up), precompensation.

pub mod commands;
pub mod transfer;

use crate::block::{BlockDevice, FloppyGeometry};
use crate::dma8237::Dma8237;
use crate::ide::DmaMemory;

/// Base port of the primary floppy controller.
pub const FDC_BASE: u16 = 0x3F0;
/// ISA IRQ of the floppy controller.
pub const FDC_IRQ: u8 = 6;
/// ISA DMA channel of the floppy controller.
pub const FDC_DMA_CHANNEL: usize = 2;
/// Drives on the PC's floppy cable.
pub const DRIVES: usize = 2;

/// Register offsets.
pub const REG_SRA: u16 = 0;
pub const REG_SRB: u16 = 1;
pub const REG_DOR: u16 = 2;
pub const REG_TDR: u16 = 3;
pub const REG_MSR_DSR: u16 = 4;
pub const REG_FIFO: u16 = 5;
pub const REG_DIR_CCR: u16 = 7;

/// DOR: drive select bits 1–0.
pub const DOR_DRIVE_SEL: u8 = 0x03;
/// DOR: controller out of reset when set.
pub const DOR_NRESET: u8 = 0x04;
/// DOR: enables the INT and DRQ outputs (PC-AT mode).
pub const DOR_DMA_GATE: u8 = 0x08;
/// DOR: motor enable of drive 0 (drive n: bit 4 + n).
pub const DOR_MOTOR_EN0: u8 = 0x10;

/// MSR: request for master (the FIFO is ready).
pub const MSR_RQM: u8 = 0x80;
/// MSR: data direction (1 = controller to host).
pub const MSR_DIO: u8 = 0x40;
/// MSR: execution phase in non-DMA mode.
pub const MSR_NON_DMA: u8 = 0x20;
/// MSR: command in progress.
pub const MSR_CMD_BSY: u8 = 0x10;

/// DSR: software reset (self-clearing).
pub const DSR_SW_RESET: u8 = 0x80;
/// DSR: power down.
pub const DSR_POWER_DOWN: u8 = 0x40;
/// DSR/CCR: data rate select.
pub const DRATE_SEL: u8 = 0x03;
/// Data rate codes (MFM).
pub const DRATE_500K: u8 = 0;
pub const DRATE_300K: u8 = 1;
pub const DRATE_250K: u8 = 2;
pub const DRATE_1M: u8 = 3;

/// DIR: disk changed.
pub const DIR_DSKCHG: u8 = 0x80;

/// ST0 interrupt code: normal termination.
pub const ST0_IC_NORMAL: u8 = 0x00;
/// ST0 interrupt code: abnormal termination.
pub const ST0_IC_ABNORMAL: u8 = 0x40;
/// ST0 interrupt code: invalid command.
pub const ST0_IC_INVALID: u8 = 0x80;
/// ST0 interrupt code: abnormal termination by polling (ready changed).
pub const ST0_IC_POLLING: u8 = 0xC0;
/// ST0: seek end.
pub const ST0_SE: u8 = 0x20;
/// ST0: equipment check (TRK0 not found by RECALIBRATE).
pub const ST0_EC: u8 = 0x10;
/// ST0: head address.
pub const ST0_H: u8 = 0x04;

/// ST1: end of cylinder (EOT passed without TC).
pub const ST1_EN: u8 = 0x80;
/// ST1: data error (CRC).
pub const ST1_DE: u8 = 0x20;
/// ST1: overrun/underrun.
pub const ST1_OR: u8 = 0x10;
/// ST1: no data (sector not found).
pub const ST1_ND: u8 = 0x04;
/// ST1: not writable (write protect).
pub const ST1_NW: u8 = 0x02;
/// ST1: missing address mark.
pub const ST1_MA: u8 = 0x01;

/// ST2: control mark (deleted data mark met).
pub const ST2_CM: u8 = 0x40;
/// ST2: data error in the data field.
pub const ST2_DD: u8 = 0x20;
/// ST2: wrong cylinder.
pub const ST2_WC: u8 = 0x10;
/// ST2: bad cylinder (ID C = FFh).
pub const ST2_BC: u8 = 0x02;

/// ST3: write protected.
pub const ST3_WP: u8 = 0x40;
/// ST3 bit 5: reads 1 on the 82077AA (ready tied true).
pub const ST3_ONE_5: u8 = 0x20;
/// ST3: track 0.
pub const ST3_T0: u8 = 0x10;
/// ST3 bit 3: reads 1 on the 82077AA.
pub const ST3_ONE_3: u8 = 0x08;
/// ST3: head address.
pub const ST3_HD: u8 = 0x04;

/// Sector size of the media (N = 2).
pub const SECTOR_SIZE: usize = 512;

/// Which phase the controller is in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for (more) command bytes.
    #[default]
    Command,
    /// Executing a data command (see [`transfer::Xfer`]).
    Execution,
    /// Result bytes to be read.
    Result,
}

/// One floppy drive and its medium.
#[derive(Debug, Default)]
pub struct FloppyDrive {
    /// The inserted image (a drive exists only with one here).
    pub media: Option<BlockDevice>,
    /// Its geometry.
    pub geometry: Option<FloppyGeometry>,
    /// Cylinder under the heads (the controller's PCN for this drive).
    pub cylinder: u8,
    /// The disk-change line (active from insertion until a step pulse).
    pub disk_changed: bool,
    /// Seek/recalibrate status waiting for SENSE INTERRUPT STATUS (ST0).
    pub seek_status: Option<u8>,
}

/// CONFIGURE, LOCK and PERPENDICULAR MODE state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FdcConfig {
    /// Implied seek enable.
    pub eis: bool,
    /// FIFO disabled (1 after reset).
    pub efifo: bool,
    /// Drive polling disabled.
    pub poll_disabled: bool,
    pub fifothr: u8,
    pub pretrk: u8,
    pub lock: bool,
    /// PERPENDICULAR MODE: D3–D0 in bits 5–2, GAP bit 1, WGATE bit 0.
    pub perpendicular: u8,
    /// SPECIFY: SRT << 4 | HUT.
    pub srt_hut: u8,
    /// SPECIFY: HLT << 1 | ND.
    pub hlt_nd: u8,
}

impl Default for FdcConfig {
    fn default() -> Self {
        FdcConfig {
            eis: false,
            efifo: true,
            poll_disabled: false,
            fifothr: 0,
            pretrk: 0,
            lock: false,
            perpendicular: 0,
            srt_hut: 0,
            hlt_nd: 0,
        }
    }
}

impl FdcConfig {
    /// SPECIFY's ND bit: non-DMA mode.
    pub fn non_dma(&self) -> bool {
        self.hlt_nd & 1 != 0
    }
}

/// The floppy disk controller.
#[derive(Debug)]
pub struct Fdc82077 {
    pub drives: [FloppyDrive; DRIVES],
    pub dor: u8,
    pub tdr: u8,
    /// DSR bits 4–0 (precompensation and data rate; CCR writes the rate).
    pub dsr: u8,
    pub config: FdcConfig,
    pub phase: Phase,
    /// Command bytes received so far.
    pub(crate) cmd: [u8; 9],
    pub(crate) cmd_len: usize,
    /// Result bytes and how many were read.
    pub(crate) result: [u8; 10],
    pub(crate) result_len: usize,
    pub(crate) result_pos: usize,
    /// The data command in its execution phase.
    pub(crate) xfer: Option<transfer::Xfer>,
    /// Sector (or format ID) buffer of the execution phase.
    pub(crate) buf: Vec<u8>,
    /// Last EOT (or SC of FORMAT) for DUMPREG.
    pub(crate) last_eot: u8,
    /// Polling statuses still to report after a reset (drives 0–3).
    pub(crate) reset_sense: u8,
    /// The INT output before the DMA GATE.
    pub(crate) interrupt: bool,
    /// Seek status of a drive not on the cable (DS 2/3).
    pub(crate) phantom_seek: Option<u8>,
}

impl Default for Fdc82077 {
    fn default() -> Self {
        Fdc82077::new()
    }
}

impl Fdc82077 {
    /// Hardware reset state: DOR = 0 (the controller is held in reset
    /// until the host sets nRESET), 500 kbit/s.
    pub fn new() -> Self {
        Fdc82077 {
            drives: Default::default(),
            dor: 0,
            tdr: 0,
            dsr: DRATE_500K,
            config: FdcConfig::default(),
            phase: Phase::Command,
            cmd: [0; 9],
            cmd_len: 0,
            result: [0; 10],
            result_len: 0,
            result_pos: 0,
            xfer: None,
            buf: vec![0; transfer::BUF_SIZE],
            last_eot: 0,
            reset_sense: 0,
            interrupt: false,
            phantom_seek: None,
        }
    }

    /// Insert a floppy image into drive `n` (0 = A:, 1 = B:); the
    /// disk-change line goes active. Returns the previous medium.
    pub fn insert(&mut self, n: usize, media: BlockDevice) -> Option<BlockDevice> {
        let d = self.drives.get_mut(n)?;
        d.geometry = media.floppy_geometry();
        d.disk_changed = true;
        d.media.replace(media)
    }

    /// The medium of drive `n`, for firmware that reads it directly
    /// (the built-in BIOS's INT 13h).
    pub fn media_mut(&mut self, n: usize) -> Option<&mut BlockDevice> {
        self.drives.get_mut(n)?.media.as_mut()
    }

    /// CMOS drive type (register 10h nibble) of drive `n`: the type its
    /// medium belongs in, 0 without one.
    pub fn cmos_type(&self, n: usize) -> u8 {
        self.drives
            .get(n)
            .and_then(|d| d.geometry)
            .map_or(0, |g| g.drive_type.cmos_type())
    }

    /// Whether the controller decodes `port` (0x3F0–0x3F5, 0x3F7).
    pub fn decodes(port: u16) -> bool {
        matches!(port.wrapping_sub(FDC_BASE), 0..=5 | 7)
    }

    fn in_reset(&self) -> bool {
        self.dor & DOR_NRESET == 0
    }

    /// The IRQ 6 line: the INT output, gated by DOR's DMA GATE.
    pub fn irq_level(&self) -> bool {
        self.dor & DOR_DMA_GATE != 0 && (self.interrupt || self.pio_request())
    }

    /// Non-DMA execution phase waiting for the host (the INT pin asks for
    /// each byte).
    fn pio_request(&self) -> bool {
        self.phase == Phase::Execution && self.config.non_dma() && self.xfer_wants_data()
    }

    /// DRQ on channel 2: a DMA-mode transfer is waiting.
    pub fn dma_request(&self) -> bool {
        self.dor & DOR_DMA_GATE != 0
            && self.phase == Phase::Execution
            && !self.config.non_dma()
            && self.xfer_wants_data()
    }

    /// Read a byte register.
    pub fn read(&mut self, port: u16) -> u8 {
        match port.wrapping_sub(FDC_BASE) {
            REG_SRA => self.sra(),
            REG_SRB => self.srb(),
            REG_DOR => self.dor,
            REG_TDR => 0xFC | self.tdr,
            REG_MSR_DSR => self.msr(),
            REG_FIFO => self.read_fifo(),
            REG_DIR_CCR => {
                let d = &self.drives.get(usize::from(self.dor & DOR_DRIVE_SEL));
                let chg = d.is_some_and(|d| d.media.is_some() && d.disk_changed);
                0x7F | if chg { DIR_DSKCHG } else { 0 }
            }
            _ => 0xFF,
        }
    }

    /// Write a byte register.
    pub fn write(&mut self, port: u16, value: u8) {
        match port.wrapping_sub(FDC_BASE) {
            REG_DOR => self.write_dor(value),
            REG_TDR => self.tdr = value & 3,
            REG_MSR_DSR => {
                self.dsr = value & 0x1F;
                if value & DSR_SW_RESET != 0 && !self.in_reset() {
                    self.reset();
                    self.end_reset();
                }
            }
            REG_FIFO => self.write_fifo(value),
            REG_DIR_CCR => self.dsr = (self.dsr & !DRATE_SEL) | (value & DRATE_SEL),
            _ => {}
        }
    }

    fn write_dor(&mut self, value: u8) {
        let was_reset = self.in_reset();
        self.dor = value;
        if !was_reset && self.in_reset() {
            self.reset();
        } else if was_reset && !self.in_reset() {
            self.reset();
            self.end_reset();
        }
        // A command waiting for its drive's motor starts now.
        if self.phase == Phase::Execution && self.xfer.as_ref().is_some_and(|x| x.waiting) {
            self.start_transfer();
        }
    }

    /// Software or hardware reset of the core: command state, interrupt
    /// and pending statuses are cleared; CONFIGURE goes back to its
    /// defaults except the parameters LOCK protects (EFIFO, FIFOTHR,
    /// PRETRK); PERPENDICULAR MODE keeps D3–D0 (GAP and WGATE cleared).
    /// SPECIFY values, the data rate and the head positions are kept.
    pub fn reset(&mut self) {
        self.phase = Phase::Command;
        self.cmd_len = 0;
        self.result_len = 0;
        self.result_pos = 0;
        self.xfer = None;
        self.interrupt = false;
        self.reset_sense = 0;
        self.phantom_seek = None;
        for d in &mut self.drives {
            d.seek_status = None;
        }
        let c = self.config;
        self.config = FdcConfig {
            srt_hut: c.srt_hut,
            hlt_nd: c.hlt_nd,
            perpendicular: c.perpendicular & 0x3C,
            lock: c.lock,
            ..FdcConfig::default()
        };
        if c.lock {
            self.config.efifo = c.efifo;
            self.config.fifothr = c.fifothr;
            self.config.pretrk = c.pretrk;
        }
    }

    /// Leaving reset: drive polling (enabled by reset) sees the four
    /// drives "not ready" and interrupts; each needs a SENSE INTERRUPT
    /// STATUS (ST0 = C0h | drive).
    fn end_reset(&mut self) {
        if !self.config.poll_disabled {
            self.reset_sense = 4;
            self.interrupt = true;
        }
    }

    /// Main status register.
    pub fn msr(&self) -> u8 {
        if self.in_reset() {
            return 0;
        }
        // DRV x BUSY (bits 3-0) would show seeks in progress: seeks end
        // at once here.
        match self.phase {
            Phase::Command if self.cmd_len == 0 => MSR_RQM,
            Phase::Command => MSR_RQM | MSR_CMD_BSY,
            Phase::Result => MSR_RQM | MSR_DIO | MSR_CMD_BSY,
            Phase::Execution => {
                if self.pio_request() {
                    let dio = if self.xfer_to_host() { MSR_DIO } else { 0 };
                    MSR_RQM | MSR_NON_DMA | MSR_CMD_BSY | dio
                } else if self.config.non_dma() {
                    MSR_NON_DMA | MSR_CMD_BSY
                } else {
                    MSR_CMD_BSY
                }
            }
        }
    }

    fn read_fifo(&mut self) -> u8 {
        if self.in_reset() {
            return 0;
        }
        match self.phase {
            Phase::Result => {
                // Reading the result clears the interrupt.
                self.interrupt = false;
                let v = self.result[self.result_pos.min(self.result.len() - 1)];
                self.result_pos += 1;
                if self.result_pos >= self.result_len {
                    self.phase = Phase::Command;
                    self.result_len = 0;
                    self.result_pos = 0;
                }
                v
            }
            Phase::Execution if self.pio_request() && self.xfer_to_host() => self.pio_read(),
            _ => 0,
        }
    }

    fn write_fifo(&mut self, value: u8) {
        if self.in_reset() {
            return;
        }
        match self.phase {
            Phase::Command => {
                self.cmd[self.cmd_len] = value;
                self.cmd_len += 1;
                if self.cmd_len >= commands::command_length(self.cmd[0]) {
                    self.execute();
                }
            }
            Phase::Execution if self.pio_request() && !self.xfer_to_host() => self.pio_write(value),
            _ => {}
        }
    }

    /// Enter the result phase with `bytes`; `irq` raises the interrupt.
    pub(crate) fn set_result(&mut self, bytes: &[u8], irq: bool) {
        let n = bytes.len().min(self.result.len());
        self.result[..n].copy_from_slice(&bytes[..n]);
        self.result_len = n;
        self.result_pos = 0;
        self.cmd_len = 0;
        self.phase = Phase::Result;
        if irq {
            self.interrupt = true;
        }
    }

    /// Back to the command phase without a result (SEEK, SPECIFY...).
    pub(crate) fn command_done(&mut self) {
        self.cmd_len = 0;
        self.phase = Phase::Command;
    }

    /// Status register A (PS/2 layout): INT PENDING, nDRV2, STEP, nTRK0,
    /// HDSEL, nINDX, nWP, DIR.
    fn sra(&self) -> u8 {
        let d = &self.drives[usize::from(self.dor & 1)];
        let mut v = 0u8;
        if self.interrupt {
            v |= 0x80;
        }
        if self.drives[1].media.is_none() {
            v |= 0x40;
        }
        if d.cylinder != 0 {
            v |= 0x10;
        }
        v |= 0x04;
        if !d.media.as_ref().is_some_and(BlockDevice::is_read_only) {
            v |= 0x02;
        }
        v
    }

    /// Status register B (PS/2 layout): bits 7–6 = 1, DRIVE SEL0, motor
    /// enables 1–0.
    fn srb(&self) -> u8 {
        0xC0 | (self.dor & 1) << 5 | (self.dor >> 4) & 3
    }

    /// Expected data rate of drive `n`'s medium: whether `rate` reads it.
    pub(crate) fn rate_matches(&self, n: usize) -> bool {
        let Some(g) = self.drives.get(n).and_then(|d| d.geometry) else {
            return false;
        };
        let rate = self.dsr & DRATE_SEL;
        match g.sectors_per_track {
            36 => rate == DRATE_1M,
            15..=21 => rate == DRATE_500K,
            // 360K media: 250 kbit/s in a 360K drive, 300 in a 1.2M drive.
            _ if g.cylinders <= 42 => rate == DRATE_250K || rate == DRATE_300K,
            _ => rate == DRATE_250K,
        }
    }

    /// The RESET pin (system reset): DOR cleared, so the controller is
    /// held in reset until the host sets nRESET; CONFIGURE, LOCK, SPECIFY
    /// and the data rate return to their power-on values. Media stay.
    pub fn hardware_reset(&mut self) {
        self.config = FdcConfig::default();
        self.dsr = DRATE_500K;
        self.dor = 0;
        self.tdr = 0;
        self.reset();
    }

    /// Run a pending DMA-mode transfer on channel 2 with guest memory.
    pub fn run_dma(&mut self, dma: &mut Dma8237, mem: &mut dyn DmaMemory) {
        let mut guard = 0;
        while self.dma_request() && dma.channel_ready(FDC_DMA_CHANNEL) && guard < 1 << 16 {
            guard += 1;
            if !self.dma_step(dma, mem) {
                break;
            }
        }
        dma.set_dreq(FDC_DMA_CHANNEL, self.dma_request());
    }
}

/// Put `fdc` on `bus` (ports, IRQ 6, DMA channel 2) and describe its
/// drives in CMOS as the board's set-up does: register 10h (drive A type
/// in bits 7–4, B in 3–0), equipment byte bit 0 and bits 7–6 (drive count
/// − 1), and the checksum over 10h–2Dh.
pub fn attach(bus: &mut crate::IoBus, fdc: Fdc82077) {
    use crate::cmos_rtc::layout::{
        CMOS_CHECKSUM_FIRST, CMOS_CHECKSUM_HIGH, CMOS_CHECKSUM_LAST, CMOS_EQUIPMENT,
        CMOS_FLOPPY_TYPES, EQUIP_FLOPPY_PRESENT,
    };
    if let Some(rtc) = bus.rtc.as_mut() {
        let types = [fdc.cmos_type(0), fdc.cmos_type(1)];
        rtc.set_ram_byte(CMOS_FLOPPY_TYPES, types[0] << 4 | (types[1] & 0x0F));
        let n = types.iter().filter(|&&t| t != 0).count() as u8;
        let mut equip = rtc.ram()[CMOS_EQUIPMENT] & !(EQUIP_FLOPPY_PRESENT | 0xC0);
        if n > 0 {
            equip |= EQUIP_FLOPPY_PRESENT | (n - 1) << 6;
        }
        rtc.set_ram_byte(CMOS_EQUIPMENT, equip);
        let sum: u16 = rtc.ram()[CMOS_CHECKSUM_FIRST..=CMOS_CHECKSUM_LAST]
            .iter()
            .map(|&b| u16::from(b))
            .sum();
        rtc.set_ram_byte(CMOS_CHECKSUM_HIGH, (sum >> 8) as u8);
        rtc.set_ram_byte(CMOS_CHECKSUM_HIGH + 1, sum as u8);
    }
    bus.fdc = Some(fdc);
}

#[cfg(test)]
mod tests;
