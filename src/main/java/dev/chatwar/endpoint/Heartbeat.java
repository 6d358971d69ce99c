package dev.chatwar.endpoint;

import dev.chatwar.protocol.CloseCode;
import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Pings every connection each {@code CHAT_PING_SECONDS} and closes, with {@link CloseCode#IDLE_TIMEOUT}, those from
 * which nothing has arrived (no frame, no pong) for {@code CHAT_IDLE_TIMEOUT_SECONDS}. Every second it also closes,
 * with {@link CloseCode#SLOW_CONSUMER}, those whose send in flight is older than {@code CHAT_SEND_TIMEOUT_SECONDS}.
 * One thread for all connections, and it never writes: pings go through each connection's queue like any frame.
 */
public final class Heartbeat implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Heartbeat.class.getName());

    /** One connection's side of the heartbeat. */
    public static final class Pulse {
        private final OutboundQueue queue;
        private volatile long lastInbound;

        Pulse(OutboundQueue queue, long now) {
            this.queue = queue;
            this.lastInbound = now;
        }

        /** Something arrived from the client: a frame or a pong. */
        void touch(long now) {
            lastInbound = now;
        }
    }

    private final long idleNanos;
    private final long sendTimeoutNanos;
    private final Set<Pulse> pulses = ConcurrentHashMap.newKeySet();
    private final OwnedThreads owned = new OwnedThreads("chat-heartbeat-");
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(owned);

    public Heartbeat(long pingMillis, long idleTimeoutMillis, long sendTimeoutMillis) {
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
        this.sendTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(sendTimeoutMillis);
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

    Pulse register(OutboundQueue queue) {
        Pulse pulse = new Pulse(queue, System.nanoTime());
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
                if (now - pulse.lastInbound > idleNanos) {
                    pulses.remove(pulse);
                    pulse.queue.close(CloseCode.IDLE_TIMEOUT, "idle: nothing received, not even a pong");
                } else {
                    pulse.queue.ping();
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "heartbeat round failed; the next one runs as planned", e);
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
