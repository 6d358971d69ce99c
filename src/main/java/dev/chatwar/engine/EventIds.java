package dev.chatwar.engine;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Event ids: decimal strings of a number that only grows, so ids are unique and increase in the order a room
 * delivers (the room takes them under its lock). The number is at least the clock in microseconds, so ids keep
 * growing across a restart and a client never mistakes a new event for one it has seen.
 */
public final class EventIds {
    private final AtomicLong last = new AtomicLong();
    private final Clock clock;

    public EventIds(Clock clock) {
        this.clock = clock;
    }

    public String next() {
        Instant now = clock.instant();
        long floor = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        return Long.toString(last.updateAndGet(previous -> Math.max(previous + 1, floor)));
    }
}
