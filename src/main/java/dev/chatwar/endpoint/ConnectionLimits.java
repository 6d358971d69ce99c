package dev.chatwar.endpoint;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Open connections per client address and in total. A handshake reserves a place before the upgrade and the
 * connection gives it back when it closes; a handshake that does not become a connection gives it back at once.
 * Addresses with no open connection are forgotten, so the table never outgrows the connections it counts.
 */
public final class ConnectionLimits {
    /** Why a reservation was refused. */
    public enum Refusal {
        /** This address has {@code CHAT_MAX_CONNECTIONS_PER_ADDRESS} open connections. */
        ADDRESS_LIMIT,
        /** This node has {@code CHAT_MAX_CONNECTIONS} open connections. */
        CAPACITY
    }

    /** A place taken for one connection; releasing it twice releases it once. */
    public final class Reservation {
        private final String address;
        private final AtomicBoolean released = new AtomicBoolean();

        private Reservation(String address) {
            this.address = address;
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                ConnectionLimits.this.release(address);
            }
        }
    }

    /** Either a reservation or the reason there is none. */
    public record Outcome(Reservation reservation, Refusal refusal) {
    }

    private final int perAddress;
    private final int total;
    private final Map<String, Integer> open = new HashMap<>();
    private int openTotal;

    public ConnectionLimits(int perAddress, int total) {
        this.perAddress = perAddress;
        this.total = total;
    }

    public synchronized Outcome reserve(String address) {
        if (openTotal >= total) {
            return new Outcome(null, Refusal.CAPACITY);
        }
        int count = open.getOrDefault(address, 0);
        if (count >= perAddress) {
            return new Outcome(null, Refusal.ADDRESS_LIMIT);
        }
        open.put(address, count + 1);
        openTotal++;
        return new Outcome(new Reservation(address), null);
    }

    public synchronized int open(String address) {
        return open.getOrDefault(address, 0);
    }

    public synchronized int openTotal() {
        return openTotal;
    }

    /** Addresses with at least one open connection. */
    public synchronized int addresses() {
        return open.size();
    }

    private synchronized void release(String address) {
        open.computeIfPresent(address, (key, count) -> count == 1 ? null : count - 1);
        openTotal--;
    }
}
