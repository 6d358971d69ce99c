package dev.chatwar.admission;

import dev.chatwar.room.Telemetry.Refusal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class ConnectionLimitsTest {

    @Test
    void theNextConnectionFromAnAddressAtItsLimitIsRefusedAndAReleaseLetsItIn() {
        ConnectionLimits limits = new ConnectionLimits(2, 100, 64);
        ConnectionLimits.Reservation first = limits.reserve("a").reservation();
        assertNotNull(limits.reserve("a").reservation());
        assertEquals(Refusal.ADDRESS_LIMIT, limits.reserve("a").refusal());
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
        assertEquals(Refusal.CAPACITY, third.refusal());
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
        assertEquals(Refusal.ADDRESS_LIMIT, limits.reserve("2001:db8:1:2::3").refusal(),
                "a third address of the same /64");
        assertNotNull(limits.reserve("2001:db8:1:3::1").reservation(), "the next /64 is another client");
        assertEquals(2, limits.open("2001:0db8:0001:0002:0000:0000:0000:0009"), "any spelling of the prefix");
        assertNotNull(limits.reserve("192.0.2.1").reservation());
        assertNotNull(limits.reserve("192.0.2.1").reservation());
        assertNotNull(limits.reserve("192.0.2.2").reservation(), "IPv4 neighbours are separate clients");
    }

    /** A stand-in for the engine's count over every node, which refuses what it is told to. */
    private static final class Chat implements ConnectionLimits.Shared {
        final List<String> connected = new ArrayList<>();
        final List<String> disconnected = new ArrayList<>();
        boolean full;
        boolean unreachable;

        @Override
        public CompletionStage<String> connect(String client, int limit) {
            if (unreachable) {
                return CompletableFuture.failedFuture(new IllegalStateException("Redis is down"));
            }
            if (full) {
                return CompletableFuture.completedFuture(null);
            }
            connected.add(client);
            return CompletableFuture.completedFuture("node-a");
        }

        @Override
        public void disconnect(String client, String receipt) {
            disconnected.add(client + " " + receipt);
        }
    }

    @Test
    void theChatsCountDecidesAndAReleaseGivesTheConnectionBackThere() {
        Chat chat = new Chat();
        ConnectionLimits limits = new ConnectionLimits(5, 100, 64, chat);
        ConnectionLimits.Reservation counted = limits.reserve("2001:db8:0:1::7").reservation();
        assertEquals(List.of("2001:db8:0:1::/64"), chat.connected, "the client, as the prefix");
        chat.full = true; // the client's other connections are on other nodes
        assertEquals(Refusal.ADDRESS_LIMIT, limits.reserve("2001:db8:0:1::8").refusal());
        assertEquals(1, limits.openTotal(), "a refused handshake holds no place here");
        counted.release();
        assertEquals(List.of("2001:db8:0:1::/64 node-a"), chat.disconnected);
    }

    @Test
    void whenTheChatsCountIsUnreachableTheNodeCountsOnItsOwn() {
        Chat chat = new Chat();
        chat.unreachable = true;
        ConnectionLimits limits = new ConnectionLimits(1, 100, 64, chat);
        ConnectionLimits.Reservation local = limits.reserve("192.0.2.1").reservation();
        assertNotNull(local, "an outage of Redis locks nobody out");
        assertEquals(Refusal.ADDRESS_LIMIT, limits.reserve("192.0.2.1").refusal(), "still limited");
        local.release();
        assertEquals(List.of(), chat.disconnected, "nothing to give back where nothing was counted");
    }

    @Test
    void theIpv6PrefixIsASetting() {
        ConnectionLimits limits = new ConnectionLimits(1, 100, 128);
        assertNotNull(limits.reserve("2001:db8::1").reservation());
        assertNotNull(limits.reserve("2001:db8::2").reservation(), "with /128 each address is a client");
    }
}
