//! Bus-master DMA into guest memory: the devices' [`DmaMemory`] view of
//! [`Memory`]. Writes go through `Memory::write`, so pages holding cached
//! code are invalidated as for CPU stores; ROM and open-bus pages drop
//! writes and read as the CPU would see them. Data moves eight bytes per
//! memory call (the RAM fast path), the tail byte by byte.

use crate::memory::Memory;
use devices::ide::DmaMemory;

impl DmaMemory for Memory {
    fn read(&mut self, addr: u32, buf: &mut [u8]) {
        let mut a = addr;
        let mut chunks = buf.chunks_exact_mut(8);
        for c in &mut chunks {
            c.copy_from_slice(&Memory::read(self, a, 8).to_le_bytes());
            a = a.wrapping_add(8);
        }
        for b in chunks.into_remainder() {
            *b = self.read_u8(a);
            a = a.wrapping_add(1);
        }
    }

    fn write(&mut self, addr: u32, data: &[u8]) {
        let mut a = addr;
        let mut chunks = data.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            Memory::write(self, a, 8, u64::from_le_bytes(b));
            a = a.wrapping_add(8);
        }
        for &b in chunks.remainder() {
            self.write_u8(a, b);
            a = a.wrapping_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dma_crosses_pages_and_invalidates_cached_code() {
        let mut m = Memory::new(1 << 20).unwrap();
        let data: Vec<u8> = (0..29).collect();
        m.mark_code(0x1000);
        DmaMemory::write(&mut m, 0xFF3, &data);
        assert!(m.has_invalidations(), "the write reached a code page");
        let mut back = [0u8; 29];
        DmaMemory::read(&mut m, 0xFF3, &mut back);
        assert_eq!(back[..], data[..]);
        // Above RAM: writes are dropped, reads are all-ones.
        DmaMemory::write(&mut m, 0x10_0000, &data);
        DmaMemory::read(&mut m, 0x10_0000, &mut back);
        assert_eq!(back, [0xFF; 29]);
    }
}
