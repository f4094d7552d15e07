#!/usr/bin/env bash
# Guest kit: real, unmodified guest software from Debian packages.
#
#   bash test-roms/guests/fetch.sh            # fetch (cached) and build the kit
#   REFRESH=1 bash test-roms/guests/fetch.sh  # re-resolve versions and re-download
#
# Downloads with `apt-get download` (nothing is installed) into test-roms/guests/cache/debs/ and
# unpacks with `dpkg-deb -x` into cache/x/<package>_<arch>/ (gitignored; symlinks to the versioned
# trees):
#   i386 (bookworm): linux-image-*-686 (non-PAE; resolved through the linux-image-686 metapackage),
#                    busybox-static
#   amd64:           linux-image-*-amd64 (through linux-image-amd64), seabios, isolinux, syslinux,
#                    extlinux, syslinux-common, memtest86+
# then builds cache/out/:
#   vmlinuz-686, vmlinuz-amd64, busybox-i386, initrd-686.gz (busybox initramfs, /init = init.sh),
#   bios-256k.bin, bios.bin (SeaBIOS), isolinux.bin, memtest86+ia32.bin, memtest86+x64.bin,
#   MANIFEST (package versions and deb hashes).
#
# apt runs with a private state in cache/apt/ (its own source list, package lists and cache), so
# the machine's apt configuration and package lists are left as they were. The archive URI, suite
# and keyring come from the machine's own apt configuration (/etc/apt/sources.list,
# /etc/apt/sources.list.d/*.list, *.sources); override with MIRROR=, SUITE=, KEYRING=.
#
# Exit statuses: 0 kit ready; 77 skipped (no apt-get/dpkg-deb/python3/gzip, no archive configured, or the
# archive unreachable) with one line "skipped: ..." on stderr; anything else is an error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=$here/cache
out=$cache/out
skip() { echo "skipped: $*" >&2; exit 77; }
say() { echo "fetch.sh: $*"; }

OUTPUTS=(vmlinuz-686 vmlinuz-amd64 busybox-i386 bios-256k.bin isolinux.bin memtest86+ia32.bin)
have_all() { local f; for f in "${OUTPUTS[@]}"; do [ -s "$out/$f" ] || return 1; done; }

# ---------------------------------------------------------------------------------------------
# initramfs: a newc cpio written by a few lines of python3 (no host cpio, no root needed for the
# device nodes, reproducible: sorted names, mtime 0, owner 0:0), gzip -n.
build_initrd() {
    local bb=$out/busybox-i386 img=$out/initrd-686.gz
    command -v python3 >/dev/null && command -v gzip >/dev/null || skip "python3 and gzip are needed to build the initramfs"
    python3 - "$bb" "$here/init.sh" <<'PY' | gzip -9 -n > "$img.tmp.$$"
import sys
busybox, init = sys.argv[1], sys.argv[2]
# (name, mode, data or None, rdev (major, minor))
D, F, L, C = 0o040755, 0o100755, 0o120777, 0o020600
entries = [(d, D, None, (0, 0)) for d in
           ["bin", "dev", "etc", "proc", "root", "sbin", "sys", "tmp", "usr", "usr/bin", "usr/sbin"]]
entries += [
    ("bin/busybox", F, open(busybox, "rb").read(), (0, 0)),
    ("bin/sh", L, b"busybox", (0, 0)),
    ("init", F, open(init, "rb").read(), (0, 0)),
    ("dev/console", C, None, (5, 1)),
    ("dev/null", 0o020666, None, (1, 3)),
    ("dev/ttyS0", C, None, (4, 64)),
]
entries.sort(key=lambda e: e[0])
out = sys.stdout.buffer
def rec(ino, name, mode, data, rdev):
    name = name.encode() + b"\0"
    data = data or b""
    nlink = 2 if mode & 0o170000 == 0o040000 else 1
    hdr = b"070701" + b"".join(b"%08X" % v for v in (
        ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(name), 0))
    out.write(hdr + name + b"\0" * (-(110 + len(name)) % 4) + data + b"\0" * (-len(data) % 4))
for i, (n, m, d, r) in enumerate(entries, 1):
    rec(i, n, m, d, r)
rec(0, "TRAILER!!!", 0, None, (0, 0))
PY
    if cmp -s "$img.tmp.$$" "$img"; then
        rm -f "$img.tmp.$$"   # unchanged: keep the file (and its mtime) that runs may be reading
    else
        mv "$img.tmp.$$" "$img"
    fi
    say "$img: $(stat -c %s "$img") bytes, sha256 $(sha256sum "$img" | cut -c1-16)"
    bash "$here/images.sh" || [ $? = 77 ]  # bootable ISO/HDD/floppy images (images.sh; 77 = skipped)
}

if [ "${REFRESH:-0}" != 1 ] && have_all; then
    say "packages cached in $cache (REFRESH=1 to fetch again)"
    build_initrd
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Archive URI, suite and keyring from the machine's apt configuration: the first enabled "deb"
# entry that is not a security or updates archive.
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || skip "apt-get/dpkg-deb not found (not a Debian-like host)"
find_archive() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        # deb822 paragraphs; continuation lines (inline keys) are skipped.
        awk 'BEGIN { RS = ""; FS = "\n" }
             { t = u = s = k = ""; en = "yes"
               for (i = 1; i <= NF; i++) {
                 line = $i; if (line ~ /^[ \t]*#/ || line ~ /^[ \t]/) continue
                 key = tolower(line); sub(/:.*/, "", key); val = line; sub(/^[^:]*:[ \t]*/, "", val)
                 if (key == "types") t = val; else if (key == "uris") u = val
                 else if (key == "suites") s = val; else if (key == "signed-by") k = val
                 else if (key == "enabled") en = tolower(val)
               }
               split(u, us, /[ \t]+/); split(s, ss, /[ \t]+/)
               if (t ~ /(^|[ \t])deb([ \t]|$)/ && en != "no" && us[1] != "" && us[1] !~ /security/ \
                   && ss[1] !~ /-(security|updates|backports)$/) {
                 if (k !~ /^\//) k = ""
                 print us[1], ss[1], k; exit
               } }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        awk '$1 == "deb" { o = ""; i = 2
               if ($2 ~ /^\[/) { while (i <= NF) { o = o " " $i; if ($i ~ /\]$/) break; i++ }; i++ }
               u = $i; s = $(i + 1)
               if (u ~ /security/ || s ~ /-(security|updates|backports)$/) next
               k = ""; if (match(o, /signed-by=[^] ]+/)) k = substr(o, RSTART + 10, RLENGTH - 10)
               print u, s, k; exit }' "$f"
    done
}
read -r cfg_uri cfg_suite cfg_key < <(find_archive | head -1) || true
MIRROR=${MIRROR:-${cfg_uri:-}}
SUITE=${SUITE:-${cfg_suite:-}}
KEYRING=${KEYRING:-${cfg_key:-}}
[ -n "$MIRROR" ] && [ -n "$SUITE" ] || skip "no Debian archive found in the apt configuration (set MIRROR= and SUITE=)"
[ "$SUITE" = bookworm ] || say "note: the machine's suite is '$SUITE'; the kit is meant for bookworm (SUITE=bookworm to choose)"
say "archive $MIRROR, suite $SUITE${KEYRING:+, keyring $KEYRING}"

# ---------------------------------------------------------------------------------------------
# Private apt state: the temporary extra source (amd64 + [arch=i386]) lives in cache/apt/ and is
# removed on exit; the package lists stay there (cached) but are refreshed on each fetch.
apt_dir=$cache/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/parts" "$cache/debs" "$cache/x" "$out"
src=$apt_dir/sources.list
trap 'rm -f "$src"' EXIT
opts="arch=amd64,i386${KEYRING:+ signed-by=$KEYRING}"
echo "deb [$opts] $MIRROR $SUITE main" > "$src"
APT=(apt-get -q -o "Dir::Etc::SourceList=$src" -o "Dir::Etc::SourceParts=$apt_dir/parts"
     -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o "Dir::Cache::archives=$apt_dir/archives"
     -o "APT::Architecture=amd64" -o "APT::Architectures=amd64,i386"
     -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
APTC=(apt-cache -o "Dir::Etc::SourceList=$src" -o "Dir::Etc::SourceParts=$apt_dir/parts"
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir"
      -o "APT::Architecture=amd64" -o "APT::Architectures=amd64,i386")
[ "$(id -u)" = 0 ] || APT=("${APT[@]/APT::Sandbox::User=root/APT::Sandbox::User=$(id -un)}")
say "apt-get update (private state in $apt_dir)"
if ! "${APT[@]}" update >"$apt_dir/update.log" 2>&1 || grep -q '^[WE]:' "$apt_dir/update.log"; then
    if have_all; then
        say "apt-get update could not read $MIRROR $SUITE (see $apt_dir/update.log): using the cached packages"
        build_initrd
        exit 0
    fi
    skip "apt-get update could not read $MIRROR $SUITE (no network?), see $apt_dir/update.log"
fi

# A metapackage's real image package: "linux-image-686" -> "linux-image-6.1.0-NN-686".
kernel_of() {
    "${APTC[@]}" depends "$1" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { sub(/:.*/, "", $2); print $2; exit }'
}
K686=$(kernel_of linux-image-686:i386)
K64=$(kernel_of linux-image-amd64:amd64)
[ -n "$K686" ] || { echo "fetch.sh: linux-image-686:i386 not found in $SUITE" >&2; exit 1; }
[ -n "$K64" ] || { echo "fetch.sh: linux-image-amd64 not found in $SUITE" >&2; exit 1; }
say "kernels: $K686 (i386), $K64 (amd64)"

PKGS=("$K686:i386" busybox-static:i386 "$K64:amd64" seabios isolinux syslinux:amd64 extlinux:amd64
      syslinux-common "memtest86+:amd64")
# apt-get download writes name_version_arch.deb (the epoch's ':' as %3a) into the current
# directory; a deb already there with the candidate version is kept. debs/SELECTED lists the
# debs of this kit (older versions may stay in debs/ until removed by hand).
(
    cd "$cache/debs"
    need=()
    : > SELECTED.tmp
    for p in "${PKGS[@]}"; do
        name=${p%%:*}
        cand=$("${APTC[@]}" policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2; exit }')
        [ -n "$cand" ] && [ "$cand" != "(none)" ] || { echo "fetch.sh: no candidate for $p" >&2; exit 1; }
        echo "${name}_${cand//:/%3a}" >> SELECTED.tmp
        ls "${name}_${cand//:/%3a}"_*.deb >/dev/null 2>&1 || need+=("$p")
    done
    if [ ${#need[@]} -gt 0 ]; then
        say "apt-get download ${need[*]}"
        "${APT[@]}" download "${need[@]}"
    else
        say "all debs already in $cache/debs"
    fi
    while read -r stem; do ls "$stem"_*.deb; done < SELECTED.tmp > SELECTED
    rm -f SELECTED.tmp
)

# ---------------------------------------------------------------------------------------------
# Unpack each deb once into x/<package>_<version>_<arch>/, with a stable symlink
# x/<package>_<arch> -> the selected version; then give the pieces stable names in out/.
while read -r deb; do
    stem=$(basename "$deb" .deb)
    dest=$cache/x/$stem
    [ -d "$dest" ] || { rm -rf "$dest.tmp"; dpkg-deb -x "$cache/debs/$deb" "$dest.tmp"; mv "$dest.tmp" "$dest"; }
    ln -sfn "$stem" "$cache/x/${stem%%_*}_${stem##*_}"
done < "$cache/debs/SELECTED"
unpacked() { echo "$cache/x/$1_$2"; }  # package arch -> its unpacked tree
install -m 644 "$(unpacked "$K686" i386)"/boot/vmlinuz-* "$out/vmlinuz-686"
install -m 644 "$(unpacked "$K64" amd64)"/boot/vmlinuz-* "$out/vmlinuz-amd64"
install -m 755 "$(unpacked busybox-static i386)/bin/busybox" "$out/busybox-i386"
sb=$(unpacked seabios all)/usr/share/seabios
install -m 644 "$sb/bios-256k.bin" "$sb/bios.bin" "$sb/vgabios-stdvga.bin" "$out/"
install -m 644 "$(unpacked isolinux all)/usr/lib/ISOLINUX/isolinux.bin" "$out/"
mt=$(unpacked memtest86+ amd64)/boot
install -m 644 "$mt/memtest86+ia32.bin" "$mt/memtest86+x64.bin" "$out/"
{
    echo "# package version architecture deb-sha256 (suite $SUITE)"
    while read -r deb; do
        deb=$cache/debs/$deb
        printf '%s %s %s %s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" \
            "$(dpkg-deb -f "$deb" Architecture)" "$(sha256sum "$deb" | cut -c1-16)"
    done < "$cache/debs/SELECTED"
} > "$out/MANIFEST"
cat "$out/MANIFEST"
build_initrd
say "kit ready in $out"
