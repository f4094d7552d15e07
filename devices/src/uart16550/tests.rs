//! Unit tests of the 16550A, named after the datasheet behaviour they check.

use super::*;

fn uart() -> Uart16550<Vec<u8>> {
    Uart16550::new(Vec::new())
}

#[test]
fn reset_values_match_the_datasheet() {
    let mut u = uart();
    assert_eq!(u.read(IER_OFFSET), 0);
    assert_eq!(u.read(IIR_FCR_OFFSET), IIR_NO_INT);
    assert_eq!(u.read(LCR_OFFSET), 0);
    assert_eq!(u.read(MCR_OFFSET), 0);
    assert_eq!(u.read(LSR_OFFSET), LSR_THR_EMPTY | LSR_TEMT);
    assert_eq!(u.read(MSR_OFFSET) & 0xF0, DEFAULT_MODEM_INPUTS);
    assert!(!u.interrupt_pending());
}

#[test]
fn transmitted_bytes_reach_the_sink() {
    let mut u = uart();
    u.write(LCR_OFFSET, 0x03); // 8N1
    for b in b"hello\n" {
        assert_ne!(u.read(LSR_OFFSET) & LSR_THR_EMPTY, 0);
        u.write(DATA_OFFSET, *b);
    }
    assert_eq!(u.sink(), b"hello\n");
    assert_eq!(std::mem::take(u.sink_mut()), b"hello\n");
    assert!(u.sink().is_empty());
}

#[test]
fn divisor_latch_is_behind_dlab() {
    let mut u = uart();
    u.write(LCR_OFFSET, LCR_DLAB | 0x03);
    u.write(DATA_OFFSET, 0x01); // DLL: 115200 baud
    u.write(IER_OFFSET, 0x00); // DLM
    assert_eq!(u.read(DATA_OFFSET), 0x01);
    assert_eq!(u.read(IER_OFFSET), 0x00);
    assert_eq!(u.state().divisor, 1);
    // The latch writes did not transmit or enable interrupts.
    assert!(u.sink().is_empty());
    u.write(LCR_OFFSET, 0x03);
    assert_eq!(u.read(IER_OFFSET), 0);
    u.write(IER_OFFSET, IER_RDA);
    assert_eq!(u.read(IER_OFFSET), IER_RDA);
    u.write(LCR_OFFSET, LCR_DLAB);
    u.write(IER_OFFSET, 0x12);
    assert_eq!(u.read(IER_OFFSET), 0x12, "DLM, not IER");
    assert_eq!(u.state().divisor, 0x1201);
    assert_eq!(u.state().ier, IER_RDA);
}

#[test]
fn scratch_register_holds_any_value() {
    let mut u = uart();
    for v in [0x00, 0x55, 0xAA, 0xFF] {
        u.write(SCR_OFFSET, v);
        assert_eq!(u.read(SCR_OFFSET), v);
    }
}

#[test]
fn lsr_data_ready_follows_the_receiver() {
    let mut u = uart();
    assert_eq!(u.read(LSR_OFFSET) & LSR_DR, 0);
    assert!(u.receive(b'x'));
    assert_eq!(u.read(LSR_OFFSET) & LSR_DR, LSR_DR);
    assert_eq!(u.read(DATA_OFFSET), b'x');
    assert_eq!(u.read(LSR_OFFSET) & LSR_DR, 0);
}

#[test]
fn lsr_overrun_without_fifo_overwrites_and_clears_on_read() {
    let mut u = uart();
    assert!(u.receive(b'a'));
    assert_eq!(u.rx_space(), 0);
    assert!(!u.receive(b'b'));
    let lsr = u.read(LSR_OFFSET);
    assert_eq!(lsr & (LSR_OE | LSR_DR), LSR_OE | LSR_DR);
    assert_eq!(u.read(LSR_OFFSET) & LSR_OE, 0, "OE clears on read");
    assert_eq!(u.read(DATA_OFFSET), b'b');
}

#[test]
fn lsr_break_sets_bi_and_fifo_error() {
    let mut u = uart();
    u.write(IIR_FCR_OFFSET, FCR_FIFO_ENABLE);
    assert!(u.receive_break());
    let lsr = u.read(LSR_OFFSET);
    assert_eq!(
        lsr & (LSR_BI | LSR_FIFO_ERROR | LSR_DR),
        LSR_BI | LSR_FIFO_ERROR | LSR_DR
    );
    assert_eq!(u.read(LSR_OFFSET) & (LSR_BI | LSR_FIFO_ERROR), 0);
    assert_eq!(u.read(DATA_OFFSET), 0);
}

#[test]
fn fifo_holds_sixteen_bytes_then_overruns() {
    let mut u = uart();
    u.write(IIR_FCR_OFFSET, FCR_FIFO_ENABLE);
    assert_eq!(u.rx_space(), FIFO_SIZE);
    for i in 0..FIFO_SIZE as u8 {
        assert!(u.receive(i));
    }
    assert!(!u.receive(0xEE), "17th byte overruns");
    assert_ne!(u.read(LSR_OFFSET) & LSR_OE, 0);
    // The FIFO kept the first 16; the overrunning byte is gone.
    for i in 0..FIFO_SIZE as u8 {
        assert_eq!(u.read(DATA_OFFSET), i);
    }
    assert_eq!(u.read(LSR_OFFSET) & LSR_DR, 0);
}

#[test]
fn fifo_reset_and_disable_clear_the_receiver() {
    let mut u = uart();
    u.write(IIR_FCR_OFFSET, FCR_FIFO_ENABLE);
    u.receive(1);
    u.receive(2);
    u.write(IIR_FCR_OFFSET, FCR_FIFO_ENABLE | FCR_RX_RESET);
    assert_eq!(u.read(LSR_OFFSET) & LSR_DR, 0);
    u.receive(3);
    // Keeping bit 0 set keeps the data.
    u.write(IIR_FCR_OFFSET, FCR_FIFO_ENABLE | FCR_TX_RESET);
    assert_ne!(u.read(LSR_OFFSET) & LSR_DR, 0);
    // Clearing bit 0 clears the FIFOs and leaves 16450 mode.
    u.write(IIR_FCR_OFFSET, 0);
    assert_eq!(u.read(LSR_OFFSET) & LSR_DR, 0);
    assert_eq!(u.read(IIR_FCR_OFFSET) & IIR_FIFO_ENABLED, 0);
    assert_eq!(u.rx_space(), 1);
}

#[test]
fn iir_reports_fifo_enabled_bits() {
    let mut u = uart();
    u.write(IIR_FCR_OFFSET, FCR_FIFO_ENABLE | 0xC0);
    assert_eq!(u.read(IIR_FCR_OFFSET), IIR_FIFO_ENABLED | IIR_NO_INT);
}

#[test]
fn fifo_trigger_level_separates_rda_from_character_timeout() {
    // (FCR trigger bits, level)
    for (bits, level) in [(0x00u8, 1usize), (0x40, 4), (0x80, 8), (0xC0, 14)] {
        let mut u = uart();
        u.write(IIR_FCR_OFFSET, FCR_FIFO_ENABLE | bits);
        u.write(IER_OFFSET, IER_RDA);
        for i in 0..level {
            assert!(u.receive(i as u8));
            let id = u.read(IIR_FCR_OFFSET) & 0x0F;
            let want = if i + 1 < level { IIR_CTI } else { IIR_RDA };
            assert_eq!(id, want, "level {level}, {} bytes", i + 1);
        }
        // Reading below the trigger level turns RDA into a timeout.
        u.read(DATA_OFFSET);
        if level > 1 {
            assert_eq!(u.read(IIR_FCR_OFFSET) & 0x0F, IIR_CTI);
        }
    }
}

#[test]
fn iir_priority_order() {
    // Raise every source at once, then clear them one by one in the
    // order the datasheet ranks them.
    let mut u = uart();
    u.write(IER_OFFSET, IER_RDA | IER_THRE | IER_RLS | IER_MS);
    u.receive(b'a');
    u.receive(b'b'); // overrun → line status
    u.set_modem_inputs(MSR_CTS); // DSR and DCD drop → modem status
    assert!(u.interrupt_pending());
    assert_eq!(u.read(IIR_FCR_OFFSET), IIR_RLS);
    u.read(LSR_OFFSET);
    assert_eq!(u.read(IIR_FCR_OFFSET), IIR_RDA);
    u.read(DATA_OFFSET);
    assert_eq!(u.read(IIR_FCR_OFFSET), IIR_THRE);
    // That IIR read cleared THRE.
    assert_eq!(u.read(IIR_FCR_OFFSET), IIR_MS);
    assert_eq!(u.read(MSR_OFFSET) & 0x0F, MSR_DDSR | MSR_DDCD);
    assert_eq!(u.read(IIR_FCR_OFFSET), IIR_NO_INT);
    assert!(!u.interrupt_pending());
}

#[test]
fn thre_interrupt_on_enable_and_after_each_write() {
    let mut u = uart();
    u.write(IER_OFFSET, IER_THRE);
    assert!(u.interrupt_pending(), "enabling ETBEI with THR empty");
    assert_eq!(u.read(IIR_FCR_OFFSET), IIR_THRE);
    assert!(!u.interrupt_pending());
    u.write(DATA_OFFSET, b'z');
    assert!(u.interrupt_pending(), "THR empties again after a write");
    // Re-writing IER with ETBEI still set is not a new enable.
    u.read(IIR_FCR_OFFSET);
    u.write(IER_OFFSET, IER_THRE);
    assert!(!u.interrupt_pending());
}

#[test]
fn disabled_interrupts_are_not_reported() {
    let mut u = uart();
    u.receive(b'a');
    u.receive(b'b');
    u.set_modem_inputs(0);
    u.write(DATA_OFFSET, b'x');
    assert!(!u.interrupt_pending());
    assert_eq!(u.read(IIR_FCR_OFFSET), IIR_NO_INT);
}

#[test]
fn irq_line_is_gated_by_out2() {
    let mut u = uart();
    u.write(IER_OFFSET, IER_RDA);
    u.receive(b'a');
    assert!(u.interrupt_pending());
    assert!(!u.irq_line());
    u.write(MCR_OFFSET, MCR_OUT2);
    assert!(u.irq_line());
}

#[test]
fn loopback_returns_transmitted_bytes_to_the_receiver() {
    let mut u = uart();
    u.write(MCR_OFFSET, MCR_LOOP);
    u.write(DATA_OFFSET, 0x5A);
    assert!(u.sink().is_empty(), "nothing leaves the chip");
    assert_ne!(u.read(LSR_OFFSET) & LSR_DR, 0);
    assert_eq!(u.read(DATA_OFFSET), 0x5A);
    // The serial input is disconnected in loopback.
    assert!(!u.receive(b'h'));
    assert_eq!(u.read(LSR_OFFSET) & LSR_DR, 0);
    u.write(MCR_OFFSET, 0);
    u.write(DATA_OFFSET, b'o');
    assert_eq!(u.sink(), b"o");
}

#[test]
fn loopback_routes_modem_outputs_to_msr_inputs() {
    let mut u = uart();
    u.write(MCR_OFFSET, MCR_LOOP);
    u.read(MSR_OFFSET); // clear the deltas of entering loopback
                        // (MCR outputs, MSR inputs)
    for (mcr, msr) in [
        (MCR_RTS, MSR_CTS),
        (MCR_DTR, MSR_DSR),
        (MCR_OUT1, MSR_RI),
        (MCR_OUT2, MSR_DCD),
        (0x0F, 0xF0),
        (0, 0),
    ] {
        u.write(MCR_OFFSET, MCR_LOOP | mcr);
        assert_eq!(u.read(MSR_OFFSET) & 0xF0, msr, "MCR {mcr:#x}");
    }
    // Loopback forces the PC IRQ line off even with OUT2 set.
    u.write(IER_OFFSET, IER_THRE);
    u.write(MCR_OFFSET, MCR_LOOP | MCR_OUT2);
    assert!(u.interrupt_pending());
    assert!(!u.irq_line());
}

#[test]
fn msr_delta_bits_and_trailing_edge_of_ring() {
    let mut u = uart();
    u.write(IER_OFFSET, IER_MS);
    u.set_modem_inputs(DEFAULT_MODEM_INPUTS | MSR_RI);
    // RI rising: no TERI.
    assert_eq!(u.read(MSR_OFFSET), DEFAULT_MODEM_INPUTS | MSR_RI);
    assert!(!u.interrupt_pending());
    u.set_modem_inputs(DEFAULT_MODEM_INPUTS);
    assert!(u.interrupt_pending());
    assert_eq!(u.read(MSR_OFFSET), DEFAULT_MODEM_INPUTS | MSR_TERI);
    assert_eq!(
        u.read(MSR_OFFSET),
        DEFAULT_MODEM_INPUTS,
        "deltas clear on read"
    );
    u.set_modem_inputs(0);
    assert_eq!(u.read(MSR_OFFSET), MSR_DCTS | MSR_DDSR | MSR_DDCD);
}

#[test]
fn characters_pass_eight_bits_wide_whatever_the_word_length() {
    for wls in 0..4u8 {
        let mut u = uart();
        u.write(LCR_OFFSET, wls);
        assert_eq!(u.read(LCR_OFFSET) & LCR_WORD_LENGTH_MASK, wls);
        u.write(DATA_OFFSET, 0xFF);
        assert_eq!(u.sink(), &[0xFF]);
        u.receive(0xFF);
        assert_eq!(u.read(DATA_OFFSET), 0xFF);
    }
}

#[test]
fn lsr_and_msr_ignore_writes() {
    let mut u = uart();
    u.write(LSR_OFFSET, 0xFF);
    u.write(MSR_OFFSET, 0x0F);
    assert_eq!(u.read(LSR_OFFSET), LSR_THR_EMPTY | LSR_TEMT);
    assert_eq!(u.read(MSR_OFFSET), DEFAULT_MODEM_INPUTS);
}

#[test]
fn state_round_trips() {
    let mut u = uart();
    u.write(LCR_OFFSET, LCR_DLAB);
    u.write(DATA_OFFSET, 3);
    u.write(LCR_OFFSET, 0x1B);
    u.write(IIR_FCR_OFFSET, FCR_FIFO_ENABLE | 0x80);
    u.write(IER_OFFSET, IER_RDA | IER_THRE);
    u.write(MCR_OFFSET, MCR_DTR | MCR_OUT2);
    u.write(SCR_OFFSET, 0x77);
    u.receive(b'q');
    u.receive(b'r');
    let s = u.state();
    let mut v = Uart16550::from_state(&s, Vec::new());
    assert_eq!(v.state(), s);
    assert_eq!(v.read(IIR_FCR_OFFSET), u.read(IIR_FCR_OFFSET));
    assert_eq!(v.read(DATA_OFFSET), b'q');
}

#[test]
fn offsets_wrap_at_eight_and_reads_never_panic() {
    let mut u = uart();
    u.write(8 + SCR_OFFSET, 0x42);
    assert_eq!(u.read(SCR_OFFSET), 0x42);
    for off in 0..=255u8 {
        u.read(off);
        u.write(off, off);
    }
}

/// A sink that always fails: the UART drops the output, never panics.
struct Broken;
impl Write for Broken {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("broken"))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn failing_sink_loses_output_only() {
    let mut u = Uart16550::new(Broken);
    u.write(DATA_OFFSET, b'x');
    u.write(DATA_OFFSET, b'y');
    assert_ne!(u.read(LSR_OFFSET) & LSR_THR_EMPTY, 0);
}
