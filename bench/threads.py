#!/usr/bin/env python3
"""Where a server's CPU goes, thread by thread, over one window of a benchmark run.

Usage: bench/threads.py PID DELAY_S WINDOW_S DELIVERIES_PER_S MESSAGES_PER_S
       bench/threads.py snapshot PID FILE     # the same reading, kept in FILE (a load client's --window-hook)
       bench/threads.py window BEFORE AFTER DELIVERIES_PER_S MESSAGES_PER_S   # the lines for two snapshots

Waits DELAY_S (the load client's warm-up), reads every thread's CPU time (user and kernel, /proc/PID/task/*/stat) and
context switches (/proc/PID/task/*/status), waits WINDOW_S and reads them again. Threads are grouped by name with the
digits taken out (Tomcat's pool threads "http-exec-12" and "http-exec-3" are one group). Prints one THREADS line per
group: user and kernel microseconds per delivery, and voluntary (the thread waited: it was woken for the next piece of
work) and involuntary (it was preempted) context switches per message, taking the rates as given.
"""
import json
import os
import re
import sys
import time

CLOCK_TICK = os.sysconf('SC_CLK_TCK')


def sample(pid):
    groups = {}
    for tid in os.listdir('/proc/%d/task' % pid):
        base = '/proc/%d/task/%s/' % (pid, tid)
        try:
            with open(base + 'comm') as f:
                name = re.sub(r'[0-9]+', '', f.read().strip()).rstrip('-') or '(unnamed)'
            with open(base + 'stat') as f:
                fields = f.read().rsplit(')', 1)[1].split()
            user, kernel = int(fields[11]), int(fields[12])
            voluntary = involuntary = 0
            with open(base + 'status') as f:
                for line in f:
                    if line.startswith('voluntary_ctxt_switches'):
                        voluntary = int(line.split()[1])
                    elif line.startswith('nonvoluntary_ctxt_switches'):
                        involuntary = int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended between the listing and the read
        total = groups.setdefault(name, [0, 0, 0, 0])
        for i, value in enumerate((user, kernel, voluntary, involuntary)):
            total[i] += value
    return groups


def report(before, after, seconds, deliveries, messages):
    rows = []
    for name, (user, kernel, voluntary, involuntary) in after.items():
        old = before.get(name, [0, 0, 0, 0])  # a thread started inside the window counts from zero
        rows.append((name, user - old[0], kernel - old[1], voluntary - old[2], involuntary - old[3]))
    rows.append(('ALL',) + tuple(sum(row[i] for row in rows) for i in range(1, 5)))
    rows.sort(key=lambda row: -(row[1] + row[2]))
    per_delivery = 1e6 / CLOCK_TICK / (deliveries * seconds)
    for name, user, kernel, voluntary, involuntary in rows:
        if user + kernel == 0 and name != 'ALL':
            continue
        print('THREADS group=%s seconds=%.1f user_us_per_delivery=%.2f kernel_us_per_delivery=%.2f'
              ' woken_per_message=%.2f preempted_per_message=%.2f'
              % (name.replace(' ', '_'), seconds, user * per_delivery, kernel * per_delivery,
                 voluntary / (messages * seconds), involuntary / (messages * seconds)))


def main(argv):
    if len(argv) == 4 and argv[1] == 'snapshot':
        with open(argv[3], 'w') as f:
            json.dump({'at': time.monotonic(), 'groups': sample(int(argv[2]))}, f)
    elif len(argv) == 6 and argv[1] == 'window':
        with open(argv[2]) as f:
            before = json.load(f)
        with open(argv[3]) as f:
            after = json.load(f)
        report(before['groups'], after['groups'], after['at'] - before['at'], float(argv[4]), float(argv[5]))
    elif len(argv) == 6:
        pid = int(argv[1])
        time.sleep(float(argv[2]))
        before, start = sample(pid), time.monotonic()
        time.sleep(float(argv[3]))
        report(before, sample(pid), time.monotonic() - start, float(argv[4]), float(argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
