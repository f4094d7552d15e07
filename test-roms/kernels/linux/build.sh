#!/usr/bin/env bash
# Rebuild the Linux boot-protocol test kernel (a flat bzImage-format file)
# from its source. The image is committed, so the tests need only the Rust
# toolchain; run this after editing boot_protocol.asm or ../print.inc (shared
# with the Multiboot kernel). Needs nasm.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v nasm >/dev/null || { echo "build.sh: nasm not found (apt-get install -y nasm)" >&2; exit 1; }
nasm -f bin -I "$here/../" -o "$here/boot_protocol.bin" "$here/boot_protocol.asm"
echo "built boot_protocol.bin"
