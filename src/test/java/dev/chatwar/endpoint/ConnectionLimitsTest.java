package dev.chatwar.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionLimitsTest {

    @Test
    void theNextConnectionFromAnAddressAtItsLimitIsRefusedAndAReleaseLetsItIn() {
        ConnectionLimits limits = new ConnectionLimits(2, 100);
        ConnectionLimits.Reservation first = limits.reserve("a").reservation();
        assertNotNull(limits.reserve("a").reservation());
        assertEquals(ConnectionLimits.Refusal.ADDRESS_LIMIT, limits.reserve("a").refusal());
        assertNotNull(limits.reserve("b").reservation(), "other addresses are not affected");
        first.release();
        assertNotNull(limits.reserve("a").reservation());
    }

    @Test
    void theNodeRefusesBeyondItsTotal() {
        ConnectionLimits limits = new ConnectionLimits(10, 2);
        limits.reserve("a");
        limits.reserve("b");
        ConnectionLimits.Outcome third = limits.reserve("c");
        assertNull(third.reservation());
        assertEquals(ConnectionLimits.Refusal.CAPACITY, third.refusal());
    }

    @Test
    void releasingTwiceReleasesOnce() {
        ConnectionLimits limits = new ConnectionLimits(1, 10);
        ConnectionLimits.Reservation reservation = limits.reserve("a").reservation();
        ConnectionLimits.Reservation other = limits.reserve("b").reservation();
        reservation.release();
        reservation.release();
        assertEquals(1, limits.openTotal());
        assertEquals(1, limits.open("b"));
        other.release();
    }

    @Test
    void tenThousandOpenCloseCyclesLeaveNothingBehind() {
        ConnectionLimits limits = new ConnectionLimits(20, 10_000);
        for (int cycle = 0; cycle < 10_000; cycle++) {
            List<ConnectionLimits.Reservation> open = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                open.add(limits.reserve("198.51.100." + (cycle % 250)).reservation());
            }
            open.forEach(ConnectionLimits.Reservation::release);
        }
        assertEquals(0, limits.openTotal());
        assertEquals(0, limits.addresses(), "addresses without connections are forgotten");
    }
}
