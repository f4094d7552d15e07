# shellcheck shell=bash disable=SC2034,SC2154  # sourced: its variables are used, and `here` set, by the scripts
# What images.sh and extlinux.sh share, sourced by each after `set -euo pipefail` and setting
# `here` (this directory).

# The kit's cache (fetch.sh): downloads and unpacked debs in x/, results in out/.
cache=$here/cache
out=$cache/out
x=$cache/x
kernel=$out/vmlinuz-686 initrd=$out/initrd-686.gz
# From Debian's syslinux-common, unpacked by fetch.sh: the MBR code and ldlinux's second part.
syslinux_common=$x/syslinux-common_all/usr/lib/syslinux
mbr=$syslinux_common/mbr/mbr.bin
ldlinux_c32=$syslinux_common/modules/bios/ldlinux.c32

# skip WHY: the scripts' "skipped" exit (status 77, one line on stderr).
skip() { echo "skipped: $*" >&2; exit 77; }

# write_mbr IMG MBR_BIN START SIZE TYPE SIGNATURE: writes IMG's first sector: MBR_BIN (syslinux's
# mbr.bin, at most 440 bytes of code), the 32-bit disk signature SIGNATURE, and one partition
# entry: active, type TYPE (e.g. 0x83 Linux, 0x06 FAT16), LBA START for SIZE sectors, with CHS
# fields for a 16-head, 63-sector geometry (FEh/FFh/FFh past cylinder 1023). The other three
# entries are empty. Needs python3 (no sfdisk needed).
write_mbr() {
    python3 - "$@" <<'PY'
import struct, sys
img, mbr = sys.argv[1], sys.argv[2]
start, size, ptype, sig = (int(a, 0) for a in sys.argv[3:7])
code = open(mbr, "rb").read()
assert len(code) <= 440, "mbr.bin is larger than the MBR code area"
H, S = 16, 63
def chs(lba):
    c, r = divmod(lba, H * S)
    if c > 1023:
        return b"\xfe\xff\xff"
    h, s = divmod(r, S)
    return bytes([h, ((c >> 2) & 0xC0) | (s + 1), c & 0xFF])
entry = b"\x80" + chs(start) + bytes([ptype]) + chs(start + size - 1) + struct.pack("<II", start, size)
sector = code.ljust(440, b"\0") + struct.pack("<I", sig) + b"\0\0" + entry + b"\0" * 48 + b"\x55\xaa"
assert len(sector) == 512
with open(img, "r+b") as f:
    f.write(sector)
PY
}
