#!/usr/bin/env bash
# Bootable images of the guest kit, for booting through firmware (ox86's built-in BIOS or SeaBIOS)
# instead of `--kernel`. Called at the end of fetch.sh; also runs on its own:
#
#   bash test-roms/guests/images.sh          # (re)build what is missing or older than its inputs
#
# Inputs: cache/out/ (vmlinuz-686, initrd-686.gz, isolinux.bin, memtest86+ia32.bin) and the
# unpacked Debian debs in cache/x/ (syslinux-common: ldlinux.c32, mbr.bin; syslinux: the mtools
# installer /usr/bin/syslinux, an amd64 executable). Outputs in cache/out/:
#   kit-isolinux.iso     ISO 9660 + El Torito no-emulation boot: ISOLINUX → /vmlinuz + /initrd.gz
#   kit-syslinux.img     32 MiB raw hard disk: syslinux's mbr.bin, one active FAT16 partition at
#                        LBA 2048 with SYSLINUX (ldlinux.sys/ldlinux.c32 in /syslinux), the kernel
#                        and the initramfs. (SYSLINUX is the FAT flavour of the EXTLINUX loader: same
#                        ldlinux core, same MBR → VBR → ldlinux.sys chain. EXTLINUX proper can only be
#                        installed on a mounted file system, i.e. with root and a loop device.)
#   memtest86+ia32.img   1.44 MB floppy: memtest86+'s ia32 .bin (its first sector is a floppy boot
#                        sector that loads the rest with INT 13h) padded to 1 474 560 bytes.
#   kit-grub.iso         GRUB 2 i386-pc rescue CD made by grub-mkrescue (El Torito no-emulation
#                        boot of GRUB's cdboot.img + core.img, the i386-pc modules in
#                        /boot/grub/i386-pc) with /boot/grub/grub.cfg → /vmlinuz + /initrd.gz.
#   kit-grub-gfxterm.iso GRUB alone on gfxterm in VBE 800x600x32 (ascii.pf2 font), `videoinfo`,
#                        then `halt` (ACPI power-off); its terminal on COM1 too.
# The loaders' config: `SERIAL 0 115200`, `APPEND initrd=/initrd.gz console=ttyS0`. GRUB's
# grub.cfg puts GRUB's own terminal on COM1 too (115200 bit/s, and on the screen) and boots its
# first entry after one second: that entry passes `guest.work=0` (init.sh skips the workload) and
# echoes "ox86-grub: ..." at each step; a second entry boots with the workload.
# Images are reproducible: file times come from SOURCE_DATE_EPOCH (default: the kernel's mtime),
# volume ids and the MBR disk signature are fixed. Exception: grub-mkrescue 2.06 dates the ISO
# (its volume modification date is the UUID GRUB's embedded config searches for) at build time.
#
# GRUB comes from Debian's grub-common (grub-mkrescue) and grub-pc-bin (the i386-pc modules; the
# amd64 package), fetched the way fetch.sh fetches (`apt-get download` with the private apt state
# in cache/apt/, the archive from the machine's apt configuration) into cache/debs/ and unpacked
# into cache/x/grub-common_amd64 and cache/x/grub-pc-bin_amd64; versions in out/MANIFEST-grub.
# The unpacked grub-mkrescue needs grub-common's shared libraries (libdevmapper, libefiboot,
# libefivar): when it cannot run, the host's grub-mkrescue is used with the kit's modules (as root
# on a Debian-like host, grub-common is installed with apt-get for that).
#
# Host tools: xorriso, mtools, mkfs.fat (dosfstools). When one is missing and this runs as root on
# a Debian-like host, they are installed with apt-get; otherwise the script is skipped.
# Exit statuses: 0 images ready; 77 skipped (no kit, tools unavailable, not an x86-64 host) with
# one line "skipped: ..." on stderr (when only GRUB is unavailable, the other images are built
# first); anything else is an error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { echo "images.sh: $*"; }
# cache, out, x, kernel, initrd, mbr, ldlinux_c32; skip, write_mbr
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

for f in "$kernel" "$initrd" "$out/isolinux.bin" "$out/memtest86+ia32.bin"; do
    [ -s "$f" ] || skip "the guest kit is not built ($f missing; run test-roms/guests/fetch.sh)"
done
installer=$x/syslinux_amd64/usr/bin/syslinux
for f in "$ldlinux_c32" "$mbr" "$installer"; do
    [ -e "$f" ] || skip "$f missing (run test-roms/guests/fetch.sh)"
done

# ---------------------------------------------------------------------------------------------
# Host tools (command → Debian package).
need_pkgs=()
command -v xorriso >/dev/null || need_pkgs+=(xorriso)
command -v mcopy >/dev/null && command -v mmd >/dev/null && command -v mattrib >/dev/null || need_pkgs+=(mtools)
command -v mkfs.fat >/dev/null || PATH=$PATH:/usr/sbin:/sbin
command -v mkfs.fat >/dev/null || need_pkgs+=(dosfstools)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing ${need_pkgs[*]} with apt-get"
        # A fresh machine may have no package lists yet: update them first.
        { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_pkgs[@]}"; } \
            >"$cache/images-apt.log" 2>&1 ||
            skip "apt-get install ${need_pkgs[*]} failed (see $cache/images-apt.log)"
    else
        skip "${need_pkgs[*]} not installed (apt-get install ${need_pkgs[*]})"
    fi
fi
# The installer prints its usage with status 1; 126/127 (exec format error...) means it cannot run.
st=0
"$installer" --help >/dev/null 2>&1 || st=$?
[ $st -le 1 ] || skip "the syslinux installer from the kit ($installer, amd64) does not run on this host"

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$kernel")}
export TZ=UTC
work=$(mktemp -d "$cache/images.XXXXXX")
trap 'rm -rf "$work"' EXIT

# up_to_date OUTPUT INPUT...: OUTPUT exists and is newer than every input (and than this script
# and lib.sh).
up_to_date() {
    local o=$1 i
    shift
    [ -s "$o" ] || return 1
    for i in "$@" "${BASH_SOURCE[0]}" "$here/lib.sh"; do [ "$o" -nt "$i" ] || return 1; done
}
# publish TMP OUTPUT: replace OUTPUT only when the content changed (runs may be reading it).
publish() {
    if cmp -s "$1" "$2"; then rm -f "$1"; touch "$2"; else mv "$1" "$2"; fi
    say "$2: $(stat -c %s "$2") bytes, sha256 $(sha256sum "$2" | cut -c1-16)"
}

# isolinux.cfg / syslinux.cfg: serial console on COM1 at 115200, boot Linux at once.
loader_cfg() {
    cat <<'EOF'
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  APPEND initrd=/initrd.gz console=ttyS0
EOF
}

# ---------------------------------------------------------------------------------------------
# kit-isolinux.iso
iso=$out/kit-isolinux.iso
if up_to_date "$iso" "$kernel" "$initrd" "$out/isolinux.bin" "$ldlinux_c32"; then
    say "$iso is up to date"
else
    t=$work/iso
    mkdir -p "$t/isolinux"
    cp "$out/isolinux.bin" "$ldlinux_c32" "$t/isolinux/"
    loader_cfg > "$t/isolinux/isolinux.cfg"
    cp "$kernel" "$t/vmlinuz"
    cp "$initrd" "$t/initrd.gz"
    find "$t" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    # xorriso takes its volume times, file times and UUID from SOURCE_DATE_EPOCH.
    xorriso -as mkisofs -quiet -o "$work/kit.iso" -V OX86KIT -R -J \
        -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
        "$t" >"$work/xorriso.log" 2>&1 || { cat "$work/xorriso.log" >&2; exit 1; }
    publish "$work/kit.iso" "$iso"
fi

# ---------------------------------------------------------------------------------------------
# kit-syslinux.img: MBR (mbr.bin + one partition entry) + FAT16 partition from LBA 2048 to the end.
hdd=$out/kit-syslinux.img
DISK_MIB=32 PART_LBA=2048
if up_to_date "$hdd" "$kernel" "$initrd" "$mbr" "$installer"; then
    say "$hdd is up to date"
else
    img=$work/hdd.img
    total=$((DISK_MIB * 2048))
    psize=$((total - PART_LBA))
    truncate -s $((total * 512)) "$img"
    # Hidden sectors = the partition's LBA (the VBR adds it to its own sector numbers);
    # geometry 16 heads x 63 sectors (what IDE IDENTIFY and both BIOSes report for a small disk).
    mkfs.fat -F 16 -n OX86KIT --invariant -h $PART_LBA -g 16/63 -S 512 --offset=$PART_LBA \
        "$img" $((psize / 2)) >"$work/mkfs.log" 2>&1 || { cat "$work/mkfs.log" >&2; exit 1; }
    # Active, FAT16 (type 06h), LBA start and length; a fixed disk signature.
    write_mbr "$img" "$mbr" $PART_LBA $psize 0x06 0x0086C0DE
    export MTOOLS_SKIP_CHECK=1 MTOOLS_NO_VFAT=1
    part="$img@@$((PART_LBA * 512))"
    mmd -i "$part" ::/syslinux
    loader_cfg > "$work/syslinux.cfg"
    cp "$kernel" "$work/vmlinuz"
    cp "$initrd" "$work/initrd.gz"
    touch -d "@$SOURCE_DATE_EPOCH" "$work/syslinux.cfg" "$work/vmlinuz" "$work/initrd.gz"
    mcopy -m -i "$part" "$work/syslinux.cfg" ::/syslinux/syslinux.cfg
    mcopy -m -i "$part" "$work/vmlinuz" "$work/initrd.gz" ::/
    # The mtools installer writes ldlinux.sys + ldlinux.c32 and the boot sector of the partition.
    "$installer" --install --offset $((PART_LBA * 512)) --directory /syslinux "$img" >"$work/syslinux.log" 2>&1 ||
        { cat "$work/syslinux.log" >&2; exit 1; }
    publish "$img" "$hdd"
fi

# ---------------------------------------------------------------------------------------------
# memtest86+ia32.img: the .bin on a 1.44 MB floppy.
fd=$out/memtest86+ia32.img
if up_to_date "$fd" "$out/memtest86+ia32.bin"; then
    say "$fd is up to date"
else
    cp "$out/memtest86+ia32.bin" "$work/fd.img"
    truncate -s 1474560 "$work/fd.img"
    publish "$work/fd.img" "$fd"
fi

# ---------------------------------------------------------------------------------------------
# kit-grub.iso. GRUB itself first: grub-common and grub-pc-bin (amd64) unpacked in cache/x/.
# The functions below set `why` and return 1 when GRUB cannot be had here.
gcommon=$x/grub-common_amd64 gpcbin=$x/grub-pc-bin_amd64
grub_dir=$gpcbin/usr/lib/grub/i386-pc
why=""
# fetch_grub: download (once) and unpack the two debs.
fetch_grub() {
    command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { why="no apt-get/dpkg-deb"; return 1; }
    # The archive as fetch.sh finds it (its find_archive function, read from fetch.sh).
    eval "$(sed -n '/^find_archive() {$/,/^}$/p' "$here/fetch.sh")"
    declare -F find_archive >/dev/null || { why="no find_archive function in fetch.sh"; return 1; }
    local cfg_uri="" cfg_suite="" cfg_key=""
    read -r cfg_uri cfg_suite cfg_key < <(find_archive | head -1) || true
    local mirror=${MIRROR:-$cfg_uri} suite=${SUITE:-$cfg_suite} keyring=${KEYRING:-$cfg_key}
    [ -n "$mirror" ] && [ -n "$suite" ] || { why="no Debian archive in the apt configuration (set MIRROR= and SUITE=)"; return 1; }
    # fetch.sh's private apt state with its source line, so that its package lists serve here
    # (and an update here keeps its i386 lists); the source file is this script's own.
    local apt_dir=$cache/apt
    local src=$apt_dir/sources-images.list
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/parts" "$cache/debs" "$x"
    echo "deb [arch=amd64,i386${keyring:+ signed-by=$keyring}] $mirror $suite main" > "$src"
    local opts=(-o "Dir::Etc::SourceList=$src" -o "Dir::Etc::SourceParts=$apt_dir/parts"
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir"
        -o "APT::Architecture=amd64" -o "APT::Architectures=amd64,i386"
        -o "Dir::State::status=/dev/null")  # the host's installed packages are no candidates
    local sandbox=root
    [ "$(id -u)" = 0 ] || sandbox=$(id -un)
    local apt=(apt-get -q "${opts[@]}" -o "Dir::Cache::archives=$apt_dir/archives"
        -o "Debug::NoLocking=1" -o "APT::Sandbox::User=$sandbox")
    local attempt p cand stems=() need=()
    for attempt in cached-lists update; do
        if [ $attempt = update ]; then
            say "apt-get update (private state in $apt_dir)"
            if ! "${apt[@]}" update >"$apt_dir/update-images.log" 2>&1 || grep -q '^[WE]:' "$apt_dir/update-images.log"; then
                rm -f "$src"
                why="apt-get update could not read $mirror $suite (see $apt_dir/update-images.log)"
                return 1
            fi
        fi
        stems=() need=()
        for p in grub-common grub-pc-bin; do
            cand=$(apt-cache "${opts[@]}" policy "$p:amd64" 2>/dev/null | awk '/Candidate:/ { print $2; exit }')
            [ -n "$cand" ] && [ "$cand" != "(none)" ] || continue 2
            stems+=("${p}_${cand//:/%3a}_amd64")
            [ -s "$cache/debs/${p}_${cand//:/%3a}_amd64.deb" ] || need+=("$p:amd64")
        done
        break
    done
    if [ ${#stems[@]} != 2 ]; then
        rm -f "$src"
        why="grub-common/grub-pc-bin not found in $mirror $suite"
        return 1
    fi
    if [ ${#need[@]} -gt 0 ]; then
        say "apt-get download ${need[*]}"
        if ! (cd "$cache/debs" && "${apt[@]}" download "${need[@]}") >"$apt_dir/download-images.log" 2>&1; then
            rm -f "$src"
            why="apt-get download ${need[*]} failed (see $apt_dir/download-images.log)"
            return 1
        fi
    fi
    rm -f "$src"
    local stem dest
    for stem in "${stems[@]}"; do
        dest=$x/$stem
        [ -d "$dest" ] || { rm -rf "$dest.tmp"; dpkg-deb -x "$cache/debs/$stem.deb" "$dest.tmp"; mv "$dest.tmp" "$dest"; }
        ln -sfn "$stem" "$x/${stem%%_*}_amd64"
    done
}
# grub_iso: builds kit-grub.iso.
grub_iso() {
    if ! [ -s "$grub_dir/cdboot.img" ] || ! [ -e "$gcommon/usr/bin/grub-mkrescue" ]; then
        fetch_grub || return 1
    fi
    [ -s "$grub_dir/cdboot.img" ] && [ -s "$grub_dir/modinfo.sh" ] || { why="$grub_dir is incomplete"; return 1; }
    mkrescue=$gcommon/usr/bin/grub-mkrescue
    if ! "$mkrescue" --version >/dev/null 2>&1; then
        if ! command -v grub-mkrescue >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            say "installing grub-common with apt-get (for the shared libraries grub-mkrescue needs)"
            { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends grub-common; } \
                >"$cache/images-apt.log" 2>&1 || { why="apt-get install grub-common failed (see $cache/images-apt.log)"; return 1; }
        fi
        if ! "$mkrescue" --version >/dev/null 2>&1; then
            mkrescue=$(command -v grub-mkrescue) ||
                { why="the kit's grub-mkrescue does not run here and none is installed (apt-get install grub-common)"; return 1; }
            say "using the host's $mkrescue with the kit's i386-pc modules"
        fi
    fi
    local gi=$out/kit-grub.iso
    if up_to_date "$gi" "$kernel" "$initrd" "$grub_dir/cdboot.img" "$grub_dir/kernel.img"; then
        say "$gi is up to date"
        return 0
    fi
    local d deb
    {
        echo "# package version architecture deb-sha256; made by $("$mkrescue" --version | sed "s|^.*/||")"
        for d in "$gcommon" "$gpcbin"; do
            deb=$cache/debs/$(basename "$(readlink -f "$d")").deb
            printf '%s %s %s %s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" \
                "$(dpkg-deb -f "$deb" Architecture)" "$(sha256sum "$deb" | cut -c1-16)"
        done
    } > "$work/MANIFEST-grub"
    local t=$work/grub
    mkdir -p "$t/boot/grub"
    # GRUB's terminal on COM1 and the screen; the first entry after 1 s.
    cat > "$t/boot/grub/grub.cfg" <<'EOF'
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=1
set default=0
menuentry 'ox86 kit: Linux 686 + busybox initramfs, guest.work=0' {
    echo 'ox86-grub: loading /vmlinuz'
    linux /vmlinuz console=ttyS0 guest.work=0
    echo 'ox86-grub: loading /initrd.gz'
    initrd /initrd.gz
    echo 'ox86-grub: booting Linux'
}
menuentry 'ox86 kit: Linux 686 + busybox initramfs, with the workload' {
    linux /vmlinuz console=ttyS0
    initrd /initrd.gz
}
EOF
    cp "$kernel" "$t/vmlinuz"
    cp "$initrd" "$t/initrd.gz"
    find "$t" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    # No locales, fonts or themes (GRUB's text menu needs none), so grub-mkrescue reads nothing
    # from the host's /usr/share/grub; xorriso takes its file times from SOURCE_DATE_EPOCH.
    "$mkrescue" -d "$grub_dir" --locales= --fonts= --themes= -o "$work/grub.iso" "$t" \
        >"$work/grub-mkrescue.log" 2>&1 || { cat "$work/grub-mkrescue.log" >&2; exit 1; }
    publish "$work/grub.iso" "$gi"
    mv "$work/MANIFEST-grub" "$out/MANIFEST-grub"
}
# grub_gfxterm_iso: kit-grub-gfxterm.iso, GRUB alone (no kernel): its terminal on COM1 and on
# gfxterm in VBE 800x600x32 (GRUB's vbe module: 4F00h/4F01h/4F02h, the linear framebuffer, page
# flipping with 4F07h), the mode list from `videoinfo`, then `halt` (GRUB's ACPI power-off).
grub_gfxterm_iso() {
    local gg=$out/kit-grub-gfxterm.iso font=$gcommon/usr/share/grub/ascii.pf2
    [ -s "$font" ] || { why="$font missing"; return 1; }
    if up_to_date "$gg" "$grub_dir/cdboot.img" "$grub_dir/kernel.img" "$font"; then
        say "$gg is up to date"
        return 0
    fi
    local t=$work/grub-gfxterm
    mkdir -p "$t/boot/grub/fonts"
    cp "$font" "$t/boot/grub/fonts/"
    cat > "$t/boot/grub/grub.cfg" <<'EOF'
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
insmod vbe
insmod gfxterm
loadfont /boot/grub/fonts/ascii.pf2
set gfxmode=800x600x32
terminal_output serial gfxterm
echo 'ox86-grub-gfxterm: on'
videoinfo
echo 'ox86-grub-gfxterm: halt'
halt
EOF
    find "$t" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    "$mkrescue" -d "$grub_dir" --locales= --fonts= --themes= -o "$work/grub-gfxterm.iso" "$t" \
        >"$work/grub-mkrescue.log" 2>&1 || { cat "$work/grub-mkrescue.log" >&2; exit 1; }
    publish "$work/grub-gfxterm.iso" "$gg"
}
bash "$here/extlinux.sh" || [ $? = 77 ]  # kit-extlinux.img: EXTLINUX on ext2 (needs root + a loop mount; its skip is no failure)
mkrescue=""
grub_iso || skip "kit-grub.iso: $why"
grub_gfxterm_iso || skip "kit-grub-gfxterm.iso: $why"
say "images ready in $out"
