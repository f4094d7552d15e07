//! The BIOS data area at 400h (segment 40h) and the extended BIOS data
//! area, field offsets as in the IBM PC/AT Technical Reference ("BIOS
//! Data Area") and later PC BIOS references.

/// Linear address of the BDA.
pub const BDA: u32 = 0x400;
/// Segment of the EBDA (9FC00h, 1 KiB).
pub const EBDA_SEGMENT: u16 = 0x9FC0;
/// Size of the EBDA in KiB (its first byte).
pub const EBDA_KIB: u8 = 1;

/// COM1–COM4 base ports (4 words).
pub const COM_PORTS: u32 = 0x00;
/// LPT1–LPT3 base ports (3 words).
pub const LPT_PORTS: u32 = 0x08;
/// EBDA segment.
pub const EBDA_SEG: u32 = 0x0E;
/// Equipment word (INT 11h).
pub const EQUIPMENT: u32 = 0x10;
/// Conventional memory in KiB (INT 12h).
pub const MEMORY_KIB: u32 = 0x13;
/// Keyboard shift flags 1 and 2.
pub const KBD_FLAGS1: u32 = 0x17;
pub const KBD_FLAGS2: u32 = 0x18;
/// Keyboard buffer head and tail (offsets from segment 40h).
pub const KBD_HEAD: u32 = 0x1A;
pub const KBD_TAIL: u32 = 0x1C;
/// Default keyboard buffer (16 words).
pub const KBD_BUFFER: u16 = 0x1E;
pub const KBD_BUFFER_END: u16 = 0x3E;
/// Diskette recalibrate status, motor status, motor timeout, last status.
pub const FDC_LAST_STATUS: u32 = 0x41;
/// Current video mode.
pub const VIDEO_MODE: u32 = 0x49;
/// Columns on screen.
pub const VIDEO_COLUMNS: u32 = 0x4A;
/// Bytes per page of video memory.
pub const VIDEO_PAGE_SIZE: u32 = 0x4C;
/// Offset of the active page in video memory.
pub const VIDEO_PAGE_OFFSET: u32 = 0x4E;
/// Cursor positions of pages 0–7 (column, row).
pub const CURSOR_POS: u32 = 0x50;
/// Cursor shape (end line, start line).
pub const CURSOR_SHAPE: u32 = 0x60;
/// Active display page.
pub const ACTIVE_PAGE: u32 = 0x62;
/// CRTC base port (3D4h colour, 3B4h mono).
pub const CRTC_BASE: u32 = 0x63;
/// Mode control register value (3x8h).
pub const MODE_CONTROL: u32 = 0x65;
/// Palette register value (3x9h).
pub const PALETTE: u32 = 0x66;
/// Timer ticks since midnight (dword) and the midnight flag.
pub const TICKS: u32 = 0x6C;
pub const MIDNIGHT: u32 = 0x70;
/// Ctrl-Break flag.
pub const BREAK_FLAG: u32 = 0x71;
/// Reset flag (1234h: warm boot).
pub const RESET_FLAG: u32 = 0x72;
/// Hard disk last status and count.
pub const HD_LAST_STATUS: u32 = 0x74;
pub const HD_COUNT: u32 = 0x75;
/// Keyboard buffer start and end (offsets from segment 40h).
pub const KBD_START: u32 = 0x80;
pub const KBD_END: u32 = 0x82;
/// Text rows minus one.
pub const VIDEO_ROWS: u32 = 0x84;
/// Character height (scan lines).
pub const CHAR_HEIGHT: u32 = 0x85;
/// EGA/VGA control and switches.
pub const VIDEO_CONTROL: u32 = 0x87;
pub const VIDEO_SWITCHES: u32 = 0x88;
/// VGA mode-set option control.
pub const VGA_FLAGS: u32 = 0x89;
/// Display combination code (VGA BIOS: index of the active DCC entry).
pub const DCC_INDEX: u32 = 0x8A;
/// Keyboard status byte 3 (101-key keyboard present: bit 4).
pub const KBD_FLAGS3: u32 = 0x96;
/// Keyboard LED flags.
pub const KBD_LEDS: u32 = 0x97;

/// Linear address of BDA field `off`.
pub const fn at(off: u32) -> u32 {
    BDA + off
}

/// Timer ticks per day at 1193182/65536 Hz (IBM: 1800B0h).
pub const TICKS_PER_DAY: u32 = 0x18_00B0;
