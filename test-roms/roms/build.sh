#!/usr/bin/env bash
# Rebuild the test ROM images (and the built-in demo) from their sources.
# The images are committed, so the tests need only the Rust toolchain; run
# this after editing a .asm file. Needs nasm (Debian: apt-get install nasm).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v nasm >/dev/null || { echo "build.sh: nasm not found (apt-get install -y nasm)" >&2; exit 1; }
for src in "$here"/*.asm "$here"/../demo/demo.asm; do
    out="${src%.asm}.bin"
    nasm -f bin -I "$here/" -o "$out" "$src"
    size=$(stat -c %s "$out")
    if [ "$size" -ne 65536 ]; then
        echo "build.sh: $out is $size bytes, expected a 64 KiB image" >&2
        exit 1
    fi
    echo "built ${out#"$here"/}"
done
