#!/bin/sh
# /init of the guest kit's busybox initramfs (built by fetch.sh into cache/out/initrd-686.gz).
# Output goes to /dev/console (ttyS0 with console=ttyS0). The lines listed in expected.txt must
# appear, in that order, in the serial output of a correct boot; the other lines (uname, uptimes)
# are informational.
# Kernel command line knobs: guest.work=0 skips the workload; guest.shell=1 starts a shell
# instead of powering off; guest.kallsyms=1 prints /proc/kallsyms between GUEST-KALLSYMS-BEGIN
# and GUEST-KALLSYMS-END (used by kallsyms.sh; Debian's System.map is a placeholder).
/bin/busybox mkdir -p /proc /sys /dev /tmp /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys 2>/dev/null
mount -t devtmpfs devtmpfs /dev 2>/dev/null
up() { cut -d' ' -f1 /proc/uptime; }
echo "GUEST-BOOT-OK"
echo "GUEST-INFO $(uname -m) $(uname -r) uptime=$(up)s"
WORK=1 SHELLMODE=0 KALLSYMS=0
for a in $(cat /proc/cmdline); do
    case "$a" in guest.work=0) WORK=0 ;; guest.shell=1) SHELLMODE=1 ;; guest.kallsyms=1) KALLSYMS=1 ;; esac
done
if [ "$KALLSYMS" = 1 ]; then
    echo "GUEST-KALLSYMS-BEGIN"
    cat /proc/kallsyms
    echo "GUEST-KALLSYMS-END"
fi
if [ "$WORK" = 1 ]; then
    t0=$(up)
    echo "GUEST-MD5 $(dd if=/dev/zero bs=1M count=16 2>/dev/null | md5sum | cut -d' ' -f1)"
    t1=$(up)
    i=0
    while [ $i -lt 100000 ]; do i=$((i + 1)); done
    echo "GUEST-LOOP $i"
    t2=$(up)
    echo "GUEST-AWK $(awk 'BEGIN { s = 0; for (i = 1; i <= 100000; i++) s += 1 / (i * i); printf "%.10f", s }')"
    t3=$(up)
    echo "GUEST-TIMES md5=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")s loop=$(awk "BEGIN { printf \"%.2f\", $t2 - $t1 }")s awk=$(awk "BEGIN { printf \"%.2f\", $t3 - $t2 }")s uptime=$(up)s"
fi
echo "GUEST-END"
if [ "$SHELLMODE" = 1 ]; then exec setsid cttyhack sh; fi
# Drain the console before powering off: busybox stty applies settings with tcsetattr(TCSADRAIN),
# so re-applying the current ones waits until the UART has sent everything.
stty -F /dev/console "$(stty -F /dev/console -g)" 2>/dev/null
poweroff -f
echo "GUEST-POWEROFF-FAILED"
while :; do sleep 3600; done
