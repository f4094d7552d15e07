//! Device models for ox86.
//!
//! Every device is a plain state machine: it is driven through port I/O
//! (`read(port, size)` / `write(port, size, value)`) and knows nothing of the
//! CPU. The [`IoBus`] routes the 64 KiB x86 I/O space to the devices that are
//! present; unclaimed ports read as all-ones (an open ISA bus) and ignore
//! writes, as on a real PC.

pub mod apic;
pub mod block;
pub mod clock;
pub mod cmos_rtc;
pub mod debug_ports;
pub mod debugcon;
pub mod dma8237;
pub mod fdc82077;
pub mod fw_cfg;
pub mod i8042;
pub mod ide;
pub mod io_bus;
pub mod pci;
pub mod pic8259;
pub mod pit8254;
pub mod port92;
#[cfg(test)]
mod testutil;
pub mod uart16550;
pub mod vga;

pub use apic::ApicBus;
pub use clock::{ClockMode, VirtualClock};
pub use cmos_rtc::{CmosLayout, CmosRtc, CmosRtcState};
pub use debug_ports::{DebugPorts, DebugPortsConfig};
pub use debugcon::IsaDebugcon;
pub use fw_cfg::{FwCfg, FwCfgConfig};
pub use i8042::I8042;
pub use io_bus::{Com1, IoBus, IoSize, PlatformConfig, SerialPort};
pub use pci::Pci;
pub use pic8259::{Pic, PicState};
pub use pit8254::{Pit8254, Pit8254State};
pub use port92::Port92;
pub use uart16550::Uart16550;
