#!/usr/bin/env python3
"""Sums a JVM native-memory-tracking diff (jcmd PID VM.native_memory summary.diff, in KB) per connection.

    bench/nmt.py LABEL CONNECTIONS FILE [SMAPS_BASELINE SMAPS_NOW]

Prints one MEMORY line: the committed memory added since the baseline, in total and for each category that grew by
at least 0.05 KiB per connection, in KiB per connection (bench/run.sh memory takes the baseline before the joins).
Given two copies of /proc/PID/smaps_rollup, it adds what became resident in the same time: all of it, the anonymous
part, and the rest (file-backed: the JDK's and Tomcat's code as it is read). The two need not agree: the heap counts as
committed when it grows, and as resident only where it has been touched.
"""
import re
import sys

label, connections, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
smaps = sys.argv[4:6]
text = open(path).read()
# "Total: reserved=1573064KB +41010KB, committed=278724KB +89730KB"
# "-                 Java Heap (reserved=393216KB, committed=131072KB +65536KB)"
line = re.compile(r"^(?:-\s+(?P<name>[A-Za-z][A-Za-z ]*?) \(|(?P<total>Total): )reserved=\S+?KB(?: [+-]\d+KB)?,"
                  r" committed=(?P<committed>\d+)KB(?: (?P<delta>[+-]\d+)KB)?")
parts = []
for raw in text.splitlines():
    m = line.match(raw.strip() if raw.startswith("Total") else raw)
    if m:
        parts.append((m.group("name") or m.group("total"), int(m.group("committed")), int(m.group("delta") or 0)))
if not parts:
    sys.exit(f"{path}: no native memory summary in it")
per = [(name, delta / connections) for name, _, delta in parts]
total = next(kib for name, kib in per if name == "Total")
rest = " ".join(f"{name.replace(' ', '_')}={kib:.2f}" for name, kib in per if name != "Total" and abs(kib) >= 0.05)
resident = ""
if smaps:
    def rollup(smaps_path):
        fields = dict(re.findall(r"^(\w+):\s+(\d+) kB", open(smaps_path).read(), re.M))
        return int(fields["Rss"]), int(fields["Anonymous"])
    (rss0, anon0), (rss1, anon1) = rollup(smaps[0]), rollup(smaps[1])
    resident = (f" rss_kib_per_connection={(rss1 - rss0) / connections:.2f}"
                f" anonymous_kib_per_connection={(anon1 - anon0) / connections:.2f}"
                f" file_kib_per_connection={((rss1 - anon1) - (rss0 - anon0)) / connections:.2f}")
print(f"MEMORY label={label.replace(' ', '_')} committed_kib_per_connection={total:.2f}{resident} {rest}")
