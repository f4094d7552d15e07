use super::*;
use crate::testutil::Ram;

/// 1 MiB of flat memory (addresses wrap).
fn ram() -> Ram {
    Ram(vec![0; 1 << 20])
}

/// Program channel `ch` as a PC BIOS does: mask, clear flip-flop, mode,
/// address, page, count, unmask.
fn program(d: &mut Dma8237, ch: usize, mode: u8, addr: u32, count: u16) {
    let (base, step, n) = if ch < 4 {
        (DMA1_BASE, 1, ch as u8)
    } else {
        (DMA2_BASE, 2, (ch - 4) as u8)
    };
    let reg = |r: u8| base + step * u16::from(r);
    d.write(reg(REG_SINGLE_MASK), REQ_MASK_SET | n);
    d.write(reg(REG_CLEAR_FLIP_FLOP), 0);
    d.write(reg(REG_MODE), mode | n);
    let a = if ch < 4 {
        addr as u16
    } else {
        (addr >> 1) as u16
    };
    d.write(reg(2 * n), a as u8);
    d.write(reg(2 * n), (a >> 8) as u8);
    d.write(PAGE_PORTS[ch], (addr >> 16) as u8);
    d.write(reg(2 * n + 1), count as u8);
    d.write(reg(2 * n + 1), (count >> 8) as u8);
    d.write(reg(REG_SINGLE_MASK), n);
}

fn bios_dma() -> Dma8237 {
    let mut d = Dma8237::new();
    d.firmware_setup();
    d
}

#[test]
fn power_on_masks_every_channel() {
    let d = Dma8237::new();
    for ch in 0..8 {
        assert!(!d.channel_ready(ch), "{ch}");
    }
    assert_eq!(d.clone().read(0x0F) & 0x0F, 0x0F);
}

#[test]
fn flip_flop_orders_low_then_high_byte() {
    let mut d = Dma8237::new();
    d.write(0x0C, 0);
    d.write(0x04, 0x34);
    d.write(0x04, 0x12);
    assert_eq!(d.chips[0].channels[2].base_address, 0x1234);
    assert_eq!(d.chips[0].channels[2].current_address, 0x1234);
    d.write(0x0C, 0);
    assert_eq!(d.read(0x04), 0x34);
    assert_eq!(d.read(0x04), 0x12);
    // A stray access leaves the flip-flop on the high byte.
    d.read(0x05);
    assert!(d.chips[0].flip_flop);
    d.write(0x0C, 0);
    assert!(!d.chips[0].flip_flop);
}

#[test]
fn write_transfer_to_memory_stops_at_terminal_count_and_masks() {
    let mut d = bios_dma();
    let mut m = ram();
    // Count 511 = 512 transfers (count + 1).
    program(&mut d, 2, MODE_SINGLE | MODE_WRITE, 0x1_7C00, 511);
    assert!(d.channel_ready(2));
    let mut data: Vec<u8> = (0..600u32).map(|i| i as u8).collect();
    let t = d.transfer(2, &mut data, &mut m);
    assert_eq!(
        t,
        DmaTransfer {
            bytes: 512,
            tc: true
        }
    );
    assert_eq!(&m.0[0x1_7C00..0x1_7C00 + 512], &data[..512]);
    assert_eq!(m.0[0x1_7C00 + 512], 0);
    // TC masks a channel without auto-initialize; status shows TC once.
    assert!(!d.channel_ready(2));
    assert_eq!(d.read(0x08) & 0x0F, 0x04);
    assert_eq!(d.read(0x08) & 0x0F, 0);
    assert_eq!(d.chips[0].channels[2].current_count, 0xFFFF);
}

#[test]
fn read_transfer_from_memory_fills_the_device_buffer() {
    let mut d = bios_dma();
    let mut m = ram();
    m.0[0x2000..0x2010].copy_from_slice(b"0123456789abcdef");
    program(&mut d, 2, MODE_SINGLE | MODE_READ, 0x2000, 0x0F);
    let mut buf = [0u8; 32];
    let t = d.transfer(2, &mut buf, &mut m);
    assert_eq!(
        t,
        DmaTransfer {
            bytes: 16,
            tc: true
        }
    );
    assert_eq!(&buf[..16], b"0123456789abcdef");
}

#[test]
fn device_buffer_shorter_than_count_leaves_channel_running() {
    let mut d = bios_dma();
    let mut m = ram();
    program(&mut d, 2, MODE_SINGLE | MODE_WRITE, 0x3000, 1023);
    let t = d.transfer(2, &mut [0xAA; 512], &mut m);
    assert_eq!(
        t,
        DmaTransfer {
            bytes: 512,
            tc: false
        }
    );
    assert!(d.channel_ready(2));
    assert_eq!(d.chips[0].channels[2].current_address, 0x3200);
    assert_eq!(d.chips[0].channels[2].current_count, 511);
    let t = d.transfer(2, &mut [0xBB; 512], &mut m);
    assert!(t.tc);
    assert_eq!(m.0[0x31FF], 0xAA);
    assert_eq!(m.0[0x3200], 0xBB);
}

#[test]
fn auto_initialize_reloads_base_registers_at_tc() {
    let mut d = bios_dma();
    let mut m = ram();
    program(
        &mut d,
        1,
        MODE_SINGLE | MODE_WRITE | MODE_AUTOINIT,
        0x4000,
        3,
    );
    let t = d.transfer(1, &mut [1, 2, 3, 4, 5, 6], &mut m);
    assert_eq!(t, DmaTransfer { bytes: 4, tc: true });
    assert!(d.channel_ready(1), "auto-init keeps the channel unmasked");
    let c = d.chips[0].channels[1];
    assert_eq!((c.current_address, c.current_count), (0x4000, 3));
}

#[test]
fn address_decrement_walks_down() {
    let mut d = bios_dma();
    let mut m = ram();
    program(
        &mut d,
        3,
        MODE_BLOCK | MODE_WRITE | MODE_DECREMENT,
        0x5003,
        3,
    );
    d.transfer(3, &mut [1, 2, 3, 4], &mut m);
    assert_eq!(&m.0[0x5000..0x5004], &[4, 3, 2, 1]);
}

#[test]
fn eight_bit_address_wraps_inside_its_64k_page() {
    let mut d = bios_dma();
    let mut m = ram();
    program(&mut d, 2, MODE_SINGLE | MODE_WRITE, 0x2_FFFE, 3);
    d.transfer(2, &mut [1, 2, 3, 4], &mut m);
    assert_eq!(&m.0[0x2_FFFE..0x3_0000], &[1, 2]);
    assert_eq!(&m.0[0x2_0000..0x2_0002], &[3, 4]);
    assert_eq!(m.0[0x3_0000], 0);
}

#[test]
fn sixteen_bit_channels_count_words_and_shift_addresses() {
    let mut d = bios_dma();
    let mut m = ram();
    // Word count 1 = 2 words = 4 bytes at 0x6_1000 (page 6, word address 0x0800).
    program(&mut d, 5, MODE_SINGLE | MODE_WRITE, 0x6_1000, 1);
    assert_eq!(d.chips[1].channels[1].current_address, 0x0800);
    assert_eq!(d.current_address(5), 0x6_1000);
    let t = d.transfer(5, &mut [9, 8, 7, 6, 5, 4], &mut m);
    assert_eq!(t, DmaTransfer { bytes: 4, tc: true });
    assert_eq!(&m.0[0x6_1000..0x6_1005], &[9, 8, 7, 6, 0]);
    // DMA2's status is at 0xD0.
    assert_eq!(d.read(0xD0) & 0x0F, 0x02);
}

#[test]
fn channel_four_masked_blocks_the_eight_bit_channels() {
    let mut d = Dma8237::new();
    program(&mut d, 2, MODE_SINGLE | MODE_WRITE, 0x1000, 0);
    assert!(!d.channel_ready(2), "cascade channel still masked");
    let t = d.transfer(2, &mut [1], &mut ram());
    assert_eq!(t, DmaTransfer::default());
    d.firmware_setup();
    assert!(d.channel_ready(2));
    assert!(
        !d.channel_ready(4),
        "the cascade channel itself never transfers"
    );
}

#[test]
fn controller_disable_and_master_clear() {
    let mut d = bios_dma();
    program(&mut d, 2, MODE_SINGLE | MODE_WRITE, 0x1000, 0);
    d.write(0x08, CMD_DISABLE);
    assert!(!d.channel_ready(2));
    d.write(0x08, 0);
    assert!(d.channel_ready(2));
    d.write(0x0D, 0); // master clear
    assert!(!d.channel_ready(2));
    d.write(0x0E, 0); // clear mask register
    assert!(d.channel_ready(2));
    d.write(0x0F, 0x04);
    assert!(!d.channel_ready(2));
    assert_eq!(d.read(0x0F), 0xF4);
}

#[test]
fn status_shows_device_and_software_requests() {
    let mut d = bios_dma();
    d.set_dreq(2, true);
    d.write(0x09, REQ_MASK_SET | 1);
    assert_eq!(d.read(0x08), 0x60);
    d.set_dreq(2, false);
    d.write(0x09, 1);
    assert_eq!(d.read(0x08), 0x00);
}

#[test]
fn page_registers_are_read_write_scratch_too() {
    let mut d = Dma8237::new();
    for port in 0x81..=0x8Fu16 {
        d.write(port, port as u8 ^ 0x5A);
    }
    for port in 0x81..=0x8Fu16 {
        assert_eq!(d.read(port), port as u8 ^ 0x5A);
    }
    assert!(!Dma8237::decodes(0x80));
    assert!(!Dma8237::decodes(0xC1 + 0x20));
}

#[test]
fn verify_transfers_count_without_touching_memory() {
    let mut d = bios_dma();
    let mut m = ram();
    program(&mut d, 2, MODE_SINGLE | MODE_VERIFY, 0x1000, 1);
    let mut buf = [7u8; 2];
    let t = d.transfer(2, &mut buf, &mut m);
    assert_eq!(t, DmaTransfer { bytes: 2, tc: true });
    assert_eq!(m.0[0x1000], 0);
    assert_eq!(buf, [7, 7]);
}
