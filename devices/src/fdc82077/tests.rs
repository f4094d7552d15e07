//! Register-level tests named after 82077AA datasheet behaviour.

use super::commands::*;
use super::*;
use crate::block::MediaKind;
use crate::dma8237::{Dma8237, MODE_READ, MODE_SINGLE, MODE_WRITE, PAGE_PORTS};
use crate::testutil::{Ram, TempImage};

const SIZE_144: usize = 1_474_560;

/// An image whose every sector starts with its LBA (LE u16) and is
/// filled with `lba % 251`.
fn pattern(size: usize) -> Vec<u8> {
    let mut v: Vec<u8> = (0..size).map(|i| ((i / 512) % 251) as u8).collect();
    for lba in 0..size / 512 {
        v[lba * 512..lba * 512 + 2].copy_from_slice(&(lba as u16).to_le_bytes());
    }
    v
}

/// A controller with `img` in drive A, out of reset (DOR = 1Ch: motor A,
/// DMA gate, nRESET), the four polling interrupts sensed.
fn setup(img: &TempImage, read_only: bool) -> Fdc82077 {
    let mut f = Fdc82077::new();
    f.insert(0, img.open(MediaKind::Floppy, read_only));
    f.write(0x3F2, 0x1C);
    for n in 0..4 {
        assert_eq!(
            cmd(&mut f, &[CMD_SENSE_INTERRUPT_STATUS]),
            vec![0xC0 | n, 0]
        );
    }
    f
}

/// Send a command, checking RQM/DIO before each byte; return the result
/// bytes if it has a result phase now.
fn cmd(f: &mut Fdc82077, bytes: &[u8]) -> Vec<u8> {
    for &b in bytes {
        assert_eq!(f.msr() & (MSR_RQM | MSR_DIO), MSR_RQM, "ready for {b:#x}");
        f.write(0x3F5, b);
    }
    result(f)
}

fn result(f: &mut Fdc82077) -> Vec<u8> {
    let mut r = Vec::new();
    while f.msr() & (MSR_RQM | MSR_DIO) == MSR_RQM | MSR_DIO && f.phase == Phase::Result {
        r.push(f.read(0x3F5));
    }
    r
}

fn dma_for(mode: u8, addr: u32, len: u16) -> Dma8237 {
    let mut d = Dma8237::new();
    d.firmware_setup();
    d.write(0x0A, 0x06);
    d.write(0x0C, 0);
    d.write(0x0B, mode | 2);
    d.write(0x04, addr as u8);
    d.write(0x04, (addr >> 8) as u8);
    d.write(PAGE_PORTS[2], (addr >> 16) as u8);
    d.write(0x05, (len - 1) as u8);
    d.write(0x05, ((len - 1) >> 8) as u8);
    d.write(0x0A, 0x02);
    d
}

fn read_cmd(mt: bool, c: u8, h: u8, r: u8, eot: u8) -> [u8; 9] {
    let first = CMD_READ_DATA | CMD_MFM | if mt { CMD_MT } else { 0 };
    [first, h << 2, c, h, r, 2, eot, 0x1B, 0xFF]
}

fn seek(f: &mut Fdc82077, c: u8) {
    assert!(cmd(f, &[CMD_SEEK, 0, c]).is_empty());
    assert_eq!(cmd(f, &[CMD_SENSE_INTERRUPT_STATUS]), vec![ST0_SE, c]);
}

#[test]
fn hardware_reset_holds_the_core_in_reset_until_dor_nreset() {
    let mut f = Fdc82077::new();
    assert_eq!(f.msr(), 0, "DOR = 0 after hardware reset");
    f.write(0x3F2, 0x0C);
    assert_eq!(f.msr(), MSR_RQM);
    assert!(f.irq_level(), "polling interrupt after reset");
    for n in 0..4 {
        assert_eq!(
            cmd(&mut f, &[CMD_SENSE_INTERRUPT_STATUS]),
            vec![0xC0 | n, 0]
        );
        assert!(!f.irq_level());
    }
    assert_eq!(
        cmd(&mut f, &[CMD_SENSE_INTERRUPT_STATUS]),
        vec![ST0_IC_INVALID]
    );
}

#[test]
fn dsr_software_reset_self_clears_and_interrupts() {
    let mut f = Fdc82077::new();
    f.write(0x3F2, 0x0C);
    f.write(0x3F4, DSR_SW_RESET | DRATE_250K);
    assert_eq!(f.msr(), MSR_RQM);
    assert_eq!(f.dsr & DRATE_SEL, DRATE_250K);
    assert!(f.irq_level());
    // Without DMA GATE the INT pin is disabled.
    f.write(0x3F2, 0x04);
    assert!(!f.irq_level());
}

#[test]
fn version_is_90h_and_invalid_codes_return_st0_80h_without_interrupt() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = setup(&img, false);
    assert_eq!(cmd(&mut f, &[CMD_VERSION]), vec![VERSION_82077AA]);
    for bad in [0x00, 0x01, 0x11, 0x18, 0x1F, 0xE3, 0x83] {
        assert_eq!(cmd(&mut f, &[bad]), vec![ST0_IC_INVALID], "{bad:#x}");
        assert!(!f.irq_level());
    }
}

#[test]
fn specify_configure_perpendicular_lock_show_in_dumpreg() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = setup(&img, false);
    assert!(cmd(&mut f, &[CMD_SPECIFY, 0xDF, 0x02]).is_empty());
    assert!(cmd(&mut f, &[CMD_CONFIGURE, 0, 0x57, 0x05]).is_empty());
    assert!(cmd(&mut f, &[CMD_PERPENDICULAR_MODE, 0x80 | 0x3F]).is_empty());
    assert_eq!(cmd(&mut f, &[CMD_LOCK | LOCK_BIT]), vec![0x10]);
    seek(&mut f, 7);
    let d = cmd(&mut f, &[CMD_DUMPREG]);
    assert_eq!(d, vec![7, 0, 0, 0, 0xDF, 0x02, 0, 0x80 | 0x3F, 0x57, 0x05]);
    // Reset: LOCK keeps EFIFO/FIFOTHR/PRETRK; EIS and POLL go back to 0;
    // GAP/WGATE cleared, D3-D0 kept.
    f.write(0x3F4, DSR_SW_RESET);
    for _ in 0..4 {
        cmd(&mut f, &[CMD_SENSE_INTERRUPT_STATUS]);
    }
    let d = cmd(&mut f, &[CMD_DUMPREG]);
    assert_eq!(&d[4..], &[0xDF, 0x02, 0, 0x80 | 0x3C, 0x07, 0x05]);
    assert_eq!(cmd(&mut f, &[CMD_LOCK]), vec![0x00]);
    f.write(0x3F4, DSR_SW_RESET);
    for _ in 0..4 {
        cmd(&mut f, &[CMD_SENSE_INTERRUPT_STATUS]);
    }
    let d = cmd(&mut f, &[CMD_DUMPREG]);
    assert_eq!(&d[8..], &[0x20, 0x00], "unlocked: CONFIGURE defaults");
}

#[test]
fn configure_poll_disabled_means_no_interrupt_after_reset() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = setup(&img, false);
    cmd(&mut f, &[CMD_CONFIGURE, 0, 0x10, 0]);
    // Reset re-enables polling (POLL is not LOCK-protected)...
    f.write(0x3F4, DSR_SW_RESET);
    assert!(f.irq_level());
}

#[test]
fn seek_and_relative_seek_end_with_se_and_pcn_in_sense_interrupt() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = setup(&img, false);
    assert!(cmd(&mut f, &[CMD_SEEK, 0x04, 40]).is_empty());
    assert!(f.irq_level());
    assert_eq!(cmd(&mut f, &[CMD_SENSE_INTERRUPT_STATUS]), vec![ST0_SE, 40]);
    assert!(!f.irq_level());
    assert!(cmd(&mut f, &[CMD_RELATIVE_SEEK | RELATIVE_SEEK_DIR, 0, 5]).is_empty());
    assert_eq!(cmd(&mut f, &[CMD_SENSE_INTERRUPT_STATUS]), vec![ST0_SE, 45]);
    assert!(cmd(&mut f, &[CMD_RELATIVE_SEEK, 0, 50]).is_empty());
    assert_eq!(cmd(&mut f, &[CMD_SENSE_INTERRUPT_STATUS]), vec![ST0_SE, 0]);
    assert_eq!(
        cmd(&mut f, &[CMD_SENSE_INTERRUPT_STATUS]),
        vec![ST0_IC_INVALID]
    );
}

#[test]
fn recalibrate_finds_track_0_and_fails_with_ec_without_a_drive() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = setup(&img, false);
    seek(&mut f, 60);
    assert!(cmd(&mut f, &[CMD_RECALIBRATE, 0]).is_empty());
    assert_eq!(cmd(&mut f, &[CMD_SENSE_INTERRUPT_STATUS]), vec![ST0_SE, 0]);
    assert!(cmd(&mut f, &[CMD_RECALIBRATE, 1]).is_empty());
    assert_eq!(
        cmd(&mut f, &[CMD_SENSE_INTERRUPT_STATUS]),
        vec![ST0_IC_ABNORMAL | ST0_SE | ST0_EC | 1, 0]
    );
    // More than 79 cylinders out: the 79 pulses do not reach TRK0.
    seek(&mut f, 85);
    cmd(&mut f, &[CMD_RECALIBRATE, 0]);
    assert_eq!(
        cmd(&mut f, &[CMD_SENSE_INTERRUPT_STATUS]),
        vec![ST0_IC_ABNORMAL | ST0_SE | ST0_EC, 6]
    );
}

#[test]
fn sense_drive_status_reports_t0_wp_and_head() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = setup(&img, true);
    let st3 = cmd(&mut f, &[CMD_SENSE_DRIVE_STATUS, 0x04]);
    assert_eq!(st3, vec![ST3_WP | ST3_ONE_5 | ST3_T0 | ST3_ONE_3 | ST3_HD]);
    seek(&mut f, 3);
    let st3 = cmd(&mut f, &[CMD_SENSE_DRIVE_STATUS, 0x01]);
    assert_eq!(st3, vec![ST3_ONE_5 | ST3_ONE_3 | 1], "drive B absent");
    let st3 = cmd(&mut f, &[CMD_SENSE_DRIVE_STATUS, 0x00]);
    assert_eq!(st3, vec![ST3_WP | ST3_ONE_5 | ST3_ONE_3]);
}

#[test]
fn read_data_by_dma_ends_normally_at_terminal_count() {
    let data = pattern(SIZE_144);
    let img = TempImage::new("fd.img", &data);
    let mut f = setup(&img, false);
    let mut mem = Ram(vec![0; 1 << 20]);
    let mut dma = dma_for(MODE_SINGLE | MODE_WRITE, 0x7C00, 512);
    assert!(cmd(&mut f, &read_cmd(false, 0, 0, 1, 18)).is_empty());
    assert_eq!(f.msr(), MSR_CMD_BSY, "execution phase, DMA mode");
    assert!(f.dma_request());
    f.run_dma(&mut dma, &mut mem);
    assert_eq!(&mem.0[0x7C00..0x7E00], &data[..512]);
    assert!(f.irq_level());
    assert_eq!(result(&mut f), vec![0, 0, 0, 0, 0, 2, 2]);
    assert!(!f.irq_level(), "reading the result clears INT");
}

#[test]
fn multi_track_read_continues_on_side_1_and_reports_next_sector() {
    let data = pattern(SIZE_144);
    let img = TempImage::new("fd.img", &data);
    let mut f = setup(&img, false);
    seek(&mut f, 5);
    let mut mem = Ram(vec![0; 1 << 20]);
    let mut dma = dma_for(MODE_SINGLE | MODE_WRITE, 0x10000, 3 * 512);
    cmd(&mut f, &read_cmd(true, 5, 0, 17, 18));
    f.run_dma(&mut dma, &mut mem);
    let lba = (5 * 2 * 18) + 16;
    assert_eq!(
        &mem.0[0x10000..0x10000 + 1536],
        &data[lba * 512..(lba + 3) * 512]
    );
    // Last sector transferred: C5 H1 R1 -> next is R2; ST0 shows head 1.
    assert_eq!(result(&mut f), vec![ST0_H, 0, 0, 5, 1, 2, 2]);
}

#[test]
fn tc_on_the_last_sector_of_side_1_gives_next_cylinder() {
    let data = pattern(SIZE_144);
    let img = TempImage::new("fd.img", &data);
    let mut f = setup(&img, false);
    let mut mem = Ram(vec![0; 1 << 20]);
    let mut dma = dma_for(MODE_SINGLE | MODE_WRITE, 0x20000, 512);
    cmd(&mut f, &read_cmd(true, 0, 1, 18, 18));
    f.run_dma(&mut dma, &mut mem);
    assert_eq!(&mem.0[0x20000..0x20002], &35u16.to_le_bytes());
    assert_eq!(result(&mut f), vec![ST0_H, 0, 0, 1, 0, 1, 2]);
}

#[test]
fn eot_without_tc_ends_abnormally_with_en() {
    let data = pattern(SIZE_144);
    let img = TempImage::new("fd.img", &data);
    let mut f = setup(&img, false);
    let mut mem = Ram(vec![0; 1 << 20]);
    // The DMA count is larger than the two sectors up to EOT.
    let mut dma = dma_for(MODE_SINGLE | MODE_WRITE, 0x30000, 4096);
    cmd(&mut f, &read_cmd(false, 0, 0, 2, 3));
    f.run_dma(&mut dma, &mut mem);
    assert_eq!(&mem.0[0x30000..0x30400], &data[512..1536]);
    assert_eq!(result(&mut f), vec![ST0_IC_ABNORMAL, ST1_EN, 0, 1, 0, 1, 2]);
}

#[test]
fn non_dma_read_moves_bytes_through_the_fifo() {
    let data = pattern(SIZE_144);
    let img = TempImage::new("fd.img", &data);
    let mut f = setup(&img, false);
    cmd(&mut f, &[CMD_SPECIFY, 0xDF, 0x03]);
    cmd(&mut f, &read_cmd(false, 0, 0, 4, 4));
    let mut got = Vec::new();
    while f.phase == Phase::Execution {
        assert_eq!(f.msr(), MSR_RQM | MSR_DIO | MSR_NON_DMA | MSR_CMD_BSY);
        assert!(f.irq_level(), "INT requests each byte in non-DMA mode");
        got.push(f.read(0x3F5));
    }
    assert_eq!(got, &data[3 * 512..4 * 512]);
    // No TC in non-DMA mode: EOT ends the command with EN.
    assert_eq!(result(&mut f), vec![ST0_IC_ABNORMAL, ST1_EN, 0, 1, 0, 1, 2]);
}

#[test]
fn non_dma_write_takes_bytes_through_the_fifo() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = setup(&img, false);
    cmd(&mut f, &[CMD_SPECIFY, 0xDF, 0x03]);
    let mut c = read_cmd(false, 0, 1, 5, 5);
    c[0] = CMD_WRITE_DATA | CMD_MFM;
    assert!(cmd(&mut f, &c).is_empty());
    for i in 0..512u32 {
        assert_eq!(f.msr(), MSR_RQM | MSR_NON_DMA | MSR_CMD_BSY, "host to FIFO");
        f.write(0x3F5, (i * 3) as u8);
    }
    assert_eq!(
        result(&mut f),
        vec![ST0_IC_ABNORMAL | ST0_H, ST1_EN, 0, 1, 1, 1, 2]
    );
    drop(f);
    let lba = 18 + 4;
    let want: Vec<u8> = (0..512u32).map(|i| (i * 3) as u8).collect();
    assert_eq!(&img.bytes()[lba * 512..(lba + 1) * 512], &want[..]);
}

#[test]
fn write_data_by_dma_reaches_the_image() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = setup(&img, false);
    seek(&mut f, 2);
    let mut mem = Ram(vec![0; 1 << 20]);
    for (i, b) in mem.0[0x5000..0x5400].iter_mut().enumerate() {
        *b = (i * 7) as u8;
    }
    let mut dma = dma_for(MODE_SINGLE | MODE_READ, 0x5000, 1024);
    let mut c = read_cmd(false, 2, 1, 9, 18);
    c[0] = CMD_WRITE_DATA | CMD_MFM;
    cmd(&mut f, &c);
    f.run_dma(&mut dma, &mut mem);
    assert_eq!(result(&mut f), vec![ST0_H, 0, 0, 2, 1, 11, 2]);
    drop(f);
    let lba = (2 * 2 + 1) * 18 + 8;
    assert_eq!(
        &img.bytes()[lba * 512..(lba + 2) * 512],
        &mem.0[0x5000..0x5400]
    );
}

#[test]
fn write_to_a_read_only_image_fails_with_nw() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = setup(&img, true);
    let mut c = read_cmd(false, 0, 0, 1, 18);
    c[0] = CMD_WRITE_DATA | CMD_MFM;
    let r = cmd(&mut f, &c);
    assert_eq!(r, vec![ST0_IC_ABNORMAL, ST1_NW, 0, 0, 0, 1, 2]);
}

#[test]
fn wrong_cylinder_gives_nd_wc_unless_implied_seek_is_enabled() {
    let data = pattern(SIZE_144);
    let img = TempImage::new("fd.img", &data);
    let mut f = setup(&img, false);
    let r = cmd(&mut f, &read_cmd(false, 3, 0, 1, 18));
    assert_eq!(r, vec![ST0_IC_ABNORMAL, ST1_ND, ST2_WC, 3, 0, 1, 2]);
    let r = cmd(&mut f, &read_cmd(false, 0, 0, 19, 19));
    assert_eq!(r, vec![ST0_IC_ABNORMAL, ST1_ND, 0, 0, 0, 19, 2]);
    cmd(&mut f, &[CMD_CONFIGURE, 0, 0x40 | 0x20, 0]);
    let mut mem = Ram(vec![0; 1 << 20]);
    let mut dma = dma_for(MODE_SINGLE | MODE_WRITE, 0x1000, 512);
    assert!(cmd(&mut f, &read_cmd(false, 3, 0, 1, 18)).is_empty());
    f.run_dma(&mut dma, &mut mem);
    assert_eq!(result(&mut f), vec![0, 0, 0, 3, 0, 2, 2]);
    assert_eq!(&mem.0[0x1000..0x1002], &108u16.to_le_bytes());
}

#[test]
fn wrong_data_rate_or_fm_mode_finds_no_address_mark() {
    let img = TempImage::new("fd.img", &pattern(737_280));
    let mut f = setup(&img, false);
    // 720K media at 500 kbit/s: no ID field.
    let r = cmd(&mut f, &[CMD_READ_ID | CMD_MFM, 0]);
    assert_eq!(r, vec![ST0_IC_ABNORMAL, ST1_MA, 0, 0, 0, 0, 0]);
    f.write(0x3F7, DRATE_250K);
    let r = cmd(&mut f, &[CMD_READ_ID | CMD_MFM, 0x04]);
    assert_eq!(r, vec![ST0_H, 0, 0, 0, 1, 1, 2]);
    let r = cmd(&mut f, &[CMD_READ_ID, 0]);
    assert_eq!(r[..2], [ST0_IC_ABNORMAL, ST1_MA]);
}

#[test]
fn geometries_from_360k_to_2880k_read_their_last_sector() {
    // (size, rate, cylinders, heads, spt)
    let cases: [(usize, u8, u8, u8, u8); 5] = [
        (368_640, DRATE_250K, 40, 2, 9),
        (737_280, DRATE_250K, 80, 2, 9),
        (1_228_800, DRATE_500K, 80, 2, 15),
        (SIZE_144, DRATE_500K, 80, 2, 18),
        (2_949_120, DRATE_1M, 80, 2, 36),
    ];
    for (size, rate, cyls, heads, spt) in cases {
        let data = pattern(size);
        let img = TempImage::new("fd.img", &data);
        let mut f = setup(&img, false);
        f.write(0x3F7, rate);
        seek(&mut f, cyls - 1);
        let mut mem = Ram(vec![0; 1 << 20]);
        let mut dma = dma_for(MODE_SINGLE | MODE_WRITE, 0x8000, 512);
        cmd(&mut f, &read_cmd(false, cyls - 1, heads - 1, spt, spt));
        f.run_dma(&mut dma, &mut mem);
        let r = result(&mut f);
        assert_eq!(r[..3], [ST0_H, 0, 0], "{size}");
        assert_eq!(&mem.0[0x8000..0x8200], &data[size - 512..], "{size}");
        assert_eq!(
            f.cmos_type(0),
            FloppyGeometry::from_size(size as u64).unwrap().drive_type as u8
        );
    }
}

#[test]
fn format_track_fills_sectors_with_the_data_pattern() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = setup(&img, false);
    seek(&mut f, 1);
    let mut mem = Ram(vec![0; 1 << 20]);
    let mut ids = Vec::new();
    for r in 1..=18u8 {
        ids.extend_from_slice(&[1, 0, r, 2]);
    }
    mem.0[0x6000..0x6000 + ids.len()].copy_from_slice(&ids);
    let mut dma = dma_for(MODE_SINGLE | MODE_READ, 0x6000, 72);
    let r = cmd(&mut f, &[CMD_FORMAT_TRACK | CMD_MFM, 0, 2, 18, 0x54, 0xF6]);
    assert!(r.is_empty());
    f.run_dma(&mut dma, &mut mem);
    assert_eq!(result(&mut f)[..3], [0, 0, 0]);
    drop(f);
    let b = img.bytes();
    assert!(b[36 * 512..54 * 512].iter().all(|&x| x == 0xF6));
    assert_eq!(b[54 * 512], 54);
}

#[test]
fn verify_checks_ids_without_moving_data() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = setup(&img, false);
    let mut c = read_cmd(false, 0, 0, 1, 18);
    c[0] = CMD_VERIFY | CMD_MFM;
    assert_eq!(cmd(&mut f, &c), vec![0, 0, 0, 1, 0, 1, 2]);
    // EC = 1: DTL is a sector count.
    c[1] |= 0x80;
    c[8] = 3;
    assert_eq!(cmd(&mut f, &c), vec![0, 0, 0, 0, 0, 4, 2]);
}

#[test]
fn disk_change_line_is_set_at_insertion_and_reset_by_a_step() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = setup(&img, false);
    assert_eq!(f.read(0x3F7) & DIR_DSKCHG, DIR_DSKCHG);
    seek(&mut f, 0);
    assert_eq!(f.read(0x3F7) & DIR_DSKCHG, DIR_DSKCHG, "no step pulse");
    seek(&mut f, 1);
    assert_eq!(f.read(0x3F7) & DIR_DSKCHG, 0);
    f.insert(0, img.open(MediaKind::Floppy, false));
    assert_eq!(f.read(0x3F7) & DIR_DSKCHG, DIR_DSKCHG);
}

#[test]
fn a_command_waits_for_the_drive_motor() {
    let data = pattern(SIZE_144);
    let img = TempImage::new("fd.img", &data);
    let mut f = setup(&img, false);
    f.write(0x3F2, 0x0C);
    cmd(&mut f, &read_cmd(false, 0, 0, 1, 1));
    assert_eq!(f.phase, Phase::Execution);
    assert!(!f.dma_request());
    assert!(!f.irq_level());
    f.write(0x3F2, 0x1C);
    assert!(f.dma_request());
    let mut mem = Ram(vec![0; 1 << 20]);
    let mut dma = dma_for(MODE_SINGLE | MODE_WRITE, 0x7C00, 512);
    f.run_dma(&mut dma, &mut mem);
    // TC on the EOT sector: the next sector is R1 of the next cylinder.
    assert_eq!(result(&mut f), vec![0, 0, 0, 1, 0, 1, 2]);
}

#[test]
fn dma_gate_off_disables_drq_and_int() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = setup(&img, false);
    f.write(0x3F2, 0x14);
    cmd(&mut f, &read_cmd(false, 0, 0, 1, 1));
    assert!(!f.dma_request());
    let mut mem = Ram(vec![0; 1 << 20]);
    let mut dma = dma_for(MODE_SINGLE | MODE_WRITE, 0x7C00, 512);
    f.run_dma(&mut dma, &mut mem);
    assert_eq!(f.phase, Phase::Execution);
    f.write(0x3F2, 0x1C);
    f.run_dma(&mut dma, &mut mem);
    assert_eq!(f.phase, Phase::Result);
}

#[test]
fn random_port_traffic_never_panics() {
    let img = TempImage::new("fd.img", &pattern(SIZE_144));
    let mut f = Fdc82077::new();
    f.insert(0, img.open(MediaKind::Floppy, true));
    let mut dma = Dma8237::new();
    dma.firmware_setup();
    let mut mem = Ram(vec![0; 1 << 16]);
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    let mut rnd = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for _ in 0..300_000 {
        let r = rnd();
        let port = 0x3F0 + (r % 8) as u16;
        let v = (r >> 8) as u8;
        match (r >> 16) % 8 {
            0..=2 => f.write(0x3F5, v),
            3 => {
                f.read(0x3F5);
            }
            4 => f.write(port, v | if r & 0x100000 != 0 { 0x1C } else { 0 }),
            5 => {
                f.read(port);
            }
            6 => dma.write((r >> 24) as u16 & 0x0F, (r >> 32) as u8),
            _ => f.run_dma(&mut dma, &mut mem),
        }
        let _ = (f.msr(), f.irq_level(), f.dma_request());
    }
}

#[test]
fn on_the_pc_bus_a_sector_reaches_memory_through_dma_channel_2_and_irq6() {
    use crate::{IoBus, IoSize};
    let data = pattern(SIZE_144);
    let img = TempImage::new("fd.img", &data);
    let mut bus = crate::testutil::pc_bus(0, 16 << 20);
    let mut f = Fdc82077::new();
    f.insert(0, img.open(MediaKind::Floppy, false));
    attach(&mut bus, f);
    // CMOS 10h: drive A is a 1.44M drive; equipment byte: one diskette.
    let mut cmos = |reg: u8| {
        bus.write(0x70, IoSize::Byte, u32::from(reg));
        bus.read(0x71, IoSize::Byte) as u8
    };
    assert_eq!(cmos(0x10), 0x40);
    assert_eq!(cmos(0x14) & 0xC1, 0x01);
    let sum: u16 = (0x10..=0x2D).map(|r| u16::from(cmos(r))).sum();
    assert_eq!(u16::from(cmos(0x2E)) << 8 | u16::from(cmos(0x2F)), sum);
    let out = |bus: &mut IoBus, port: u16, v: u8| bus.write(port, IoSize::Byte, u32::from(v));
    // 8237: channel 4 cascade, channel 2 write transfer of 512 bytes to 0x7C00.
    for (port, v) in [
        (0xD6, 0xC0),
        (0xD4, 0x00),
        (0x0A, 0x06),
        (0x0C, 0x00),
        (0x0B, 0x46),
        (0x04, 0x00),
        (0x04, 0x7C),
        (0x81, 0x00),
        (0x05, 0xFF),
        (0x05, 0x01),
        (0x0A, 0x02),
        (0x3F2, 0x1C),
    ] {
        out(&mut bus, port, v);
    }
    assert!(bus.fdc.as_ref().unwrap().irq_level());
    for _ in 0..4 {
        out(&mut bus, 0x3F5, CMD_SENSE_INTERRUPT_STATUS);
        bus.read(0x3F5, IoSize::Byte);
        bus.read(0x3F5, IoSize::Byte);
    }
    for b in read_cmd(false, 0, 0, 1, 18) {
        out(&mut bus, 0x3F5, b);
    }
    assert!(bus.dma_pending());
    let mut mem = Ram(vec![0; 1 << 20]);
    bus.run_dma(&mut mem);
    assert!(!bus.dma_pending());
    assert_eq!(&mem.0[0x7C00..0x7E00], &data[..512]);
    bus.update(0);
    assert!(bus.take_risen_lines() & (1 << FDC_IRQ) != 0);
    assert_eq!(bus.read(0x3F4, IoSize::Byte), 0xD0);
    assert_eq!(bus.read(0x08, IoSize::Byte) & 0x04, 0x04, "TC on channel 2");
}
