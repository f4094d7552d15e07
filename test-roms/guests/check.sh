#!/usr/bin/env bash
# Boot the guest kit (cache/out/vmlinuz-686 + initrd-686.gz, built by fetch.sh) under QEMU TCG or
# ox86 and check the serial output against expected.txt (its lines must appear in that order) and
# that the emulator exits with status 0 after the guest's `poweroff -f`.
#
#   bash test-roms/guests/check.sh qemu              # the reference: qemu-system-i386 -accel tcg
#   bash test-roms/guests/check.sh ox86 [BINARY]     # default target/release/ox86
#
# Settings (environment): MEM=256, APPEND="console=ttyS0", TIMEOUT=600 (seconds).
# The serial log is written to cache/check-<emulator>.log.
# Exit statuses: 0 pass, 1 fail, 77 skipped (no kit, no QEMU) with a "skipped: ..." line.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$here/cache/out
emu=${1:-qemu}
MEM=${MEM:-256}
APPEND=${APPEND:-console=ttyS0}
TIMEOUT=${TIMEOUT:-600}
K=$out/vmlinuz-686 I=$out/initrd-686.gz
[ -s "$K" ] && [ -s "$I" ] || { echo "skipped: no guest kit (run test-roms/guests/fetch.sh)"; exit 77; }
case $emu in
qemu)
    command -v qemu-system-i386 >/dev/null ||
        { echo "skipped: qemu-system-i386 not found (apt-get install qemu-system-x86)"; exit 77; }
    # -nic none: no iPXE option ROM; -no-reboot: a reset or panic reboot ends the run.
    cmd=(qemu-system-i386 -accel tcg -m "$MEM" -nographic -no-reboot -nic none
         -kernel "$K" -initrd "$I" -append "$APPEND") ;;
ox86)
    bin=${2:-$here/../../target/release/ox86}
    [ -x "$bin" ] || { echo "check.sh: $bin not found (cargo build --release -p ox86)" >&2; exit 1; }
    cmd=("$bin" run --headless --kernel "$K" --initrd "$I" --append "$APPEND" --serial stdio
         --memory "$MEM" --no-reboot --timeout "$TIMEOUT") ;;
*) echo "usage: check.sh qemu|ox86 [BINARY]" >&2; exit 2 ;;
esac
log=$here/cache/check-$emu.log
status=0
timeout -k 5 "$TIMEOUT" "${cmd[@]}" </dev/null >"$log" 2>"$log.err" || status=$?
# The expected lines, in order (CRs from the serial console stripped).
missing=$(tr -d '\r' <"$log" | awk -v expfile="$here/expected.txt" '
    BEGIN { i = n = 0; while ((getline l < expfile) > 0) if (l != "") want[n++] = l }
    i < n && $0 == want[i] { i++ }
    END { if (i < n) print want[i] }')
if [ -z "$missing" ] && [ $status = 0 ]; then
    echo "PASS: $emu booted the kit, the workload printed the expected results, exit status 0"
    exit 0
fi
[ -n "$missing" ] && echo "FAIL: $emu: expected line not seen: $missing"
[ $status = 0 ] || echo "FAIL: $emu exited with status $status$([ $status = 124 ] && echo " (timeout after $TIMEOUT s)")"
echo "serial log: $log (last lines below); stderr: $log.err"
tail -5 "$log"
grep -m1 -i 'error\|ox86:' "$log.err" | sed 's/^/stderr: /' || true
exit 1
