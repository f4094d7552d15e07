#!/usr/bin/env bash
# Rebuild the Multiboot test kernels from their sources. The images are
# committed, so the tests need only the Rust toolchain; run this after
# editing a .asm file or print.inc (also used by linux/boot_protocol.asm:
# run linux/build.sh too). Needs nasm and GNU ld (Debian: apt-get install nasm
# binutils).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for tool in nasm ld; do
    command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (apt-get install -y nasm binutils)" >&2; exit 1; }
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for src in "$here"/*.asm; do
    name="$(basename "${src%.asm}")"
    nasm -f elf32 -I "$here/" -o "$tmp/$name.o" "$src"
    ld -m elf_i386 -nostdlib --build-id=none -z max-page-size=0x1000 -z noexecstack \
        -T "$here/$name.ld" -o "$here/$name.elf" "$tmp/$name.o"
    echo "built $name.elf"
done
