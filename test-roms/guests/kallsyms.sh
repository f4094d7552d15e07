#!/usr/bin/env bash
# Symbols of the kit's 686 kernel, for reading ox86 register dumps and traces (Debian's
# System.map is a placeholder; the real one is in the large -dbg package).
#
#   bash test-roms/guests/kallsyms.sh                 # writes cache/out/kallsyms-686 (needs QEMU)
#   bash test-roms/guests/kallsyms.sh 0xc10d5a3f ...  # prints symbol+offset of each address
#
# The symbols are read from /proc/kallsyms of the kit booted under QEMU TCG with "nokaslr"
# (init.sh's guest.kallsyms=1), so they hold for ox86 boots whose command line has "nokaslr"
# too. With KASLR the kernel moves in steps of CONFIG_PHYSICAL_ALIGN (16 MiB): the lookup also
# prints the candidates at such offsets inside the kernel text.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$here/cache/out
map=$out/kallsyms-686
if [ ! -s "$map" ]; then
    [ -s "$out/vmlinuz-686" ] || { echo "skipped: no guest kit (run test-roms/guests/fetch.sh)"; exit 77; }
    command -v qemu-system-i386 >/dev/null ||
        { echo "skipped: qemu-system-i386 not found (apt-get install qemu-system-x86)"; exit 77; }
    timeout 300 qemu-system-i386 -accel tcg -m 256 -nographic -no-reboot -nic none \
        -kernel "$out/vmlinuz-686" -initrd "$out/initrd-686.gz" \
        -append "console=ttyS0 nokaslr guest.work=0 guest.kallsyms=1" </dev/null |
        tr -d '\r' | sed -n '/^GUEST-KALLSYMS-BEGIN$/,/^GUEST-KALLSYMS-END$/p' |
        sed '1d;$d' | awk '$2 ~ /^[tTwW]$/' | sort > "$map.tmp.$$"
    [ -s "$map.tmp.$$" ] || { rm -f "$map.tmp.$$"; echo "kallsyms.sh: no symbols read from the guest" >&2; exit 1; }
    mv "$map.tmp.$$" "$map"
    echo "$map: $(wc -l <"$map") text symbols"
fi
[ $# -gt 0 ] || exit 0
python3 - "$map" "$@" <<'PY'
import bisect, sys
syms = []
for line in open(sys.argv[1]):
    f = line.split()
    syms.append((int(f[0], 16), f[2] + (" " + f[3] if len(f) > 3 else "")))
syms.sort()
addrs = [a for a, _ in syms]
lo, hi = addrs[0], addrs[-1]
def name(x):
    i = bisect.bisect_right(addrs, x) - 1
    return f"{syms[i][1]}+{x - syms[i][0]:#x}"
for arg in sys.argv[2:]:
    x = int(arg, 16)
    if lo <= x <= hi:
        print(f"{x:#010x} {name(x)}")
    else:
        cands = [x - k * 0x1000000 for k in range(-16, 17) if lo <= x - k * 0x1000000 <= hi]
        print(f"{x:#010x} outside the nokaslr text; KASLR candidates: " +
              (", ".join(f"{c:#010x} {name(c)}" for c in cands) or "none"))
PY
