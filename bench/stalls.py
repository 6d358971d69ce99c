#!/usr/bin/env python3
"""Lays a measured window's late deliveries beside the stops of the server's and the load client's JVMs.

  bench/stalls.py TIMELINE --server [LOG...] [--client LOG...]

TIMELINE is what the load client wrote with --timeline: per message, the wall-clock time it was sent, its deliveries,
how many of them arrived at or after the late limit (the p99 limit: those fail a step), and its first and last
arrival. The logs are the JVMs' own, with the wall clock: -Xlog:safepoint,gc:file=LOG:time,uptime. The JVM writes a
safepoint's line when it ends, with its total (reaching it and the work at it), so a stop spans [end - total, end].

Late messages are grouped into episodes: a message joins the episode if it was sent before the last one's last
arrival. For each episode this prints its late deliveries and every stop of either JVM of at least MIN_STOP_MS that
overlaps it or ended up to LOOKBACK_S before it began (a stop before a message still delays it, through the queue
left behind): Young/Full for a collection, or the safepoint's name, with its milliseconds and its start against the
episode's first send. Then, per window, where the late deliveries fall:
  server-gc     a server collection of at least BLAME_MS in the episode's span
  server-other  no such collection, but another server safepoint of at least BLAME_MS
  client        neither, but the load client stopped for at least BLAME_MS: its JVM (a safepoint) or its event loop
                (Loop: a sending tick, due every millisecond, that came this late; the timeline lists them)
  none          no stop of either JVM of at least BLAME_MS: the queue, the JIT, the scheduler, the writer's pass
"""
import datetime
import re
import sys

from gcsteps import gc_clock  # the JVM's `time` decoration, as bench/gcsteps.py reads it

MIN_STOP_MS = 1.0
BLAME_MS = 10.0
LOOKBACK_S = 0.3

SAFEPOINT = re.compile(r'\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4})\].*Safepoint "(\w+)".*Total: (\d+) ns')
LOOP_GAP = re.compile(r'# loop-gap (\S+) ms=(\S+)')
MESSAGE = re.compile(r'(\d+) (\S+) delivered=(\d+) late=(\d+) first_ms=(\S+) last_ms=(\S+)')
NAMES = {'GenCollectForAllocation': 'Young', 'GenCollectFull': 'Full'}  # the serial collector's
# A collection's pause under any collector of JDK 17 to 25: the serial and parallel collectors' and G1's (Young, Full,
# ...CollectFor...), Shenandoah's and ZGC's pauses (ShenandoahInitMark, ZMarkStart, XMarkEnd ...).
COLLECTION = re.compile(r'^(Young|Full)$|Collect|^Shenandoah|^[XZ][A-Z]|^G1')


def instant(text):
    """Java's Instant.toString(): 2026-12-07T19:41:02.085123Z, the fraction 0-9 digits long."""
    seconds, _, fraction = text.rstrip('Z').partition('.')
    at = datetime.datetime.strptime(seconds, '%Y-%m-%dT%H:%M:%S').replace(tzinfo=datetime.timezone.utc)
    return at.timestamp() + (float('0.' + fraction) if fraction else 0.0)


def stops(paths, side):
    found = []
    for path in paths:
        with open(path) as log:
            for line in log:
                m = SAFEPOINT.match(line)
                if m:
                    total = int(m.group(3)) / 1e6
                    if total >= MIN_STOP_MS:
                        end = gc_clock(m.group(1)).timestamp()
                        found.append((end - total / 1000, total, side, NAMES.get(m.group(2), m.group(2))))
    return sorted(found)


def read_windows(path):
    result = []
    with open(path) as timeline:
        for line in timeline:
            if line.startswith('# window '):
                result.append({'header': line[len('# window '):].strip(), 'messages': [], 'gaps': []})
                continue
            gap = LOOP_GAP.match(line)
            if gap and result:
                result[-1]['gaps'].append((instant(gap.group(1)), float(gap.group(2)), 'client', 'Loop'))
                continue
            m = MESSAGE.match(line)
            if m and result:
                result[-1]['messages'].append(
                    (instant(m.group(2)), int(m.group(3)), int(m.group(4)), float(m.group(5)), float(m.group(6))))
    return result


def episodes(messages):
    found = []
    for sent, delivered, late, first, last in messages:
        if late == 0:
            continue
        if found and sent <= found[-1]['end']:
            episode = found[-1]
        else:
            episode = {'start': sent, 'end': sent, 'messages': 0, 'late': 0, 'first': first, 'last': 0.0}
            found.append(episode)
        episode['end'] = max(episode['end'], sent + last / 1000)
        episode['messages'] += 1
        episode['late'] += late
        episode['first'] = min(episode['first'], first)
        episode['last'] = max(episode['last'], last)
    return found


def blame(near):
    def at_least(side, collections=False):
        return any(s[2] == side and s[1] >= BLAME_MS and (not collections or COLLECTION.search(s[3])) for s in near)
    if at_least('server', collections=True):
        return 'server-gc'
    if at_least('server'):
        return 'server-other'
    if at_least('client'):
        return 'client'
    return 'none'


def main(argv):
    if len(argv) < 3 or argv[2] != '--server':
        sys.exit(__doc__)
    logs = {'--server': [], '--client': []}
    target = None
    for arg in argv[2:]:
        if arg in logs:
            target = logs[arg]
        else:
            target.append(arg)
    all_stops = sorted(stops(logs['--server'], 'server') + stops(logs['--client'], 'client'))
    for window in read_windows(argv[1]):
        messages = window['messages']
        total = sum(m[1] for m in messages)
        late = sum(m[2] for m in messages)
        print('WINDOW %s messages=%d deliveries=%d late=%d late_pct=%.2f' % (
            window['header'], len(messages), total, late, 100.0 * late / total if total else 0.0))
        shares = {'server-gc': 0, 'server-other': 0, 'client': 0, 'none': 0}
        window_stops = sorted(all_stops + window['gaps'])
        for episode in episodes(messages):
            near = [s for s in window_stops
                    if s[0] <= episode['end'] and s[0] + s[1] / 1000 >= episode['start'] - LOOKBACK_S]
            kind = blame(near)
            shares[kind] += episode['late']
            print('  episode %s +%.3f s: %d messages, %d late, first %.1f ms, last %.1f ms; %s; stops: %s' % (
                clock(episode['start']), episode['end'] - episode['start'], episode['messages'], episode['late'],
                episode['first'], episode['last'], kind,
                ' '.join('%s:%s %.1fms@%+.3f' % (s[2], s[3], s[1], s[0] - episode['start']) for s in near) or '-'))
        print('LATE %s %s' % (window['header'], ' '.join('%s=%d' % item for item in shares.items())))


def clock(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime('%H:%M:%S.%f')[:-3]


if __name__ == '__main__':
    main(sys.argv)
