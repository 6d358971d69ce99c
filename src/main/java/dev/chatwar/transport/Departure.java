package dev.chatwar.transport;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How one connection ends, whatever the container does: in two steps, each run once by whoever sees the end first.
 *
 * <ol>
 *   <li>{@link #leave}: the member leaves its room (the others get {@code leave}, the name is free) and its places
 *       under the connection limits are released. It runs as soon as anyone decides the connection is over: a close
 *       the chat requests, a send that failed or stalled, the container's {@code @OnClose}, the reaper.</li>
 *   <li>{@link #end}: nothing more is sent or expected; the queue refuses everything and the heartbeat forgets the
 *       connection. It runs on {@code @OnClose}, or when the reaper finds a session the container closed without
 *       telling us, or a close that never completed. Ending leaves first, if that has not happened.</li>
 * </ol>
 * Both steps may be asked for any number of times, from any threads, in any order.
 */
final class Departure {
    private final Runnable leaving;
    private final Runnable ending;
    private final AtomicBoolean left = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();

    /**
     * @param leaving takes the member out of its room and releases its places
     * @param ending  discards the queue and unregisters the heartbeat's pulse
     */
    Departure(Runnable leaving, Runnable ending) {
        this.leaving = leaving;
        this.ending = ending;
    }

    /** The first step; only the first call does anything. */
    void leave() {
        if (left.compareAndSet(false, true)) {
            leaving.run();
        }
    }

    /** Both steps. @return true only for the call that ended the connection */
    boolean end() {
        leave();
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        ending.run();
        return true;
    }

    /** Whether the first step has been taken (or is being taken). */
    boolean hasLeft() {
        return left.get();
    }
}
