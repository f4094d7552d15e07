#!/usr/bin/env bash
# Linux boot benchmark: times ox86 booting the guest kit (Debian bookworm 686 kernel + busybox
# initramfs, see test-roms/guests/) and, when qemu-system-i386 is installed, QEMU TCG on the same
# kernel, initrd, memory and command line in the same run, and prints both and the ratio.
#
#   bash benches/guests/linux-boot.sh
#
# Times (host wall clock, from reading the serial console line by line):
#   console = start -> the kernel's first console line ("Linux version ..."; includes the
#             bzImage decompression and early setup, the log is replayed when ttyS0 registers)
#   marker  = start -> "GUEST-BOOT-OK" (kernel boot + /init start)
#   work    = "GUEST-BOOT-OK" -> "GUEST-END" (md5 of 16 MiB, 100 000-iteration shell loop, awk)
#   off     = "GUEST-END" -> the emulator's exit (poweroff -f)
#   total   = start -> exit;  cpu = the emulator's CPU seconds (user + system, all threads),
#             steadier than wall time on a busy machine
# Settings (environment): MEM=256 (MiB), APPEND="console=ttyS0", OX86_TIMEOUT=900 and
# QEMU_TIMEOUT=300 (seconds), OX86=path (skips the cargo build), OX86_ARGS="more ox86 run options"
# (e.g. --deterministic), NO_QEMU=1, RUNS=1 (each
# emulator boots RUNS times; every run is printed, the ratio uses the fastest).
# The serial logs (with per-line timestamps) are left in target/linux-boot/.
# Builds the kit with test-roms/guests/fetch.sh if it is missing (exits 0 with "skipped: ..." if
# it cannot). QEMU: Debian package qemu-system-x86.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
kit=$top/test-roms/guests
K=$kit/cache/out/vmlinuz-686
I=$kit/cache/out/initrd-686.gz
EXPECTED=$kit/expected.txt
MEM=${MEM:-256}
APPEND=${APPEND:-console=ttyS0}
OX86_TIMEOUT=${OX86_TIMEOUT:-900}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-300}
RUNS=${RUNS:-1}
logs=$top/target/linux-boot
mkdir -p "$logs"

if [ ! -s "$K" ] || [ ! -s "$I" ]; then
    echo "guest kit missing: running test-roms/guests/fetch.sh"
    rc=0; bash "$kit/fetch.sh" || rc=$?
    if [ $rc = 77 ]; then echo "skipped: no guest kit (fetch.sh could not run)"; exit 0; fi
    [ $rc = 0 ] || exit $rc
fi
command -v python3 >/dev/null || { echo "skipped: python3 is needed to timestamp the serial output"; exit 0; }

if [ -z "${OX86:-}" ]; then
    (cd "$top" && cargo build --release --quiet -p ox86)
    OX86=$top/target/release/ox86
fi

# run NAME N TIMEOUT COMMAND... -> prints the RESULT line (see linux-boot-time.py)
run() {
    local name=$1 n=$2 timeout=$3; shift 3
    python3 "$here/linux-boot-time.py" "$name" "$timeout" "$EXPECTED" "$logs/$name-$n.log" -- "$@"
}
# field KEY RESULT-line -> the value of KEY=
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
# report RESULT-line: a readable line; failures explained
report() {
    local name console marker end exit status check
    name=$(sed 's/^RESULT \([^ ]*\).*/\1/' <<<"$1")
    console=$(field console "$1"); marker=$(field marker "$1"); end=$(field end "$1"); exit=$(field exit "$1")
    status=$(field status "$1"); check=$(field check "$1")
    printf '%-6s' "$name"
    if [ "$marker" = - ]; then
        printf 'did not reach the marker (status %s after %s s' "$status" "$exit"
        local last  # the error line if there is one, else the last line of stderr
        last=$( (grep -m1 -i 'error\|ox86:' "$2.err" || grep -v '^\s*$' "$2.err" | tail -1) 2>/dev/null || true)
        [ -n "$last" ] && printf '; stderr: %s' "$last"
        echo ")"
        last=$(cut -f2- "$2" | grep -v '^\s*$' | tail -1 || true)
        if [ -n "$last" ]; then
            printf '      '
            [ "$console" != - ] && printf 'kernel console after %s s; ' "$console"
            printf 'last serial line: %s\n' "$last"
        fi
        summary "$2"
        return
    fi
    [ "$console" != - ] && printf 'console %6.2f s   ' "$console"
    printf 'marker %7.2f s' "$marker"
    if [ "$end" != - ]; then
        printf '   work %7.2f s   off %6.2f s' "$(awk "BEGIN{print $end-$marker}")" "$(awk "BEGIN{print $exit-$end}")"
    else
        printf '   (no GUEST-END)'
    fi
    printf '   total %7.2f s (cpu %.2f s)   status %s   output %s\n' "$exit" "$(field cpu "$1")" "$status" "$check"
    summary "$2"
    # the guest's own clock for each part of the workload (guest time; ox86's is virtual)
    local t
    t=$(grep -a -m1 'GUEST-TIMES' "$2" | sed 's/.*GUEST-TIMES //' || true)
    if [ -n "$t" ]; then printf '      guest clock: %s\n' "$t"; fi
}
# summary LOG: ox86's closing line ("ox86: N instructions in T s (M MIPS)"), if any
summary() {
    local s
    s=$(grep -a 'instructions in' "$1.err" 2>/dev/null | tail -1 || true)
    if [ -n "$s" ]; then printf '      %s\n' "$s"; fi
}

echo "guest: $(basename "$K") + $(basename "$I"), ${MEM} MiB, append \"$APPEND\" (expected lines: $EXPECTED)"
declare -A best_marker best_total best_cpu
for n in $(seq 1 "$RUNS"); do
    # shellcheck disable=SC2086  # OX86_ARGS is split into options on purpose
    r=$(run ox86 "$n" "$((OX86_TIMEOUT + 30))" "$OX86" run --headless --kernel "$K" --initrd "$I" --append "$APPEND" \
        --serial stdio --memory "$MEM" --no-reboot --timeout "$OX86_TIMEOUT" ${OX86_ARGS:-})
    report "$r" "$logs/ox86-$n.log"
    if [[ $r == *check=ok* && $r == *status=0* ]]; then
        m=$(field marker "$r"); t=$(field exit "$r"); c=$(field cpu "$r")
        best_cpu[ox86]=$(awk -v a="${best_cpu[ox86]:-1e9}" -v b="$c" 'BEGIN{print (b<a)?b:a}')
        best_marker[ox86]=$(awk -v a="${best_marker[ox86]:-1e9}" -v b="$m" 'BEGIN{print (b<a)?b:a}')
        best_total[ox86]=$(awk -v a="${best_total[ox86]:-1e9}" -v b="$t" 'BEGIN{print (b<a)?b:a}')
    fi
    if [ -z "${NO_QEMU:-}" ] && command -v qemu-system-i386 >/dev/null; then
        # -nic none: no iPXE option ROM (its wait would count); -no-reboot: a reset ends the run.
        r=$(run qemu "$n" "$QEMU_TIMEOUT" qemu-system-i386 -accel tcg -m "$MEM" -nographic -no-reboot -nic none \
            -kernel "$K" -initrd "$I" -append "$APPEND")
        report "$r" "$logs/qemu-$n.log"
        if [[ $r == *check=ok* && $r == *status=0* ]]; then
            m=$(field marker "$r"); t=$(field exit "$r"); c=$(field cpu "$r")
            best_cpu[qemu]=$(awk -v a="${best_cpu[qemu]:-1e9}" -v b="$c" 'BEGIN{print (b<a)?b:a}')
            best_marker[qemu]=$(awk -v a="${best_marker[qemu]:-1e9}" -v b="$m" 'BEGIN{print (b<a)?b:a}')
            best_total[qemu]=$(awk -v a="${best_total[qemu]:-1e9}" -v b="$t" 'BEGIN{print (b<a)?b:a}')
        fi
    elif [ "$n" = 1 ] && [ -z "${NO_QEMU:-}" ]; then
        echo "qemu-system-i386 not found (apt-get install qemu-system-x86): QEMU timing skipped"
    fi
done
if [ -n "${best_total[ox86]:-}" ] && [ -n "${best_total[qemu]:-}" ]; then
    awk -v om="${best_marker[ox86]}" -v ot="${best_total[ox86]}" -v qm="${best_marker[qemu]}" -v qt="${best_total[qemu]}" \
        -v oc="${best_cpu[ox86]}" -v qc="${best_cpu[qemu]}" \
        'BEGIN { printf "ratio ox86/QEMU: to the marker %.2fx, total %.2fx, CPU time %.2fx (below 1 = ox86 faster)\n", om/qm, ot/qt, oc/qc }'
else
    echo "ratio ox86/QEMU: not available (needs a complete, correct boot on both)"
fi
echo "serial logs with timestamps: $logs/"
