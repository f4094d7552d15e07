//! The display a PC BIOS hands a boot loader: the VGA in mode 3 (80x25
//! colour text, the 8x16 font in plane 2, the DAC's default palette,
//! cursor at the top left), for a kernel booted directly by the 32-bit
//! protocol. Such a kernel never runs its real-mode setup code or any BIOS,
//! yet vgacon (drivers/video/console/vgacon.c) only takes over the screen
//! the firmware left behind: it programs no mode and loads no font. With
//! `screen_info` saying "80x25 VGA text" ([`super::TextConsole::VGA_80X25`])
//! the VGA must be in that state before the kernel starts.
//!
//! The mode is set by the built-in BIOS's own INT 10h AH=00h code
//! ([`crate::firmware::int10::set_mode`], register tables from the IBM VGA
//! Technical Reference), run once from the host through the machine's
//! [`Bus`]. The font comes from the built-in BIOS ROM image; reads of the
//! ROM area F0000h–FFFFFh are answered from that image, since with a
//! direct boot nothing need be mapped there. The mode set also writes the
//! video fields of the BIOS data area (0449h–0489h) and the INT 43h vector,
//! as a BIOS would: Linux reserves the first page of RAM and never reads
//! them on this path.

use crate::firmware::{int10, Bus, Firmware, FirmwareConfig, ROM_BASE, ROM_IMAGE, ROM_SIZE};

/// `bus` with the ROM area read from the built-in BIOS image.
struct WithRom<'a>(&'a mut dyn Bus);

impl Bus for WithRom<'_> {
    fn read(&mut self, addr: u32, buf: &mut [u8]) {
        let end = u64::from(addr) + buf.len() as u64;
        if u64::from(addr) >= u64::from(ROM_BASE) && end <= u64::from(ROM_BASE) + ROM_SIZE as u64 {
            let at = (addr - ROM_BASE) as usize;
            buf.copy_from_slice(&ROM_IMAGE[at..at + buf.len()]);
        } else {
            self.0.read(addr, buf);
        }
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        self.0.write(addr, data);
    }
    fn port_in(&mut self, port: u16, size: u8) -> u32 {
        self.0.port_in(port, size)
    }
    fn port_out(&mut self, port: u16, size: u8, value: u32) {
        self.0.port_out(port, size, value);
    }
    fn now_ns(&mut self) -> u64 {
        self.0.now_ns()
    }
}

/// Put the VGA behind `bus` in mode 3 with a blank screen, as the BIOS's
/// power-on self test does. `ram_size` only sizes the throwaway firmware
/// state the INT 10h code runs with.
pub fn set_text_mode(bus: &mut dyn Bus, ram_size: u64) {
    let mut fw = Firmware::new(FirmwareConfig::new(ram_size));
    let ok = int10::set_mode(&mut fw, &mut WithRom(bus), 3);
    debug_assert!(ok, "mode 3 is in the built-in BIOS's table");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::testutil::TestBus;
    use devices::vga::Framebuffer;

    #[test]
    fn mode_3_with_the_rom_font_and_a_blank_screen() {
        let mut bus = TestBus::new();
        // Nothing at F0000h: the font must come from the image.
        bus.mem[ROM_BASE as usize..].fill(0xFF);
        // Leftovers in the text buffer before the mode set.
        bus.write(0xB8000, b"X\x4fY\x4f");
        set_text_mode(&mut bus, 128 << 20);
        let mut fb = Framebuffer::default();
        assert!(bus.vga.render(&mut fb));
        assert_eq!(bus.vga.display_size(), (720, 400));
        let screen = bus.vga.text_screen();
        assert_eq!(screen.len(), 25);
        assert!(screen.iter().all(|r| r.trim().is_empty()), "{screen:?}");
        // What vgacon writes shows up in the font: 'H' (grey on black) at
        // the top left lights pixels of its cell, a space does not.
        bus.write(0xB8000, b"H\x07");
        assert!(bus.vga.render(&mut fb));
        assert!(bus.vga.text_screen()[0].starts_with('H'));
        let lit = |x0: usize, y0: usize| {
            (y0..y0 + 16)
                .flat_map(|y| (x0..x0 + 9).map(move |x| (x, y)))
                .filter(|&(x, y)| fb.pixel(x, y) != 0)
                .count()
        };
        assert!(lit(0, 0) > 10, "the glyph of 'H' is drawn");
        assert_eq!(lit(9, 0), 0, "a blank cell");
        // The BIOS data area says mode 3, 80 columns.
        assert_eq!(bus.mem[0x449], 3);
        assert_eq!(bus.mem[0x44A], 80);
    }
}
