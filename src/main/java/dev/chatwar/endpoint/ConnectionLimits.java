package dev.chatwar.endpoint;

import dev.chatwar.config.Cidr;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Open connections per client and in total on this node. A client is an IPv4 address, or an IPv6 address with every
 * address of its {@code /ipv6Prefix} ({@link Cidr#block}): an IPv6 subscriber usually holds a whole /64, and would
 * otherwise open as many connections as it likes from fresh addresses. A handshake reserves a place before the
 * upgrade and the connection gives it back when it closes; a handshake that does not become a connection gives it back
 * at once.
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
    private final int ipv6Prefix;
    private final Map<String, Integer> open = new HashMap<>();
    private int openTotal;

    /** @param ipv6Prefix the length of the IPv6 prefix counted as one client */
    public ConnectionLimits(int perAddress, int total, int ipv6Prefix) {
        this.perAddress = perAddress;
        this.total = total;
        this.ipv6Prefix = ipv6Prefix;
    }

    /** @param address the client's address (a text that is no IP literal counts as itself) */
    public Outcome reserve(String address) {
        String client = client(address);
        synchronized (this) {
            if (openTotal >= total) {
                return new Outcome(null, Refusal.CAPACITY);
            }
            int count = open.getOrDefault(client, 0);
            if (count >= perAddress) {
                return new Outcome(null, Refusal.ADDRESS_LIMIT);
            }
            open.put(client, count + 1);
            openTotal++;
            return new Outcome(new Reservation(client), null);
        }
    }

    /** Open connections of the client this address belongs to. */
    public int open(String address) {
        String client = client(address);
        synchronized (this) {
            return open.getOrDefault(client, 0);
        }
    }

    private String client(String address) {
        return Cidr.literal(address).map(literal -> Cidr.block(literal, ipv6Prefix)).orElse(address);
    }

    public synchronized int openTotal() {
        return openTotal;
    }

    /** Clients (addresses, IPv6 prefixes) with at least one open connection. */
    public synchronized int addresses() {
        return open.size();
    }

    private synchronized void release(String address) {
        open.computeIfPresent(address, (key, count) -> count == 1 ? null : count - 1);
        openTotal--;
    }
}
