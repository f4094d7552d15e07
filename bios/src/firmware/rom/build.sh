#!/usr/bin/env bash
# Rebuild the built-in BIOS ROM (ox86bios.bin, committed) from ox86bios.asm.
# The Rust crate embeds the .bin, so builds need only the Rust toolchain; run
# this after editing the .asm. Needs nasm (Debian: apt-get install nasm).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v nasm >/dev/null || { echo "build.sh: nasm not found (apt-get install -y nasm)" >&2; exit 1; }
nasm -f bin -I "$here/" -o "$here/ox86bios.bin" "$here/ox86bios.asm"
size=$(stat -c %s "$here/ox86bios.bin")
[ "$size" -eq 65536 ] || { echo "build.sh: ox86bios.bin is $size bytes, expected 65536" >&2; exit 1; }
echo "built ox86bios.bin"
