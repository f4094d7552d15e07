use super::*;

fn read_item(f: &mut FwCfg, key: u16, n: usize) -> Vec<u8> {
    assert!(f.io_write(FW_CFG_PORT_SEL, IoSize::Word, u32::from(key)));
    (0..n)
        .map(|_| f.io_read(FW_CFG_PORT_DATA, IoSize::Byte).unwrap() as u8)
        .collect()
}

fn pc() -> FwCfg {
    FwCfg::for_pc(&FwCfgConfig {
        ram_size: 32 << 20,
        cpus: 1,
        boot_menu: false,
        e820: vec![(0, 32 << 20, E820_RAM)],
        bootorder: vec!["/pci@i0cf8/ide@1,1/drive@1/disk@0".into()],
        boot_fail_wait_ms: Some(u32::MAX),
        vga_roms: vec![("vgabios.bin".into(), vec![0x55, 0xAA, 1].into())],
    })
    .unwrap()
}

/// Directory entries: (name, key, size).
fn directory(f: &mut FwCfg) -> Vec<(String, u16, u32)> {
    let count = u32::from_be_bytes(read_item(f, FW_CFG_FILE_DIR, 4).try_into().unwrap());
    let mut out = Vec::new();
    for _ in 0..count {
        let e: Vec<u8> = (0..64).map(|_| f.read_data()).collect();
        let size = u32::from_be_bytes(e[0..4].try_into().unwrap());
        let key = u16::from_be_bytes(e[4..6].try_into().unwrap());
        assert_eq!(&e[6..8], &[0, 0], "reserved");
        let name = e[8..].split(|&b| b == 0).next().unwrap();
        out.push((String::from_utf8(name.to_vec()).unwrap(), key, size));
    }
    out
}

#[test]
fn signature_id_and_scalars() {
    let mut f = pc();
    assert_eq!(read_item(&mut f, FW_CFG_SIGNATURE, 4), b"QEMU");
    assert_eq!(read_item(&mut f, FW_CFG_ID, 4), [1, 0, 0, 0], "no DMA bit");
    assert_eq!(
        read_item(&mut f, FW_CFG_RAM_SIZE, 8),
        (32u64 << 20).to_le_bytes()
    );
    assert_eq!(read_item(&mut f, FW_CFG_NB_CPUS, 2), [1, 0]);
    assert_eq!(read_item(&mut f, FW_CFG_MAX_CPUS, 2), [1, 0]);
    assert_eq!(read_item(&mut f, FW_CFG_BOOT_MENU, 2), [0, 0]);
    assert_eq!(read_item(&mut f, FW_CFG_NUMA, 8), [0; 8]);
    assert_eq!(read_item(&mut f, FW_CFG_IRQ0_OVERRIDE, 1), [1]);
}

#[test]
fn reads_past_the_end_and_absent_items_are_zero() {
    let mut f = pc();
    assert_eq!(read_item(&mut f, FW_CFG_SIGNATURE, 6), b"QEMU\0\0");
    assert_eq!(read_item(&mut f, 0x7FFF, 3), [0, 0, 0]);
    assert_eq!(read_item(&mut f, 0x8000, 2), [0, 0], "no ACPI_TABLES");
}

#[test]
fn selector_write_rewinds_and_wide_data_reads_take_successive_bytes() {
    let mut f = pc();
    read_item(&mut f, FW_CFG_SIGNATURE, 2);
    f.io_write(FW_CFG_PORT_SEL, IoSize::Word, 0);
    assert_eq!(
        f.io_read(FW_CFG_PORT_DATA, IoSize::Dword),
        Some(u32::from_le_bytes(*b"QEMU"))
    );
    // Data writes are ignored and do not move the offset.
    f.io_write(FW_CFG_PORT_SEL, IoSize::Word, 0);
    assert!(f.io_write(FW_CFG_PORT_DATA, IoSize::Byte, 0x12));
    assert_eq!(f.read_data(), b'Q');
    // Other ports are not ours.
    assert_eq!(f.io_read(0x514, IoSize::Dword), None);
    assert!(!f.io_write(0x512, IoSize::Byte, 0));
}

#[test]
fn file_directory_lists_the_board_files() {
    let mut f = pc();
    let dir = directory(&mut f);
    let names: Vec<&str> = dir.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "etc/e820",
            "bootorder",
            "etc/boot-fail-wait",
            "vgaroms/vgabios.bin"
        ]
    );
    let keys: Vec<u16> = dir.iter().map(|d| d.1).collect();
    assert_eq!(keys, [0x20, 0x21, 0x22, 0x23]);
    assert_eq!(dir[0].2, 20, "one E820 entry");
    // Each file's bytes are at its selector.
    let e820 = read_item(&mut f, dir[0].1, 20);
    assert_eq!(&e820[0..8], &0u64.to_le_bytes());
    assert_eq!(&e820[8..16], &(32u64 << 20).to_le_bytes());
    assert_eq!(&e820[16..20], &E820_RAM.to_le_bytes());
    let order = read_item(&mut f, dir[1].1, dir[1].2 as usize);
    assert_eq!(order, b"/pci@i0cf8/ide@1,1/drive@1/disk@0\0");
    assert_eq!(read_item(&mut f, dir[2].1, 4), [0xFF; 4]);
    assert_eq!(read_item(&mut f, dir[3].1, 3), [0x55, 0xAA, 1]);
}

#[test]
fn optional_files_are_absent_when_not_configured() {
    let mut f = FwCfg::for_pc(&FwCfgConfig {
        ram_size: 1 << 20,
        ..Default::default()
    })
    .unwrap();
    let names: Vec<String> = directory(&mut f).into_iter().map(|d| d.0).collect();
    assert_eq!(names, ["etc/e820"]);
    assert_eq!(
        read_item(&mut f, FW_CFG_NB_CPUS, 2),
        [1, 0],
        "at least one CPU"
    );
}

#[test]
fn bad_file_names_are_errors() {
    let mut f = FwCfg::new();
    assert_eq!(directory(&mut f).len(), 0);
    assert!(matches!(
        f.add_file("", vec![]),
        Err(FwCfgError::BadName(_))
    ));
    let long = "x".repeat(56);
    assert!(matches!(
        f.add_file(&long, vec![]),
        Err(FwCfgError::BadName(_))
    ));
    assert_eq!(f.add_file(&"y".repeat(55), vec![1]), Ok(0x20));
    assert!(matches!(
        f.add_file(&"y".repeat(55), vec![]),
        Err(FwCfgError::Duplicate(_))
    ));
    assert_eq!(f.file_names().count(), 1);
}

#[test]
fn the_io_bus_routes_full_width_accesses_and_the_firmware_log() {
    let mut bus = crate::IoBus::new(crate::DebugPorts::default());
    assert_eq!(bus.read(FW_CFG_PORT_DATA, IoSize::Byte), 0xFF, "absent");
    bus.fw_cfg = Some(pc());
    bus.firmware_log = Some(crate::IsaDebugcon::new(crate::debugcon::FIRMWARE_LOG_PORT));
    // A word write to the selector is one access, not two byte writes
    // (a byte at 0x511 would be a data write).
    bus.write(FW_CFG_PORT_SEL, IoSize::Word, u32::from(FW_CFG_NB_CPUS));
    assert_eq!(bus.read(FW_CFG_PORT_DATA, IoSize::Byte), 1);
    bus.write(FW_CFG_PORT_SEL, IoSize::Word, u32::from(FW_CFG_SIGNATURE));
    let sig: Vec<u8> = (0..4)
        .map(|_| bus.read(FW_CFG_PORT_DATA, IoSize::Byte) as u8)
        .collect();
    assert_eq!(sig, b"QEMU");
    assert_eq!(bus.read(0x402, IoSize::Byte), 0xE9);
    bus.write(0x402, IoSize::Byte, u32::from(b'S'));
    assert_eq!(bus.firmware_log.as_mut().unwrap().take_output(), b"S");
    assert!(bus.debug.take_console().is_empty(), "not the 0xE9 console");
}
