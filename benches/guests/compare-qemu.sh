#!/usr/bin/env bash
# Whole-guest timing of ox86 beside QEMU (TCG, pure software) on the same
# guest ROM and machine. Prints wall and user CPU seconds for each; compare
# user seconds on a busy machine.
#
#   bash benches/guests/compare-qemu.sh [ROM]      (default: intloop.bin)
#
# Needs qemu-system-i386 (Debian package qemu-system-x86); builds ox86 in
# release mode first.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rom=${1:-$here/intloop.bin}
cd "$here/../.."
cargo build --release --quiet
TIMEFORMAT='%R s wall, %U s user'
echo "ox86 ($rom):"
set +e
time ./target/release/ox86 run --headless --quiet --bios "$rom" --exit-port 0xf4
echo "  exit status $?"
if command -v qemu-system-i386 >/dev/null; then
    echo "QEMU TCG ($rom):"
    time qemu-system-i386 -nodefaults -display none -accel tcg -m 32 -bios "$rom" \
        -device isa-debug-exit,iobase=0xf4,iosize=1
    echo "  exit status $?"
else
    echo "qemu-system-i386 not found (apt-get install qemu-system-x86): QEMU timing skipped"
fi
