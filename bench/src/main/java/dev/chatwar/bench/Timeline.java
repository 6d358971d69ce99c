package dev.chatwar.bench;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every message of one measured window, one by one: when it was sent (the wall clock, so it can be laid beside the
 * JVMs' logs), how many receivers got it, the first and the last arrival, and how many arrived at or after the late
 * limit (the p99 limit: these are the deliveries that fail a step). {@code bench/stalls.py} reads it. Touched only on
 * the load client's event loop, like every other counter.
 */
final class Timeline {
    private final long firstSeq;
    private final long lateMicros;
    private final long[] sentWallMicros;
    private final int[] delivered;
    private final int[] late;
    private final long[] firstMicros;
    private final long[] lastMicros;
    /** The event loop's late ticks: when each gap began (wall clock, µs) and how long it was. */
    private final List<long[]> loopGaps = new ArrayList<>();

    /** Room for {@code capacity} messages from {@code firstSeq} on; later ones are not recorded. */
    Timeline(long firstSeq, int capacity, double lateLimitMs) {
        this.firstSeq = firstSeq;
        this.lateMicros = (long) (lateLimitMs * 1000);
        this.sentWallMicros = new long[capacity];
        this.delivered = new int[capacity];
        this.late = new int[capacity];
        this.firstMicros = new long[capacity];
        this.lastMicros = new long[capacity];
        Arrays.fill(firstMicros, Long.MAX_VALUE);
    }

    void sent(long seq, long wallMicros) {
        int i = index(seq);
        if (i >= 0) {
            sentWallMicros[i] = wallMicros;
        }
    }

    void delivered(long seq, long latencyMicros) {
        int i = index(seq);
        if (i >= 0) {
            delivered[i]++;
            if (latencyMicros >= lateMicros) {
                late[i]++;
            }
            firstMicros[i] = Math.min(firstMicros[i], latencyMicros);
            lastMicros[i] = Math.max(lastMicros[i], latencyMicros);
        }
    }

    /**
     * The sending tick, due every millisecond, ran {@code gapMicros} after the one before, which ran at
     * {@code fromWallMicros}: the load client's event loop did not run in between (its own work, its JVM stopped, or
     * its CPU taken away), so nothing was sent or timed meanwhile.
     */
    void loopGap(long fromWallMicros, long gapMicros) {
        loopGaps.add(new long[] {fromWallMicros, gapMicros});
    }

    /** Appends the messages {@code firstSeq} up to {@code endSeq} (exclusive), after a header naming the window. */
    void append(Path file, String header, long endSeq) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            out.write("# window " + header + " late_ms=" + lateMicros / 1000.0 + "\n");
            for (long[] gap : loopGaps) {
                out.write(String.format(java.util.Locale.ROOT, "# loop-gap %s ms=%.1f%n", instant(gap[0]),
                        gap[1] / 1000.0));
            }
            for (long seq = firstSeq; seq < endSeq; seq++) {
                int i = index(seq);
                if (i < 0 || sentWallMicros[i] == 0) {
                    continue;
                }
                Instant at = instant(sentWallMicros[i]);
                out.write(String.format(java.util.Locale.ROOT, "%d %s delivered=%d late=%d first_ms=%.2f last_ms=%.2f%n",
                        seq, at, delivered[i], late[i], delivered[i] == 0 ? Double.NaN : firstMicros[i] / 1000.0,
                        delivered[i] == 0 ? Double.NaN : lastMicros[i] / 1000.0));
            }
        }
    }

    private static Instant instant(long wallMicros) {
        return Instant.ofEpochSecond(wallMicros / 1_000_000, wallMicros % 1_000_000 * 1000);
    }

    private int index(long seq) {
        long i = seq - firstSeq;
        return i >= 0 && i < sentWallMicros.length ? (int) i : -1;
    }
}
