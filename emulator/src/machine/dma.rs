//! Bus-master DMA into guest memory: the devices' [`DmaMemory`] view of
//! [`Memory`]. Writes go through `Memory::write_bytes`, so pages holding
//! cached code are invalidated as for CPU stores; ROM and open-bus pages
//! drop writes and read as the CPU would see them.

use crate::memory::Memory;
use devices::ide::DmaMemory;

impl DmaMemory for Memory {
    fn read(&mut self, addr: u32, buf: &mut [u8]) {
        self.read_bytes(addr, buf);
    }

    fn write(&mut self, addr: u32, data: &[u8]) {
        self.write_bytes(addr, data);
    }
}
