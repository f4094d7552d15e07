//! Tests of the 8042 controller, named after controller features.

use super::*;

/// A controller whose power-on bytes (keyboard and mouse BAT) are drained.
fn fresh() -> I8042 {
    let mut c = I8042::new();
    c.write(STATUS_PORT, CMD_ENABLE_AUX);
    drain(&mut c);
    c
}

/// Reads every available byte through the status/data ports, with the
/// source of each (true = aux).
fn drain_src(c: &mut I8042) -> Vec<(u8, bool)> {
    let mut out = Vec::new();
    while c.read(STATUS_PORT) & STATUS_OBF != 0 {
        let aux = c.status() & STATUS_AUX_OBF != 0;
        out.push((c.read(DATA_PORT), aux));
    }
    out
}

fn drain(c: &mut I8042) -> Vec<u8> {
    drain_src(c).into_iter().map(|(b, _)| b).collect()
}

fn command(c: &mut I8042, cmd: u8) -> Vec<u8> {
    c.write(STATUS_PORT, cmd);
    drain(c)
}

fn write_cb(c: &mut I8042, v: u8) {
    c.write(STATUS_PORT, CMD_WRITE_CB);
    c.write(DATA_PORT, v);
}

#[test]
fn power_on_state() {
    let mut c = I8042::new();
    assert_eq!(c.command_byte(), CB_POWER_ON);
    assert!(c.a20());
    // Keyboard BAT (0xAA passes translation), then the mouse's BAT.
    assert_eq!(
        drain_src(&mut c),
        [(0xAA, false), (0xAA, true), (0x00, true)]
    );
}

#[test]
fn self_test() {
    let mut c = fresh();
    assert_eq!(c.status() & STATUS_SYS, 0);
    assert_eq!(command(&mut c, CMD_SELF_TEST), [SELF_TEST_OK]);
    assert_ne!(c.status() & STATUS_SYS, 0);
}

#[test]
fn interface_tests() {
    let mut c = fresh();
    assert_eq!(command(&mut c, CMD_TEST_KBD), [INTERFACE_TEST_OK]);
    assert_eq!(command(&mut c, CMD_TEST_AUX), [INTERFACE_TEST_OK]);
}

#[test]
fn command_byte_roundtrip() {
    let mut c = fresh();
    for (written, read) in [(0x47, 0x47), (0x00, 0x00), (0xFF, 0x77), (0x25, 0x25)] {
        write_cb(&mut c, written);
        assert_eq!(command(&mut c, CMD_READ_CB), [read], "wrote {written:#04x}");
        assert_eq!(c.command_byte(), read);
    }
}

#[test]
fn internal_ram_roundtrip() {
    let mut c = fresh();
    c.write(STATUS_PORT, 0x65);
    c.write(DATA_PORT, 0x5A);
    assert_eq!(command(&mut c, 0x25), [0x5A]);
}

#[test]
fn status_a2_tracks_command_or_data() {
    let mut c = fresh();
    c.write(STATUS_PORT, CMD_DISABLE_KBD);
    assert_ne!(c.read(STATUS_PORT) & STATUS_A2, 0);
    c.write(DATA_PORT, 0xEE);
    assert_eq!(c.read(STATUS_PORT) & STATUS_A2, 0);
    assert_ne!(c.status() & STATUS_INH, 0);
    assert_eq!(
        c.status() & (STATUS_IBF | STATUS_TIMEOUT | STATUS_PARITY),
        0
    );
}

#[test]
fn translation_set2_to_set1() {
    let mut c = fresh();
    // Set 2 in, set 1 out, with F0 folded into bit 7.
    let cases: [(&[u8], &[u8]); 5] = [
        (&[0x1C], &[0x1E]),                         // A make
        (&[0xF0, 0x1C], &[0x9E]),                   // A break
        (&[0xE0, 0x75], &[0xE0, 0x48]),             // Up make
        (&[0xE0, 0xF0, 0x75], &[0xE0, 0xC8]),       // Up break
        (&[0xE1, 0x14, 0x77], &[0xE1, 0x1D, 0x45]), // Pause (first half)
    ];
    for (set2, set1) in cases {
        c.key_event(set2);
        assert_eq!(drain(&mut c), set1, "set 2 {set2:02x?}");
    }
    // Without XLATE the set-2 codes pass through.
    write_cb(&mut c, CB_KBD_INT);
    c.key_event(&[0xF0, 0x1C]);
    assert_eq!(drain(&mut c), [0xF0, 0x1C]);
}

#[test]
fn keyboard_reset_sequence() {
    let mut c = fresh();
    c.write(DATA_PORT, 0xFF);
    assert_eq!(drain_src(&mut c), [(0xFA, false), (0xAA, false)]);
    c.write(DATA_PORT, 0xF2);
    // Identify: 0xAB 0x83 translated as the real controller does.
    assert_eq!(drain(&mut c), [0xFA, 0xAB, 0x41]);
    // So is the scan code set number (2 reads as 0x41 with translation).
    c.write(DATA_PORT, 0xF0);
    c.write(DATA_PORT, 0x00);
    assert_eq!(drain(&mut c), [0xFA, 0xFA, 0x41]);
    write_cb(&mut c, 0);
    c.write(DATA_PORT, 0xF2);
    assert_eq!(drain(&mut c), [0xFA, 0xAB, 0x83]);
}

#[test]
fn keyboard_interface_disable_holds_data() {
    let mut c = fresh();
    assert!(command(&mut c, CMD_DISABLE_KBD).is_empty());
    c.key_event(&[0x1C]);
    assert!(drain(&mut c).is_empty());
    assert_ne!(c.command_byte() & CB_KBD_DISABLE, 0);
    assert_eq!(command(&mut c, CMD_ENABLE_KBD), [0x1E]);
}

#[test]
fn irq1_follows_output_buffer() {
    let mut c = fresh();
    assert!(!c.irq1_level());
    c.key_event(&[0x1C, 0xF0, 0x1C]);
    assert!(c.irq1_level() && !c.irq12_level());
    assert_eq!(c.read(DATA_PORT), 0x1E);
    // The line falls on the read and rises again for the next byte.
    assert!(!c.irq1_level());
    c.service();
    assert!(c.irq1_level());
    assert_eq!(c.read(DATA_PORT), 0x9E);
    // An empty buffer re-reads the last byte.
    assert_eq!(c.read(DATA_PORT), 0x9E);
    // Interrupt disabled in the command byte: OBF without IRQ1.
    write_cb(&mut c, CB_XLATE);
    c.key_event(&[0x1C]);
    assert!(!c.irq1_level());
    assert_ne!(c.status() & STATUS_OBF, 0);
}

#[test]
fn aux_data_sets_aux_obf() {
    let mut c = fresh();
    write_cb(&mut c, CB_KBD_INT | CB_AUX_INT | CB_XLATE);
    c.write(STATUS_PORT, CMD_WRITE_AUX);
    c.write(DATA_PORT, 0xF4);
    assert_eq!(
        c.status() & (STATUS_OBF | STATUS_AUX_OBF),
        STATUS_OBF | STATUS_AUX_OBF
    );
    assert!(c.irq12_level() && !c.irq1_level());
    assert_eq!(drain_src(&mut c), [(0xFA, true)]);
    c.mouse_motion(2, 3, 0, 1);
    assert_eq!(drain_src(&mut c), [(0x09, true), (2, true), (3, true)]);
    assert!(!c.irq12_level());
}

#[test]
fn aux_interface_disable_holds_data() {
    let mut c = fresh();
    c.write(STATUS_PORT, CMD_WRITE_AUX);
    c.write(DATA_PORT, 0xF2);
    c.write(STATUS_PORT, CMD_DISABLE_AUX);
    // The ACK was already in the output buffer; the ID waits.
    assert_eq!(drain(&mut c), [0xFA]);
    assert_ne!(c.command_byte() & CB_AUX_DISABLE, 0);
    assert_eq!(command(&mut c, CMD_ENABLE_AUX), [0x00]);
}

#[test]
fn write_output_buffers() {
    let mut c = fresh();
    write_cb(&mut c, CB_KBD_INT | CB_AUX_INT);
    c.write(STATUS_PORT, CMD_WRITE_KBD_OBUF);
    c.write(DATA_PORT, 0x12);
    assert!(c.irq1_level());
    assert_eq!(drain_src(&mut c), [(0x12, false)]);
    c.write(STATUS_PORT, CMD_WRITE_AUX_OBUF);
    c.write(DATA_PORT, 0x34);
    assert!(c.irq12_level());
    assert_eq!(drain_src(&mut c), [(0x34, true)]);
}

#[test]
fn a20_via_output_port() {
    let mut c = fresh();
    c.write(STATUS_PORT, CMD_WRITE_OUTPUT);
    c.write(DATA_PORT, OP_RESET_N);
    assert!(!c.a20());
    assert!(!c.take_reset_request());
    assert_eq!(command(&mut c, CMD_READ_OUTPUT), [OP_RESET_N]);
    c.write(STATUS_PORT, CMD_WRITE_OUTPUT);
    c.write(DATA_PORT, OP_RESET_N | OP_A20);
    assert!(c.a20());
    // Bit 4 mirrors keyboard OBF while data is waiting.
    c.key_event(&[0x1C]);
    assert_eq!(
        command(&mut c, CMD_READ_OUTPUT),
        [0x1E, OP_RESET_N | OP_A20 | OP_KBD_OBF]
    );
}

#[test]
fn a20_hp_vectra_commands() {
    let mut c = fresh();
    c.write(STATUS_PORT, CMD_A20_OFF);
    assert!(!c.a20());
    c.write(STATUS_PORT, CMD_A20_ON);
    assert!(c.a20());
}

#[test]
fn reset_via_output_port_and_pulse() {
    let mut c = fresh();
    c.write(STATUS_PORT, CMD_WRITE_OUTPUT);
    c.write(DATA_PORT, OP_A20);
    assert!(c.take_reset_request());
    assert!(!c.take_reset_request());
    c.write(STATUS_PORT, 0xFF); // pulse nothing
    assert!(!c.take_reset_request());
    c.write(STATUS_PORT, CMD_PULSE_RESET);
    assert!(c.take_reset_request());
}

#[test]
fn read_input_port() {
    let mut c = fresh();
    assert_eq!(command(&mut c, CMD_READ_INPUT), [INPUT_PORT]);
}

#[test]
fn command_cancels_pending_data() {
    let mut c = fresh();
    c.write(STATUS_PORT, CMD_WRITE_OUTPUT);
    c.write(STATUS_PORT, CMD_TEST_KBD);
    // 0xEE now goes to the keyboard (echo), not to the output port.
    c.write(DATA_PORT, 0xEE);
    assert_eq!(drain(&mut c), [0x00, 0xEE]);
    assert!(c.a20());
}

#[test]
fn other_ports_are_open_bus() {
    let mut c = fresh();
    assert_eq!(c.read(0x61), 0xFF);
    c.write(0x61, 0x00);
    assert!(drain(&mut c).is_empty());
}
