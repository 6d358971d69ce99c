#!/usr/bin/env python3
"""Finds the moments a CPU is taken away from this machine's processes: one busy loop pinned to each CPU, printing
every gap longer than GAP_MS between two readings of the clock, with its start (seconds since the probe began).

  bench/holes.py [SECONDS]    # both CPUs busy for SECONDS (default 60): run it with nothing else running

A loop that only reads the clock makes no system calls, allocates nothing and has no collector or JIT of its own, so a
gap is time the loop's CPU ran something else: another process, the kernel, or (in a virtual machine) nothing of
this machine at all. The benchmark pins the load client to CPU 0 and the server to CPU 1 (bench/run.sh).
"""
import os
import sys
import time

GAP_MS = 5.0


def probe(cpu, seconds):
    os.sched_setaffinity(0, {cpu})
    start = last = time.perf_counter()
    end = start + seconds
    gaps = []
    while last < end:
        now = time.perf_counter()
        if now - last > GAP_MS / 1000:
            gaps.append((last - start, (now - last) * 1000))
        last = now
    for at, ms in gaps:
        print('HOLE cpu=%d at_s=%.3f ms=%.1f' % (cpu, at, ms))
    print('HOLES cpu=%d seconds=%.0f count=%d longest_ms=%.1f lost_ms=%.1f' % (
        cpu, seconds, len(gaps), max([ms for _, ms in gaps], default=0.0), sum(ms for _, ms in gaps)))
    sys.stdout.flush()


def main(argv):
    seconds = float(argv[1]) if len(argv) > 1 else 60.0
    children = []
    for cpu in sorted(os.sched_getaffinity(0)):
        pid = os.fork()
        if pid == 0:
            probe(cpu, seconds)
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)


if __name__ == '__main__':
    main(sys.argv)
