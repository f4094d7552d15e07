#!/usr/bin/env bash
# Rebuild the boot-sector disk images in this directory from their .asm
# sources (committed, so tests need only Rust). Needs nasm.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v nasm >/dev/null || { echo "build.sh: nasm not found (apt-get install -y nasm)" >&2; exit 1; }
for src in "$here"/*.asm; do
    out="${src%.asm}.img"
    nasm -f bin -i "$here/" -o "$out" "$src"
    echo "built ${out#"$here"/} ($(stat -c %s "$out") bytes)"
done
