#!/usr/bin/env bash
# kit-extlinux.img: the guest kit on a raw hard disk that boots through EXTLINUX from ext2.
# Called by images.sh (after its other images, before the GRUB ones); also runs on its own:
#
#   bash test-roms/guests/extlinux.sh        # (re)build when missing or older than its inputs
#
# The image (cache/out/kit-extlinux.img, 64 MiB):
#   LBA 0        syslinux's mbr.bin (syslinux-common) + one partition entry: active, type 83h
#                (Linux), LBA 2048 to the end of the disk; disk signature 0x0086C0DF.
#   LBA 2048...  ext2 (4 KiB blocks, label OX86EXT, fixed UUID and directory hash seed) with
#                /boot/extlinux/{ldlinux.sys,ldlinux.c32,extlinux.conf} (EXTLINUX 6.04 from
#                Debian's extlinux package, which fetch.sh unpacks into cache/x/extlinux_amd64),
#                /boot/vmlinuz (the kit's 686 kernel) and /boot/initrd.gz (its initramfs).
#                extlinux writes its boot sector into the partition's first sector (ext2 leaves
#                the first 1024 bytes to the boot loader) with the partition's LBA as its hidden
#                sectors, and the block list of ldlinux.sys into ldlinux.sys itself.
# The chain at boot: BIOS → mbr.bin (loads the active partition's first sector) → EXTLINUX's boot
# sector (reads ldlinux.sys by EDD/CHS INT 13h) → ldlinux (reads ext2: extlinux.conf, the kernel,
# the initramfs) → Linux with `initrd=/boot/initrd.gz console=ttyS0` and ldlinux on COM1 at
# 115200 bit/s, like kit-syslinux.img's configuration.
#
# EXTLINUX installs only into a mounted file system: this needs root, a loop device and the ext2
# driver of the host kernel. The partition is attached with `losetup --offset` (extlinux reads the
# loop offset to learn the partition's LBA), made and filled by mkfs.ext2 (-d, from a staging
# tree), mounted for `extlinux --install`, unmounted and detached (also on failure).
# The image is not byte-for-byte reproducible: the host kernel picks ldlinux.sys's blocks (ext2
# starts a new file at a block chosen from the writer's PID) and stamps mount, write and inode
# change times; mke2fs stamps inode change times. Everything else is fixed (UUID, hash seed,
# file times from SOURCE_DATE_EPOCH, the MBR's disk signature).
#
# Host tools: losetup, mount (util-linux), mkfs.ext2 (e2fsprogs 1.43+ for -d), python3 (lib.sh's
# write_mbr writes the MBR with a few lines of it, as in images.sh: no sfdisk needed). e2fsprogs is installed with
# apt-get when missing (root on a Debian-like host).
# Exit statuses: 0 image ready; 77 skipped (no kit, not root, no loop device or ext2 mount here,
# extlinux does not run on this host) with one line "skipped: ..." on stderr; anything else is an
# error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { echo "extlinux.sh: $*"; }
# cache, out, x, kernel, initrd, mbr, ldlinux_c32; skip, write_mbr
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

[ -s "$kernel" ] && [ -s "$initrd" ] ||
    skip "the guest kit is not built ($kernel or $initrd missing; run test-roms/guests/fetch.sh)"
extlinux=$x/extlinux_amd64/usr/bin/extlinux
for f in "$ldlinux_c32" "$mbr" "$extlinux"; do
    [ -e "$f" ] || skip "$f missing (run test-roms/guests/fetch.sh)"
done

img_out=$out/kit-extlinux.img
DISK_MIB=64 PART_LBA=2048
# up_to_date: the image exists and is newer than every input (and than this script and lib.sh).
up_to_date() {
    local i
    [ -s "$img_out" ] || return 1
    for i in "$kernel" "$initrd" "$mbr" "$extlinux" "$ldlinux_c32" "${BASH_SOURCE[0]}" "$here/lib.sh"; do
        [ "$img_out" -nt "$i" ] || return 1
    done
}
if up_to_date; then
    say "$img_out is up to date"
    exit 0
fi

[ "$(id -u)" = 0 ] || skip "kit-extlinux.img needs root (loop device and mount for extlinux --install)"
PATH=$PATH:/usr/sbin:/sbin
command -v losetup >/dev/null && command -v mount >/dev/null || skip "losetup/mount (util-linux) not installed"
command -v python3 >/dev/null || skip "python3 is needed to write the partition table"
if ! command -v mkfs.ext2 >/dev/null; then
    command -v apt-get >/dev/null || skip "mkfs.ext2 not installed (apt-get install e2fsprogs)"
    say "installing e2fsprogs with apt-get"
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends e2fsprogs; } \
        >"$cache/extlinux-apt.log" 2>&1 || skip "apt-get install e2fsprogs failed (see $cache/extlinux-apt.log)"
fi
# extlinux prints its version with status 0; 126/127 (exec format error...) means it cannot run.
"$extlinux" --version >/dev/null 2>&1 || skip "the kit's extlinux ($extlinux, amd64) does not run on this host"

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$kernel")}
export TZ=UTC
# mke2fs takes the superblock's time stamps from E2FSPROGS_FAKE_TIME.
export E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
work=$(mktemp -d "$cache/extlinux.XXXXXX")
mnt=$work/mnt
loop=""
# Unmount and detach whatever is attached, then remove the work directory: on success, on
# failure and on interrupt alike.
cleanup() {
    if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt" || umount -l "$mnt" || true; fi
    if [ -n "$loop" ]; then losetup -d "$loop" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

img=$work/hdd.img
total=$((DISK_MIB * 2048))
psize=$((total - PART_LBA))
truncate -s $((total * 512)) "$img"
# Active, Linux (type 83h), LBA start and length; a fixed disk signature.
write_mbr "$img" "$mbr" $PART_LBA $psize 0x83 0x0086C0DF

loop=$(losetup --find --show --offset $((PART_LBA * 512)) --sizelimit $((psize * 512)) "$img" 2>"$work/losetup.log") ||
    { loop=""; skip "no loop device here ($(head -1 "$work/losetup.log"))"; }
# The files first, in a staging tree that mkfs.ext2 copies in (-d): e2fsprogs lays them out the
# same way every time (the kernel's allocator would put /boot in a random block group).
root=$work/root
mkdir -p "$root/boot/extlinux"
cat > "$root/boot/extlinux/extlinux.conf" <<'EOF'
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /boot/vmlinuz
  APPEND initrd=/boot/initrd.gz console=ttyS0
EOF
cp "$kernel" "$root/boot/vmlinuz"
cp "$initrd" "$root/boot/initrd.gz"
# ldlinux.c32 (the rest of the ldlinux core, loaded as a module) beside ldlinux.sys.
cp "$ldlinux_c32" "$root/boot/extlinux/"
chmod -R u=rwX,go=rX "$root"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
# ext2 with 4 KiB blocks and no journal; the features mke2fs picks for ext2 (sparse_super,
# large_file, filetype, resize_inode, dir_index, ext_attr) are all ones EXTLINUX 6.04 reads.
mkfs.ext2 -q -F -b 4096 -L OX86EXT -U 0086c0de-0000-4000-8000-00000000e2f5 \
    -E hash_seed=0086c0de-0000-4000-8000-0000000000a5,root_owner=0:0 -d "$root" "$loop" >"$work/mkfs.log" 2>&1 ||
    { cat "$work/mkfs.log" >&2; exit 1; }
mkdir -p "$mnt"
mount -t ext2 -o noatime "$loop" "$mnt" 2>"$work/mount.log" ||
    skip "cannot mount ext2 from a loop device here ($(head -1 "$work/mount.log"))"
# Geometry 16 heads x 63 sectors, as in kit-syslinux.img (what IDE IDENTIFY and both BIOSes
# report for a small disk; the boot sector uses EDD when the BIOS has it). extlinux writes
# /boot/extlinux/ldlinux.sys (and makes it immutable) and the partition's boot sector.
"$extlinux" --install --heads 16 --sectors 63 "$mnt/boot/extlinux" >"$work/extlinux.log" 2>&1 ||
    { cat "$work/extlinux.log" >&2; exit 1; }
umount "$mnt"
losetup -d "$loop"
loop=""

# extlinux's boot sector must name the partition's LBA as its hidden sectors (offset 1Ch, FAT
# BPB layout), else it reads ldlinux.sys from the wrong place.
hidden=$(od -An -t u4 -j $((PART_LBA * 512 + 0x1c)) -N 4 "$img" | tr -d ' ')
[ "$hidden" = "$PART_LBA" ] || { echo "extlinux.sh: the boot sector's hidden sectors are $hidden, not $PART_LBA" >&2; exit 1; }

if cmp -s "$img" "$img_out"; then touch "$img_out"; else mv "$img" "$img_out"; fi
say "$img_out: $(stat -c %s "$img_out") bytes, sha256 $(sha256sum "$img_out" | cut -c1-16)"
