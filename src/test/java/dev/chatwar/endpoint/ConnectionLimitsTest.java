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
        ConnectionLimits limits = new ConnectionLimits(2, 100, 64);
        ConnectionLimits.Reservation first = limits.reserve("a").reservation();
        assertNotNull(limits.reserve("a").reservation());
        assertEquals(ConnectionLimits.Refusal.ADDRESS_LIMIT, limits.reserve("a").refusal());
        assertNotNull(limits.reserve("b").reservation(), "other addresses are not affected");
        first.release();
        assertNotNull(limits.reserve("a").reservation());
    }

    @Test
    void theNodeRefusesBeyondItsTotal() {
        ConnectionLimits limits = new ConnectionLimits(10, 2, 64);
        limits.reserve("a");
        limits.reserve("b");
        ConnectionLimits.Outcome third = limits.reserve("c");
        assertNull(third.reservation());
        assertEquals(ConnectionLimits.Refusal.CAPACITY, third.refusal());
    }

    @Test
    void releasingTwiceReleasesOnce() {
        ConnectionLimits limits = new ConnectionLimits(1, 10, 64);
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
        ConnectionLimits limits = new ConnectionLimits(20, 10_000, 64);
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

    @Test
    void anIpv6ClientCountsByItsPrefixAndAnIpv4ClientByItsAddress() {
        ConnectionLimits limits = new ConnectionLimits(2, 100, 64);
        assertNotNull(limits.reserve("2001:db8:1:2::1").reservation());
        assertNotNull(limits.reserve("2001:db8:1:2:ffff:ffff:ffff:ffff").reservation());
        assertEquals(ConnectionLimits.Refusal.ADDRESS_LIMIT, limits.reserve("2001:db8:1:2::3").refusal(),
                "a third address of the same /64");
        assertNotNull(limits.reserve("2001:db8:1:3::1").reservation(), "the next /64 is another client");
        assertEquals(2, limits.open("2001:0db8:0001:0002:0000:0000:0000:0009"), "any spelling of the prefix");
        assertNotNull(limits.reserve("192.0.2.1").reservation());
        assertNotNull(limits.reserve("192.0.2.1").reservation());
        assertNotNull(limits.reserve("192.0.2.2").reservation(), "IPv4 neighbours are separate clients");
    }

    @Test
    void theIpv6PrefixIsASetting() {
        ConnectionLimits limits = new ConnectionLimits(1, 100, 128);
        assertNotNull(limits.reserve("2001:db8::1").reservation());
        assertNotNull(limits.reserve("2001:db8::2").reservation(), "with /128 each address is a client");
    }
}
