//! Holding the host pointer while the guest has the mouse, on X11: the
//! pointer is confined to the window (`XGrabPointer` with `confine_to`,
//! Xlib manual §12.1) and warped back to the window's centre
//! (`XWarpPointer`, §12.4) when it nears an edge, so host movement keeps
//! turning into guest movement however far the mouse travels. minifb has
//! no such calls; this uses its window and display (raw-window-handle)
//! through Xlib, loaded with dlopen like minifb's own X11 back end.
//!
//! Elsewhere (macOS, Windows) [`PointerHold`] does nothing: the hidden
//! host pointer stops at the window's edge.

#[cfg(all(unix, not(target_os = "macos")))]
mod imp {
    use raw_window_handle::{HasDisplayHandle, HasWindowHandle, RawDisplayHandle, RawWindowHandle};
    use std::os::raw::{c_int, c_uint};
    use x11_dl::xlib;

    /// minifb's X11 window and display, with Xlib.
    pub struct PointerHold {
        xlib: xlib::Xlib,
        display: *mut xlib::Display,
        window: xlib::Window,
        grabbed: bool,
    }

    impl PointerHold {
        /// For minifb's `window`; `None` if it is not an X11 window or
        /// Xlib cannot be loaded.
        pub fn new(window: &minifb::Window) -> Option<Self> {
            let RawWindowHandle::Xlib(w) = window.window_handle().ok()?.as_raw() else {
                return None;
            };
            let RawDisplayHandle::Xlib(d) = window.display_handle().ok()?.as_raw() else {
                return None;
            };
            let display = d.display?.as_ptr().cast::<xlib::Display>();
            let xlib = xlib::Xlib::open().ok()?;
            Some(PointerHold {
                xlib,
                display,
                window: w.window,
                grabbed: false,
            })
        }

        /// Confine the pointer to the window (true if the server agreed).
        pub fn grab(&mut self) -> bool {
            if self.grabbed {
                return true;
            }
            let mask = (xlib::ButtonPressMask | xlib::ButtonReleaseMask | xlib::PointerMotionMask)
                as c_uint;
            // SAFETY: `display` and `window` are minifb's, alive as long as
            // the minifb window this was made from (the window thread owns
            // both and drops this first); the call only takes values.
            let status = unsafe {
                (self.xlib.XGrabPointer)(
                    self.display,
                    self.window,
                    xlib::True,
                    mask,
                    xlib::GrabModeAsync,
                    xlib::GrabModeAsync,
                    self.window,
                    0,
                    xlib::CurrentTime,
                )
            };
            self.grabbed = status == xlib::GrabSuccess;
            self.grabbed
        }

        /// Let the pointer go.
        pub fn release(&mut self) {
            if std::mem::take(&mut self.grabbed) {
                // SAFETY: as in `grab`.
                unsafe {
                    (self.xlib.XUngrabPointer)(self.display, xlib::CurrentTime);
                    (self.xlib.XFlush)(self.display);
                }
            }
        }

        /// Move the pointer to (x, y) in the window.
        pub fn warp(&mut self, x: i32, y: i32) {
            // SAFETY: as in `grab`.
            unsafe {
                (self.xlib.XWarpPointer)(
                    self.display,
                    0,
                    self.window,
                    0,
                    0,
                    0,
                    0,
                    x as c_int,
                    y as c_int,
                );
                (self.xlib.XFlush)(self.display);
            }
        }
    }

    impl Drop for PointerHold {
        fn drop(&mut self) {
            self.release();
        }
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
mod imp {
    /// No pointer confinement on this platform.
    pub struct PointerHold;

    impl PointerHold {
        pub fn new(_window: &minifb::Window) -> Option<Self> {
            None
        }
        pub fn grab(&mut self) -> bool {
            false
        }
        pub fn release(&mut self) {}
        pub fn warp(&mut self, _x: i32, _y: i32) {}
    }
}

pub use imp::PointerHold;

/// Whether a pointer at `pos` in a `w`×`h` window should be warped back
/// to the centre: it left the middle half of the window.
pub fn needs_recentre(pos: (f32, f32), w: usize, h: usize) -> bool {
    let (w, h) = (w as f32, h as f32);
    let (x, y) = pos;
    x < w / 4.0 || x > w * 3.0 / 4.0 || y < h / 4.0 || y > h * 3.0 / 4.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recentre_outside_the_middle_half() {
        for (pos, want) in [
            ((400.0, 300.0), false),
            ((200.0, 150.0), false),
            ((199.0, 300.0), true),
            ((601.0, 300.0), true),
            ((400.0, 451.0), true),
            ((400.0, 149.0), true),
        ] {
            assert_eq!(needs_recentre(pos, 800, 600), want, "{pos:?}");
        }
    }
}
