#!/usr/bin/env python3
"""Lines up the load client's measured windows with the chat's young and full collections.

  bench/run.sh rates chat 2 2>&1 | bench/gcsteps.py stamp > out.txt   # each line prefixed with the wall clock
  bench/gcsteps.py align out.txt GCLOG...                             # one line per window, with its pauses

The GC logs must carry the wall clock: SERVER_OPTS="-Xlog:gc:file=/tmp/gc-%p.log:time,uptime". A RESULT line is
printed after its window's seconds and the wait for the last deliveries; the pauses listed for it are those logged in
its seconds plus 0.3 s before the line, so a pause just before the window can be listed too (read a pause longer than
the window's own maximum latency that way). Pauses print as Y (young) or F (full) with their milliseconds. Both
clocks are compared in UTC: the GC log's `time` carries its offset, and `stamp` writes UTC with the date.
"""
import datetime
import re
import sys

GC = re.compile(r"\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4})\].*Pause (\w+).*?(\d+\.\d+)ms")


def gc_clock(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(datetime.timezone.utc)


def line_clock(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


def stamp():
    for line in sys.stdin:
        now = datetime.datetime.now(datetime.timezone.utc)
        sys.stdout.write(now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z " + line)
        sys.stdout.flush()


def align(out, gc_logs):
    pauses = []
    for path in gc_logs:
        with open(path) as log:
            for line in log:
                m = GC.match(line)
                if m:
                    pauses.append((gc_clock(m.group(1)), m.group(2)[0], float(m.group(3))))
    with open(out) as lines:
        for line in lines:
            words = line.split()
            if len(words) < 3 or words[1] != "RESULT":
                continue
            at = line_clock(words[0])
            fields = dict(word.split("=", 1) for word in words[2:] if "=" in word)
            span = float(fields["seconds"]) + 0.3
            inside = [p for p in pauses if 0 <= (at - p[0]).total_seconds() <= span]
            print("%-15s %-12s rate=%-6s p50=%-7s p99=%-7s max=%-7s cpu=%-4s pauses: %s" % (
                fields["mode"], fields["server"], fields["rate"], fields["p50_ms"], fields["p99_ms"],
                fields["max_ms"], fields["server_cpu_pct"],
                " ".join("%s%.0f" % (kind, ms) for _, kind, ms in inside) or "-"))


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "stamp":
        stamp()
    elif len(sys.argv) >= 4 and sys.argv[1] == "align":
        align(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
