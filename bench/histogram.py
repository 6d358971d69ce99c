#!/usr/bin/env python3
"""The live heap per connection, class by class: the difference of two class histograms (jcmd PID
GC.class_histogram, each taken after a full collection), divided by the connections made between them.

    bench/histogram.py LABEL CONNECTIONS BEFORE AFTER

Prints a HEAP line with the live KiB per connection, in total and split by whose classes they are (the chat's,
Tomcat's, the JDK's), then the ROWS largest classes: bytes and instances per connection. A class found in only one of
the two counts as none in the other. bench/run.sh memory takes BEFORE before the joins and AFTER with the members
connected.
"""
import re
import sys

label, connections, before_path, after_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ROWS = 30  # the largest classes; together they are nearly all of it
row = re.compile(r"^\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)")


def read(path):
    classes = {}
    for line in open(path):
        m = row.match(line)
        if m:
            classes[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    if not classes:
        sys.exit(f"{path}: no class histogram in it")
    return classes


before, after = read(before_path), read(after_path)
grown = []
for name in before.keys() | after.keys():
    (was_instances, was_size), (instances, size) = before.get(name, (0, 0)), after.get(name, (0, 0))
    grown.append((size - was_size, instances - was_instances, name))
grown.sort(reverse=True)
total = sum(size for size, _, _ in grown)


def owner(name):
    """Whose class it is; the JDK's own (arrays, strings, maps, buffers) are shared by everyone and not split."""
    if name.startswith("dev.chatwar."):
        return "chat"
    if name.startswith(("org.apache.tomcat.", "org.apache.catalina.", "org.apache.coyote.", "org.apache.juli.")):
        return "tomcat"
    return "jdk"


owners = {}
for size, _, name in grown:
    owners[owner(name)] = owners.get(owner(name), 0) + size
print(f"HEAP label={label} live_kib_per_connection={total / connections / 1024:.2f} "
      + " ".join(f"{who}_classes_kib={size / connections / 1024:.2f}" for who, size in sorted(owners.items())))
for size, instances, name in grown[:ROWS]:
    print(f"  {size / connections:8.1f} B  {instances / connections:6.2f} per connection  {name}")
