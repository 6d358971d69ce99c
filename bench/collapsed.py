#!/usr/bin/env python3
"""Sums an async-profiler collapsed-stack file (one line per stack, frames joined by ';', the sample count last).

Prints the share of the JIT compilers and of the server's start, then, for the rest, the frames with the most
samples beneath them (inclusive) and the frames where samples landed (leaf). Usage: bench/collapsed.py FILE [TOP]
"""
import collections
import sys

COMPILER = "CompileBroker::compiler_thread_loop"
STARTUP = ("org/apache/catalina/startup/Bootstrap.main", "org/apache/catalina/startup/Bootstrap.<clinit>")


def main(path, top):
    total = compiler = startup = 0
    inclusive, leaf = collections.Counter(), collections.Counter()
    with open(path) as lines:
        for line in lines:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            n = int(count)
            total += n
            if COMPILER in stack:
                compiler += n
                continue
            if any(frame in stack for frame in STARTUP):
                startup += n
                continue
            frames = stack.split(";")
            leaf[frames[-1]] += n
            for frame in set(frames):
                inclusive[frame] += n
    rest = total - compiler - startup
    print(f"# {path}: {total} samples; JIT compilers {100 * compiler / max(total, 1):.1f} %, "
          f"server start {100 * startup / max(total, 1):.1f} %, the rest {rest} samples (shares below are of the rest)")
    for title, counter in (("inclusive", inclusive), ("leaf", leaf)):
        print(f"## {title}")
        for frame, n in counter.most_common(top):
            print(f"{n:8d} {100 * n / max(rest, 1):5.1f} %  {frame[:160]}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40)
