package dev.chatwar.transport;

import dev.chatwar.threads.OwnedThreads;

import dev.chatwar.protocol.CloseCode;
import dev.chatwar.room.Telemetry;
import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Pings every connection each {@code CHAT_PING_SECONDS} and closes, with {@link CloseCode#IDLE_TIMEOUT}, those from
 * which nothing has arrived (no frame, no pong) for {@code CHAT_IDLE_TIMEOUT_SECONDS}. Every second it also closes,
 * with {@link CloseCode#SLOW_CONSUMER}, those whose send in flight is older than {@code CHAT_SEND_TIMEOUT_SECONDS}.
 * One thread for all connections, and it never writes: pings go through each connection's queue like any frame.
 *
 * <p>It is also the last line of defence against members who stay behind (the reaper). A connection stays registered
 * until it has really ended, and each round ends, and counts, any whose session the container reports closed
 * without having told the endpoint, or whose close was requested longer ago than the idle or the send timeout,
 * whichever is longer (a close still draining its queue is bounded by the send timeout, so by then it is stuck).
 */
public final class Heartbeat implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Heartbeat.class.getName());

    /** One connection's side of the heartbeat. */
    public static final class Pulse {
        private final OutboundQueue queue;
        private final BooleanSupplier open;
        private final BooleanSupplier end;
        private volatile long lastInbound;

        Pulse(OutboundQueue queue, BooleanSupplier open, BooleanSupplier end, long now) {
            this.queue = queue;
            this.open = open;
            this.end = end;
            this.lastInbound = now;
        }

        /** Something arrived from the client: a frame or a pong. */
        void touch(long now) {
            lastInbound = now;
        }
    }

    private final long idleNanos;
    private final long sendTimeoutNanos;
    private final long stuckCloseNanos;
    private final Telemetry telemetry;
    private final Set<Pulse> pulses = ConcurrentHashMap.newKeySet();
    private final OwnedThreads owned = new OwnedThreads("chat-heartbeat-");
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(owned);

    public Heartbeat(long pingMillis, long idleTimeoutMillis, long sendTimeoutMillis, Telemetry telemetry) {
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
        this.sendTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(sendTimeoutMillis);
        this.stuckCloseNanos = Math.max(idleNanos, sendTimeoutNanos);
        this.telemetry = telemetry;
        timer.scheduleWithFixedDelay(this::beat, pingMillis, pingMillis, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::checkSends, 1, 1, TimeUnit.SECONDS);
    }

    private void checkSends() {
        long now = System.nanoTime();
        try {
            for (Pulse pulse : pulses) {
                pulse.queue.closeIfSendStalled(now, sendTimeoutNanos);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "send-timeout check failed; the next one runs as planned", e);
        }
    }

    /**
     * @param open whether the container still reports the connection's session open
     * @param end  ends the connection now (the member leaves, the session is closed, {@link #unregister} follows);
     *             returns false when it had ended already
     */
    Pulse register(OutboundQueue queue, BooleanSupplier open, BooleanSupplier end) {
        Pulse pulse = new Pulse(queue, open, end, System.nanoTime());
        pulses.add(pulse);
        return pulse;
    }

    void unregister(Pulse pulse) {
        pulses.remove(pulse);
    }

    private void beat() {
        long now = System.nanoTime();
        try {
            for (Pulse pulse : pulses) {
                if (!pulse.open.getAsBoolean() || pulse.queue.closeRequestedBefore(now - stuckCloseNanos)) {
                    reap(pulse);
                } else if (now - pulse.lastInbound > idleNanos) {
                    pulse.queue.close(CloseCode.IDLE_TIMEOUT, "idle: nothing received, not even a pong");
                } else {
                    pulse.queue.ping();
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "heartbeat round failed; the next one runs as planned", e);
        }
    }

    private void reap(Pulse pulse) {
        boolean closedUnseen = !pulse.open.getAsBoolean();
        pulses.remove(pulse);
        if (pulse.end.getAsBoolean()) {
            telemetry.connectionReaped();
            LOG.log(Level.WARNING, closedUnseen ? "reaped a connection the container closed without calling @OnClose"
                    : "reaped a connection whose close never completed");
        }
    }

    /** Stops the rounds and returns once the thread has ended (or a second has passed). */
    @Override
    public void close() {
        timer.shutdownNow();
        pulses.clear();
        try {
            owned.awaitEnded(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
