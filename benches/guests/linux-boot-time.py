#!/usr/bin/env python3
"""Time one guest boot by reading its serial stream line by line (helper of linux-boot.sh).

usage: linux-boot-time.py NAME TIMEOUT_S EXPECTED_FILE LOG_FILE -- COMMAND [ARGS...]

Runs COMMAND (stdin /dev/null, stdout = the guest's serial console, stderr kept in LOG_FILE.err),
timestamps every stdout line with the host's monotonic clock (written to LOG_FILE as
"seconds<TAB>line"), and prints one result line:

  RESULT NAME console=S|- marker=S|- end=S|- exit=S cpu=S status=N|timeout check=ok|missing:<line>

console = time from start to the kernel's first console line (containing "Linux version"; the
kernel replays its log when the serial console registers, so this includes the decompression and
early setup), marker = to the line "GUEST-BOOT-OK", end = to the line "GUEST-END", exit = to
the process' exit (the guest's power-off), cpu = the process' CPU seconds (user + system). check = whether the lines of EXPECTED_FILE appear in
order. The process group is killed after TIMEOUT_S seconds.
"""
import os
import signal
import subprocess
import sys
import threading
import time


def main():
    if len(sys.argv) < 7 or sys.argv[5] != "--":
        sys.exit(__doc__)
    name, timeout, expected_file, log_file = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
    cmd = sys.argv[6:]
    with open(expected_file) as f:
        expected = [line.rstrip("\n") for line in f if line.strip()]

    t0 = time.monotonic()
    with open(log_file + ".err", "wb") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                                start_new_session=True)
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    console = marker = end = None
    want = 0
    with open(log_file, "w") as log:
        for raw in proc.stdout:
            t = time.monotonic() - t0
            line = raw.decode("utf-8", "replace").rstrip("\r\n").rstrip("\r")
            log.write(f"{t:.3f}\t{line}\n")
            if console is None and "Linux version" in line:
                console = t
            if marker is None and line == "GUEST-BOOT-OK":
                marker = t
            if end is None and line == "GUEST-END":
                end = t
            if want < len(expected) and line == expected[want]:
                want += 1
    # wait4: the exit status and the child's CPU time (user + system, all its threads), which
    # is less disturbed than wall time when the machine is busy.
    _, wstatus, usage = os.wait4(proc.pid, 0)
    t_exit = time.monotonic() - t0
    status = os.waitstatus_to_exitcode(wstatus)
    proc.returncode = status
    cpu = usage.ru_utime + usage.ru_stime
    timer.cancel()
    fmt = lambda v: "-" if v is None else f"{v:.2f}"
    check = "ok" if want == len(expected) else "missing:" + expected[want].replace(" ", "_")
    print(f"RESULT {name} console={fmt(console)} marker={fmt(marker)} end={fmt(end)} exit={t_exit:.2f} "
          f"cpu={cpu:.2f} status={'timeout' if timed_out.is_set() else status} check={check}")


if __name__ == "__main__":
    main()
