package dev.chatwar.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class EventIdsTest {

    @Test
    void idsGrowEvenWhenTheClockStandsStill() {
        EventIds ids = new EventIds(Clock.fixed(Instant.ofEpochMilli(1_000), ZoneOffset.UTC));
        assertEquals("1000000", ids.next());
        assertEquals("1000001", ids.next());
        assertEquals("1000002", ids.next());
    }

    @Test
    void idsAfterARestartAreLargerThanBefore() {
        long before = Long.parseLong(new EventIds(Clock.fixed(Instant.ofEpochMilli(1_000), ZoneOffset.UTC)).next());
        long after = Long.parseLong(new EventIds(Clock.fixed(Instant.ofEpochMilli(1_001), ZoneOffset.UTC)).next());
        assertTrue(after > before);
    }
}
