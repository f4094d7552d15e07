#!/usr/bin/env bash
# Rebuild the VGA test ROM(s) in this directory from their .asm sources
# (committed, so the tests need only Rust). Needs nasm. The ROMs include
# ../roms/common.inc, vga_regs.inc (as ../vga/vga_regs.inc through the roms/
# include path; the demo ROM includes it too) and the built-in BIOS's fonts
# (bios/src/firmware/rom/font8x16.inc, font8x8.inc).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v nasm >/dev/null || { echo "build.sh: nasm not found (apt-get install -y nasm)" >&2; exit 1; }
for src in "$here"/*.asm; do
    out="${src%.asm}.bin"
    nasm -f bin -I "$here/../roms/" -I "$here/../../bios/src/firmware/rom/" -o "$out" "$src"
    size=$(stat -c %s "$out")
    if [ "$size" -ne 65536 ]; then
        echo "build.sh: $out is $size bytes, expected a 64 KiB image" >&2
        exit 1
    fi
    echo "built ${out#"$here"/}"
done
