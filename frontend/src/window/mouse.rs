//! Host pointer → PS/2 mouse movement for
//! [`devices::i8042::I8042::mouse_motion`].
//!
//! The guest's mouse moves only while the window holds the pointer
//! ("grabbed"): a click in the window grabs it (the click itself is not
//! passed on), Ctrl+Alt+G or losing the focus releases it. While grabbed
//! the host cursor is hidden and each host movement in window pixels
//! becomes a relative PS/2 movement (X right-positive, Y up-positive as
//! PS/2 counts), the buttons are passed on (bit 0 left, bit 1 right, bit 2
//! middle) and the wheel becomes the IntelliMouse Z movement (positive =
//! towards the user), which the guest sees once it switched the mouse to
//! ID 3. On X11 the host pointer is also confined to the window and warped
//! back to its centre near the edges (module `x11grab`), so movement does
//! not stop at the window's edge; elsewhere it does.
//!
//! On the emulation side, [`MotionQueue`] holds movement back while the
//! mouse's output buffer is busy and merges it, so a slow guest is not
//! flooded (the 8042's aux buffer is small); a button change is never
//! merged away.

/// Host pointer state sampled once per window update.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sample {
    /// Pointer position in window pixels (`None`: unknown).
    pub pos: Option<(f32, f32)>,
    /// PS/2 button bits.
    pub buttons: u8,
    /// Wheel notches since the last sample (minifb: positive = away from
    /// the user).
    pub wheel: f32,
}

/// One PS/2 movement report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Motion {
    pub dx: i32,
    pub dy: i32,
    pub dz: i32,
    pub buttons: u8,
}

/// The pointer on the window side: grab state and the last position.
#[derive(Clone, Debug, Default)]
pub struct Pointer {
    grabbed: bool,
    last: Option<(f32, f32)>,
    buttons: u8,
    /// Fractional wheel movement not yet reported.
    wheel: f32,
}

impl Pointer {
    /// Whether the guest has the pointer.
    pub fn grabbed(&self) -> bool {
        self.grabbed
    }

    /// Give the pointer back to the host. Returns a report that lets go of
    /// any buttons the guest saw pressed.
    pub fn release(&mut self) -> Option<Motion> {
        let was = std::mem::replace(&mut self.grabbed, false);
        self.last = None;
        self.wheel = 0.0;
        let held = std::mem::take(&mut self.buttons);
        (was && held != 0).then_some(Motion::default())
    }

    /// The host pointer was moved to `pos` (warped back to the window's
    /// centre): measure the next movement from there.
    pub fn recentre(&mut self, pos: (f32, f32)) {
        if self.grabbed {
            self.last = Some(pos);
        }
    }

    /// Take a host sample; returns the movement for the guest, if any.
    /// `inside`: the pointer is over the window (a click there grabs).
    pub fn sample(&mut self, s: Sample, inside: bool) -> Option<Motion> {
        if !self.grabbed {
            // Grab on a click in the window; the guest sees the button
            // only once it is released and pressed again.
            if inside && s.buttons & 1 != 0 {
                self.grabbed = true;
                self.last = s.pos;
                self.buttons = s.buttons;
            }
            return None;
        }
        let (mut dx, mut dy) = (0, 0);
        match (s.pos, self.last) {
            (Some((x, y)), Some((lx, ly))) => {
                dx = (x - lx).round() as i32;
                // Window Y grows downwards; PS/2 Y grows upwards.
                dy = -((y - ly).round() as i32);
                // Keep the fractional part for the next sample.
                self.last = Some((lx + dx as f32, ly - dy as f32));
            }
            (Some(p), None) => self.last = Some(p),
            (None, _) => {}
        }
        self.wheel += s.wheel;
        let notches = self.wheel.trunc();
        self.wheel -= notches;
        // IntelliMouse Z: positive = towards the user (wheel down).
        let dz = -(notches as i32);
        let first_buttons = self.buttons;
        self.buttons = s.buttons;
        (dx != 0 || dy != 0 || dz != 0 || s.buttons != first_buttons).then_some(Motion {
            dx,
            dy,
            dz,
            buttons: s.buttons,
        })
    }
}

/// Movement waiting on the emulation side for the guest's mouse to have
/// room (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct MotionQueue {
    queue: std::collections::VecDeque<Motion>,
}

impl MotionQueue {
    /// Add a report, merging it into the last one when the buttons agree.
    pub fn push(&mut self, m: Motion) {
        if let Some(last) = self.queue.back_mut() {
            if last.buttons == m.buttons {
                last.dx = last.dx.saturating_add(m.dx);
                last.dy = last.dy.saturating_add(m.dy);
                last.dz = last.dz.saturating_add(m.dz);
                return;
            }
        }
        self.queue.push_back(m);
    }

    /// The next report to send.
    pub fn pop(&mut self) -> Option<Motion> {
        self.queue.pop_front()
    }

    /// Whether reports are waiting.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: f32, y: f32, buttons: u8) -> Sample {
        Sample {
            pos: Some((x, y)),
            buttons,
            wheel: 0.0,
        }
    }

    #[test]
    fn a_click_grabs_and_motion_becomes_ps2_deltas() {
        let mut p = Pointer::default();
        assert_eq!(p.sample(at(10.0, 10.0, 0), true), None, "not grabbed");
        assert_eq!(p.sample(at(20.0, 10.0, 1), false), None, "outside");
        assert!(!p.grabbed());
        assert_eq!(p.sample(at(20.0, 10.0, 1), true), None, "grabbing click");
        assert!(p.grabbed());
        // Button released: reported, no movement.
        let m = p.sample(at(20.0, 10.0, 0), true).unwrap();
        assert_eq!(m, Motion::default());
        // Right 5, down 3 in the window = up -3 for PS/2.
        let m = p.sample(at(25.0, 13.0, 0), true).unwrap();
        assert_eq!((m.dx, m.dy, m.dz, m.buttons), (5, -3, 0, 0));
        assert_eq!(p.sample(at(25.0, 13.0, 0), true), None, "no change");
        // Right button and middle button.
        let m = p.sample(at(25.0, 13.0, 2 | 4), true).unwrap();
        assert_eq!(m.buttons, 6);
        // Release with buttons held lets go of them.
        assert_eq!(p.release(), Some(Motion::default()));
        assert!(!p.grabbed());
        assert_eq!(p.release(), None);
    }

    #[test]
    fn motion_after_a_recentre_is_measured_from_the_centre() {
        let mut p = Pointer::default();
        p.recentre((400.0, 300.0));
        assert_eq!(p.sample(at(10.0, 10.0, 0), true), None, "not grabbed");
        p.sample(at(700.0, 500.0, 1), true);
        p.recentre((400.0, 300.0));
        let m = p.sample(at(405.0, 290.0, 1), true).unwrap();
        assert_eq!((m.dx, m.dy), (5, 10));
    }

    #[test]
    fn wheel_notches_become_intellimouse_z() {
        let mut p = Pointer::default();
        p.sample(at(0.0, 0.0, 1), true);
        p.sample(at(0.0, 0.0, 0), true);
        let up = Sample {
            wheel: 1.0,
            ..at(0.0, 0.0, 0)
        };
        assert_eq!(p.sample(up, true).unwrap().dz, -1, "wheel up = away");
        let down = Sample {
            wheel: -2.0,
            ..at(0.0, 0.0, 0)
        };
        assert_eq!(p.sample(down, true).unwrap().dz, 2);
        let half = Sample {
            wheel: -0.5,
            ..at(0.0, 0.0, 0)
        };
        assert_eq!(p.sample(half, true), None, "half a notch waits");
        assert_eq!(p.sample(half, true).unwrap().dz, 1);
    }

    #[test]
    fn fractional_positions_do_not_lose_movement() {
        let mut p = Pointer::default();
        p.sample(at(0.0, 0.0, 1), true);
        let mut total = 0;
        for i in 1..=10 {
            if let Some(m) = p.sample(at(i as f32 * 0.4, 0.0, 1), true) {
                total += m.dx;
            }
        }
        assert_eq!(total, 4);
    }

    #[test]
    fn queued_motion_merges_until_the_buttons_change() {
        let mut q = MotionQueue::default();
        let mv = |dx, buttons| Motion {
            dx,
            dy: 1,
            dz: 0,
            buttons,
        };
        q.push(mv(1, 0));
        q.push(mv(2, 0));
        q.push(mv(3, 1));
        q.push(mv(4, 1));
        q.push(mv(5, 0));
        assert_eq!(q.pop(), Some(Motion { dy: 2, ..mv(3, 0) }));
        assert_eq!(q.pop(), Some(Motion { dy: 2, ..mv(7, 1) }));
        assert_eq!(q.pop(), Some(mv(5, 0)));
        assert!(q.is_empty());
    }
}
