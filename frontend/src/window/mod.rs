//! The desktop window of `ox86 run` (without `--headless`): the guest's
//! screen and the host keyboard and mouse, with `minifb`.
//!
//! Threads: the window lives on the main thread (macOS needs that) and the
//! emulation on a thread of its own (`ox86-cpu`), so the guest's timing
//! does not depend on the presentation. They talk over `crossbeam-channel`:
//! - frames go from the emulation to the window through a bounded channel
//!   (two frames): between slices the emulation renders the VGA
//!   ([`devices::IoBus::render_screen`]) at most 60 times per second of
//!   host time, only when the channel has room, and sends a frame only when
//!   the picture changed, so a static screen costs no rendering and no
//!   copies;
//! - input goes the other way (key scan codes, mouse movement); the
//!   emulation hands it to the 8042 between slices ([`EmuLink`]), one key
//!   sequence at a time when the keyboard's buffer is empty, and brings the
//!   IRQ lines up to date so the interrupt reaches the guest at once.
//!
//! The window presents at most 60 times per second, scales the frame as
//! module `present` says, and shows the state and speed in its title
//! (module `title`). Keyboard mapping: module `keymap`; pointer grab
//! (click to grab, Ctrl+Alt+G to release): module `mouse`, with the host
//! pointer held in the window on X11 (module `x11grab`).
//!
//! Limits of minifb: keys are reported by the keysym of the unshifted key
//! (a US layout is assumed, module `keymap`), there is no Print Screen key,
//! and mouse buttons are polled once per frame, so a click shorter than a
//! frame (about 16 ms; a person's lasts longer) is not seen. The
//! emulation also moves the 8042's queued bytes into its output buffer
//! (`I8042::service`) between slices, since the machine does not: the rest
//! of an E0 sequence or a mouse packet reaches the guest within a slice.
//!
//! Closing the window ends the run (status 0, as QEMU does). When the guest
//! halts for good the window stays open, titled "halted", until closed;
//! any other end of the run (power-off, exit port, limits) closes it.
//!
//! On Linux and the BSDs only minifb's X11 back end is built (loaded with
//! `dlopen`, so building needs no X11 development files); Wayland desktops
//! run the window through XWayland. Without a display ([`check_display`])
//! or when the window cannot be opened, `ox86 run` says so in one line and
//! suggests `--headless`.

mod keymap;
mod mouse;
mod present;
mod title;
mod x11grab;

pub use title::RunState;

use crossbeam_channel::{bounded, unbounded, Receiver, Sender, TryRecvError};
use devices::i8042::STATUS_OBF;
use devices::vga::Framebuffer;
use emulator::Machine;
use keymap::{KeyState, ScanBytes};
use minifb::{Key, MouseButton, MouseMode, ScaleMode, Window, WindowOptions};
use mouse::{Motion, MotionQueue, Pointer, Sample};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Shortest time between two renderings of the VGA (60 Hz).
const FRAME_INTERVAL: Duration = Duration::from_micros(16_667);
/// Frames in flight from the emulation to the window.
const FRAME_QUEUE: usize = 2;
/// The window's size when it opens (4:3, room for 720×400 text and
/// 640×480 graphics at 1×, 320×200 at 2×); it can be resized.
const INITIAL_SIZE: (usize, usize) = (800, 600);
/// minifb does not repaint an exposed window by itself: the window is
/// drawn at least this often even when the guest's picture is unchanged.
const REPAINT_INTERVAL: Duration = Duration::from_millis(250);
/// How often the title's speed is refreshed.
const TITLE_INTERVAL: Duration = Duration::from_millis(500);

/// Whether a display for the window can be expected; an error (one line,
/// suggesting `--headless`) when there is none.
pub fn check_display() -> anyhow::Result<()> {
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        let set = |v: &str| std::env::var_os(v).is_some_and(|s| !s.is_empty());
        if !set("DISPLAY") {
            if set("WAYLAND_DISPLAY") {
                anyhow::bail!(
                    "no X11 display for the window (DISPLAY is not set; on Wayland the window \
                     needs XWayland); use --headless to run without a window"
                );
            }
            anyhow::bail!(
                "no display for the window (DISPLAY is not set); use --headless to run without a window"
            );
        }
    }
    Ok(())
}

/// Input from the window for the guest.
#[derive(Clone, Copy, Debug)]
enum Input {
    Key(ScanBytes),
    Mouse(Motion),
}

/// State both threads see.
#[derive(Debug, Default)]
struct Shared {
    /// The window was closed: the emulation stops.
    closed: AtomicBool,
    /// Instructions retired so far (for the title's speed).
    icount: AtomicU64,
    /// [`RunState`] as a number.
    state: AtomicU8,
    /// Keep the window open after the run ended.
    keep_open: AtomicBool,
}

/// The emulation thread's end of the window: call
/// [`EmuLink::before_slice`] and [`EmuLink::after_slice`] around each
/// slice, and [`EmuLink::finish`] when the run ends.
pub struct EmuLink {
    shared: Arc<Shared>,
    frames: Sender<Framebuffer>,
    input: Receiver<Input>,
    keys: VecDeque<ScanBytes>,
    motion: MotionQueue,
    fb: Framebuffer,
    next_render: Instant,
    /// Rendering cost: calls, frames sent, time spent (rendering and
    /// copying), and when the emulation started.
    renders: u64,
    frames_sent: u64,
    render_time: Duration,
    started: Instant,
}

impl EmuLink {
    /// Hand waiting input to the 8042; false when the window was closed
    /// (the run should end).
    pub fn before_slice(&mut self, m: &mut Machine) -> bool {
        if self.shared.closed.load(Ordering::Acquire) {
            return false;
        }
        loop {
            match self.input.try_recv() {
                Ok(Input::Key(k)) => self.keys.push_back(k),
                Ok(Input::Mouse(mv)) => self.motion.push(mv),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return false,
            }
        }
        let mut injected = false;
        let mut waiting = !self.keys.is_empty() || !self.motion.is_empty();
        match m.cpu.io.kbc.as_mut() {
            Some(k) => {
                // The 8042 moves a device's next byte into its output
                // buffer only when asked (`service`); the machine does not
                // do that by itself, so the rest of a multi-byte sequence
                // (E0 prefixes, mouse packets) goes in here, once the guest
                // has read the previous byte.
                let was_full = k.status() & STATUS_OBF != 0;
                k.service();
                injected |= !was_full && k.status() & STATUS_OBF != 0;
                // One sequence at a time: the keyboard's buffer is small
                // and a burst of host events must not overrun it.
                if !k.keyboard.has_data() {
                    if let Some(bytes) = self.keys.pop_front() {
                        k.key_event(bytes.as_slice());
                        injected = true;
                    }
                }
                if !k.mouse.has_data() {
                    if let Some(mv) = self.motion.pop() {
                        k.mouse_motion(mv.dx, mv.dy, mv.dz, mv.buttons);
                        injected = true;
                    }
                }
                waiting = !self.keys.is_empty()
                    || !self.motion.is_empty()
                    || k.keyboard.has_data()
                    || k.mouse.has_data();
            }
            None => {
                self.keys.clear();
                while self.motion.pop().is_some() {}
            }
        }
        if injected {
            // Drive IRQ1/IRQ12 into the PIC now (a byte in the 8042's
            // output buffer raises its line only through the bus update).
            m.cpu.io.update(m.cpu.icount);
            if waiting {
                // More is waiting: cut this slice's idle sleep short so
                // the next byte goes in once the guest took this one.
                std::thread::current().unpark();
            }
        }
        // Host input may come at any time: a halted guest waits for it.
        m.host_input = true;
        true
    }

    /// After a slice: publish the speed, render and send a changed frame
    /// (at most 60 times per second, only when the window keeps up).
    pub fn after_slice(&mut self, m: &mut Machine) {
        self.shared.icount.store(m.cpu.icount, Ordering::Relaxed);
        let now = Instant::now();
        if now < self.next_render || self.frames.is_full() {
            return;
        }
        self.next_render = now + FRAME_INTERVAL;
        self.renders += 1;
        if m.cpu.io.render_screen(&mut self.fb) {
            // Full only if the window fell behind since the check above;
            // disconnected only when it is gone (the run then ends at the
            // next `before_slice`).
            if self.frames.try_send(self.fb.clone()).is_ok() {
                self.frames_sent += 1;
            }
        }
        self.render_time += now.elapsed();
    }

    /// The run ended: show `state` in the title; `keep_open` keeps the
    /// window until the user closes it (a halted guest's last screen).
    pub fn finish(&mut self, m: &mut Machine, state: RunState, keep_open: bool) {
        if keep_open {
            // The last picture: `fb` holds every earlier rendering, so
            // this brings it up to date whatever the 60 Hz limit skipped.
            m.cpu.io.render_screen(&mut self.fb);
            let _ = self
                .frames
                .send_timeout(self.fb.clone(), Duration::from_millis(200));
        }
        self.shared.state.store(state.to_u8(), Ordering::Release);
        self.shared.keep_open.store(keep_open, Ordering::Release);
        let run = self.started.elapsed().as_secs_f64();
        let ms = self.render_time.as_secs_f64() * 1e3;
        log::info!(
            "window: {} VGA renderings, {} frames sent, {ms:.1} ms rendering in {run:.1} s \
             ({:.2}% of the emulation thread)",
            self.renders,
            self.frames_sent,
            if run > 0.0 { ms / 10.0 / run } else { 0.0 }
        );
    }
}

/// Open the window, run `emulate` on its own thread with the
/// [`EmuLink`], present its frames and pass input until it returns (and,
/// if it asked to, until the window is closed). Errors: the window cannot
/// be opened (one line), or the emulation thread panicked.
pub fn run<R, F>(emulate: F) -> anyhow::Result<R>
where
    R: Send,
    F: FnOnce(&mut EmuLink) -> R + Send,
{
    let opts = WindowOptions {
        resize: true,
        scale_mode: ScaleMode::Center,
        ..WindowOptions::default()
    };
    let mut window = Window::new("ox86", INITIAL_SIZE.0, INITIAL_SIZE.1, opts).map_err(|e| {
        let msg = e.to_string().replace('\n', " ");
        anyhow::anyhow!("cannot open a window ({msg}); use --headless to run without a window")
    })?;
    window.set_target_fps(60);
    let key_events = Rc::new(RefCell::new(Vec::new()));
    window.set_input_callback(Box::new(KeyCollector(key_events.clone())));

    let shared = Arc::new(Shared::default());
    let (frame_tx, frame_rx) = bounded(FRAME_QUEUE);
    let (input_tx, input_rx) = unbounded();
    let mut link = EmuLink {
        shared: shared.clone(),
        frames: frame_tx,
        input: input_rx,
        keys: VecDeque::new(),
        motion: MotionQueue::default(),
        fb: Framebuffer::default(),
        next_render: Instant::now(),
        renders: 0,
        frames_sent: 0,
        render_time: Duration::ZERO,
        started: Instant::now(),
    };
    std::thread::scope(|s| {
        let emu = std::thread::Builder::new()
            .name("ox86-cpu".into())
            .spawn_scoped(s, move || emulate(&mut link))
            .map_err(|e| anyhow::anyhow!("cannot start the emulation thread: {e}"))?;
        let mut ui = Ui {
            hold: x11grab::PointerHold::new(&window),
            window,
            key_events,
            keys: KeyState::default(),
            pointer: Pointer::default(),
            frame: Framebuffer::default(),
            buffer: Vec::new(),
            drawn: None,
            last_paint: Instant::now(),
            speed: title::Speed::new(Instant::now(), 0),
            next_title: Instant::now(),
            title: String::new(),
            input: input_tx,
            emu: emu.thread().clone(),
            shared: &shared,
        };
        loop {
            if !ui.window.is_open() {
                // Closing the window ends the run.
                shared.closed.store(true, Ordering::Release);
                ui.emu.unpark();
                break;
            }
            let finished = emu.is_finished();
            if finished && !shared.keep_open.load(Ordering::Acquire) {
                break;
            }
            while let Ok(f) = frame_rx.try_recv() {
                ui.frame = f;
                ui.drawn = None;
            }
            ui.present();
            ui.input(finished);
            ui.update_title();
        }
        drop(ui);
        emu.join()
            .map_err(|_| anyhow::anyhow!("the emulation thread panicked"))
    })
}

/// minifb's key callback: host key events in order (presses and releases
/// of one update are not merged, unlike minifb's polled key state).
struct KeyCollector(Rc<RefCell<Vec<(Key, bool)>>>);

impl minifb::InputCallback for KeyCollector {
    fn add_char(&mut self, _uni_char: u32) {}

    fn set_key_state(&mut self, key: Key, state: bool) {
        self.0.borrow_mut().push((key, state));
    }
}

/// The window thread's state.
struct Ui<'a> {
    /// Pointer confinement (X11); dropped before the window.
    hold: Option<x11grab::PointerHold>,
    window: Window,
    key_events: Rc<RefCell<Vec<(Key, bool)>>>,
    keys: KeyState,
    pointer: Pointer,
    /// The latest guest frame.
    frame: Framebuffer,
    /// The window-sized picture last composed.
    buffer: Vec<u32>,
    /// Window size `buffer` was composed for (`None`: compose again).
    drawn: Option<(usize, usize)>,
    last_paint: Instant,
    speed: title::Speed,
    next_title: Instant,
    title: String,
    input: Sender<Input>,
    emu: std::thread::Thread,
    shared: &'a Shared,
}

impl Ui<'_> {
    /// Compose and show the picture, or just process window events (at
    /// most 60 times per second: minifb's update waits for the rate).
    fn present(&mut self) {
        let (ww, wh) = self.window.get_size();
        let now = Instant::now();
        let compose = self.drawn != Some((ww, wh));
        if compose && ww > 0 && wh > 0 {
            present::compose(
                &self.frame.pixels,
                self.frame.width,
                self.frame.height,
                ww,
                wh,
                &mut self.buffer,
            );
            self.drawn = Some((ww, wh));
        }
        let paint = compose || now.duration_since(self.last_paint) >= REPAINT_INTERVAL;
        if paint && ww > 0 && wh > 0 && self.buffer.len() == ww * wh {
            self.last_paint = now;
            if let Err(e) = self.window.update_with_buffer(&self.buffer, ww, wh) {
                log::warn!("window update failed: {e}");
                self.window.update();
            }
        } else {
            self.window.update();
        }
    }

    /// Pass this update's keyboard and mouse events to the guest (not
    /// after the run ended), and handle Ctrl+Alt+G.
    fn input(&mut self, finished: bool) {
        let events = std::mem::take(&mut *self.key_events.borrow_mut());
        let mut sent = false;
        for (key, down) in events {
            let chord = key == Key::G
                && down
                && (self.keys.is_down(Key::LeftCtrl) || self.keys.is_down(Key::RightCtrl))
                && (self.keys.is_down(Key::LeftAlt) || self.keys.is_down(Key::RightAlt));
            if chord {
                if let Some(mv) = self.pointer.release() {
                    sent |= self.send(Input::Mouse(mv), finished);
                }
                self.let_go();
                continue;
            }
            if let Some(bytes) = self.keys.event(key, down) {
                sent |= self.send(Input::Key(bytes), finished);
            }
        }
        if !self.window.is_active() {
            // Focus lost: let go of held keys and of the pointer.
            for bytes in self.keys.release_all() {
                sent |= self.send(Input::Key(bytes), finished);
            }
            let was_grabbed = self.pointer.grabbed();
            if let Some(mv) = self.pointer.release() {
                sent |= self.send(Input::Mouse(mv), finished);
            }
            if was_grabbed {
                self.let_go();
            }
        } else {
            let was_grabbed = self.pointer.grabbed();
            let mut buttons = 0;
            for (b, bit) in [
                (MouseButton::Left, 1),
                (MouseButton::Right, 2),
                (MouseButton::Middle, 4),
            ] {
                if self.window.get_mouse_down(b) {
                    buttons |= bit;
                }
            }
            let sample = Sample {
                pos: self.window.get_unscaled_mouse_pos(MouseMode::Pass),
                buttons,
                wheel: self.window.get_scroll_wheel().map_or(0.0, |(_, y)| y),
            };
            let inside = self
                .window
                .get_unscaled_mouse_pos(MouseMode::Discard)
                .is_some();
            if let Some(mv) = self.pointer.sample(sample, inside) {
                sent |= self.send(Input::Mouse(mv), finished);
            }
            if self.pointer.grabbed() && !was_grabbed {
                self.window.set_cursor_visibility(false);
                if let Some(h) = self.hold.as_mut() {
                    h.grab();
                }
            }
            // Keep the host pointer away from the edges (X11).
            if let (true, Some(h), Some(pos)) =
                (self.pointer.grabbed(), self.hold.as_mut(), sample.pos)
            {
                let (w, h_) = self.window.get_size();
                if w > 0 && h_ > 0 && x11grab::needs_recentre(pos, w, h_) {
                    let centre = ((w / 2) as f32, (h_ / 2) as f32);
                    h.warp(centre.0 as i32, centre.1 as i32);
                    self.pointer.recentre(centre);
                }
            }
        }
        if sent {
            // Wake the emulation if it sleeps in a halted guest's idle.
            self.emu.unpark();
        }
    }

    /// The pointer went back to the host: show it, end the confinement.
    fn let_go(&mut self) {
        self.window.set_cursor_visibility(true);
        if let Some(h) = self.hold.as_mut() {
            h.release();
        }
    }

    /// Send input to the emulation; false once the run ended.
    fn send(&self, i: Input, finished: bool) -> bool {
        !finished && self.input.send(i).is_ok()
    }

    /// Refresh the title (state, speed, pointer hint) when it changes.
    fn update_title(&mut self) {
        let now = Instant::now();
        if now >= self.next_title {
            self.next_title = now + TITLE_INTERVAL;
            self.speed
                .sample(now, self.shared.icount.load(Ordering::Relaxed));
        }
        let state = RunState::from_u8(self.shared.state.load(Ordering::Acquire));
        let t = title::title(state, self.speed.mips(), self.pointer.grabbed());
        if t != self.title {
            self.window.set_title(&t);
            self.title = t;
        }
    }
}
