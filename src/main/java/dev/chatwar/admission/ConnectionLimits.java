package dev.chatwar.admission;

import dev.chatwar.room.Telemetry.Refusal;

import dev.chatwar.admission.Cidr;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Open connections per client, over every node of the chat, and in total on this node. A client is an IPv4 address,
 * or an IPv6 address with every address of its {@code /ipv6Prefix} ({@link Cidr#block}): an IPv6 subscriber usually
 * holds a whole /64, and would otherwise open as many connections as it likes from fresh addresses. A handshake
 * reserves a place before the upgrade and the connection gives it back when it closes; a handshake that does not
 * become a connection gives it back at once.
 *
 * <p>The per-client count is the chat's ({@link Shared}: with Redis, every node's connections): behind a balancer a
 * client cannot multiply its limit by the number of nodes. When the shared count cannot be reached in time, the node
 * counts on its own, so an outage of Redis never locks clients out.
 * Addresses with no open connection are forgotten, so the table never outgrows the connections it counts.
 */
public final class ConnectionLimits {
    /** Where the chat counts each client's connections over every node; the engine, with Redis. */
    public interface Shared {
        /** One node: its own count is the chat's, so every connection the node allows is counted here too. */
        Shared NONE = new Shared() {
            @Override
            public CompletionStage<String> connect(String client, int limit) {
                return CompletableFuture.completedFuture("");
            }

            @Override
            public void disconnect(String client, String receipt) {
            }
        };

        /** @return a receipt, or null when the client is at its limit ({@code Engine#connect}) */
        CompletionStage<String> connect(String client, int limit);

        void disconnect(String client, String receipt);
    }

    /** A place taken for one connection; releasing it twice releases it once. */
    public final class Reservation {
        private final String client;
        /** The shared count's receipt, or null when only this node counted it. */
        private final String receipt;
        private final AtomicBoolean released = new AtomicBoolean();

        private Reservation(String client, String receipt) {
            this.client = client;
            this.receipt = receipt;
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                ConnectionLimits.this.release(client);
                if (receipt != null) {
                    shared.disconnect(client, receipt);
                }
            }
        }
    }

    /** Either a reservation or the reason there is none. */
    public record Outcome(Reservation reservation, Refusal refusal) {
    }

    private final int perAddress;
    private final int total;
    private final int ipv6Prefix;
    private final Shared shared;
    /** How long a handshake waits for the shared count before it counts on this node only. */
    static final Duration SHARED_WAIT = Duration.ofSeconds(1);
    private final Map<String, Integer> open = new HashMap<>();
    private int openTotal;

    /** One node's limits, with nothing shared. */
    public ConnectionLimits(int perAddress, int total, int ipv6Prefix) {
        this(perAddress, total, ipv6Prefix, Shared.NONE);
    }

    /**
     * @param ipv6Prefix the length of the IPv6 prefix counted as one client
     * @param shared     where every node's connections per client are counted
     */
    public ConnectionLimits(int perAddress, int total, int ipv6Prefix, Shared shared) {
        this.perAddress = perAddress;
        this.total = total;
        this.ipv6Prefix = ipv6Prefix;
        this.shared = shared;
    }

    /**
     * Blocks for the shared count's answer, at most {@link #SHARED_WAIT}: a handshake runs on a request thread.
     *
     * @param address the client's address (a text that is no IP literal counts as itself)
     */
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
        }
        String receipt;
        try {
            receipt = shared.connect(client, perAddress).toCompletableFuture()
                    .get(SHARED_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (receipt == null) {
                release(client);
                return new Outcome(null, Refusal.ADDRESS_LIMIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            receipt = null;
        } catch (ExecutionException | TimeoutException e) {
            receipt = null; // counted here only
        }
        return new Outcome(new Reservation(client, receipt), null);
    }

    /** Open connections of the client this address belongs to. */
    public int open(String address) {
        String client = client(address);
        synchronized (this) {
            return open.getOrDefault(client, 0);
        }
    }

    /** The client an address belongs to, as counted here: itself, or for IPv6 its prefix's block. */
    public String clientOf(String address) {
        return client(address);
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
