package dev.chatwar.transport;

import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.Frame;
import dev.chatwar.protocol.Packing;
import dev.chatwar.room.Connection;
import dev.chatwar.room.Telemetry;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The single writer of one connection: frames wait here, bounded by the events they carry and by bytes, and are
 * handed to the transport one at a time; the next send starts when the previous one completes. A connection that lets
 * the queue overflow, or whose send times out, is closed with {@link CloseCode#SLOW_CONSUMER} and everything still
 * queued for it is dropped, so one slow reader never holds memory or other members back. An overflow closes at once,
 * without waiting for the send the peer is not taking.
 *
 * <p>The writing runs on the connection's writer thread ({@link Writers}), not on the thread that queued. A connection
 * that asked for packed frames ({@code batch=1}) mostly receives its room's rounds, frames the room packed once for all
 * its members; when several wait here (this reader is behind the room) they leave joined as one WebSocket frame, one
 * event per line, so a reader that lags catches up in fewer, larger writes.
 *
 * <p>Rules: never two sends in flight (Tomcat refuses a second one with {@code IllegalStateException}); frames leave
 * in the order queued; no lock is held while calling the transport. A completion may arrive on the sending thread
 * before {@code send} returns; the two-party {@link #handoff} counter then lets the sending loop continue instead
 * of recursing, so the stack never grows with the queue.
 *
 * <p>Ending: the first close request, whoever makes it (the chat, an overflow, a stalled or failed send), is announced
 * once to the {@code closing} listener, so the member can leave at once rather than when the close completes. A send
 * that fails for any reason but a timeout means the connection is gone; the queue then hands the transport an
 * {@linkplain Transport#abandon abandon} instead of a close, because nothing can be written any more.
 */
public final class OutboundQueue implements Connection {

    /**
     * Where frames go. {@code send} and {@code sendPing} only start a write and must not block (the caller may be a
     * writer thread that other connections share); each reports its outcome exactly once through {@link #sent},
     * possibly before it returns.
     */
    public interface Transport {
        void send(Frame frame);

        void sendPing();

        void close(CloseCode code, String reason);

        /** The connection is gone (a send failed): release the container's session, with no close code of ours. */
        void abandon(String reason);

        /**
         * The container closed the connection: a write still waiting for the peer will never complete, and must end
         * now (reporting through {@code sent}, if it had not). Called on no lock.
         */
        default void connectionClosed() {
        }
    }

    /** {@code code} null: the connection was lost and is abandoned, not closed. */
    private record CloseRequest(CloseCode code, String reason) {
    }

    /** Stands in the queue for a ping, so pings keep the one-writer rule too; compared by identity. */
    private static final Frame PING = new Frame("", 0, 0);

    private final int maxEvents;
    private final long maxBytes;
    private final Telemetry telemetry;
    private final Transport transport;
    private final Executor writer;
    /** One task object for every hand-off to the writer, so a broadcast allocates none per member. */
    private final Runnable pumpTask = this::pump;
    /** How this connection takes its events: whether frames that wait together leave as one, and up to what size. */
    private final Packing packing;
    private final ArrayDeque<Frame> frames = new ArrayDeque<>();
    /** The frames being joined by {@link #pack}; reused, guarded by this. */
    private final List<Frame> joining = new ArrayList<>();
    /** Counts the two parties of the send in flight: its completion and the return from {@code send}. */
    private final AtomicInteger handoff = new AtomicInteger();
    /** Events (not frames) and bytes of the send in flight; written by the writer before each send, read by its completion. */
    private volatile int inFlightFrames;
    private volatile int inFlightBytes;
    /** When the send in flight started ({@link System#nanoTime}), or 0 when none is. */
    private volatile long inFlightSince;
    /** The thread that made the send in flight: its completion on the same thread cost no hand-off. */
    private volatile Thread sendingThread;
    /** When the close was first requested ({@link System#nanoTime}, never 0), or 0 while none is. */
    private volatile long closeRequestedAt;
    /** Told once, on no lock, of the first close request; must not block (an overflow is found under a room's lock). */
    private final Runnable closing;
    private final AtomicBoolean closingAnnounced = new AtomicBoolean();

    // Guarded by this.
    /** Events waiting (a room's round frame carries several); bounded by {@code maxEvents}. */
    private int queuedEvents;
    private long queuedBytes;
    private boolean writing;
    private CloseRequest closeRequest;
    private boolean finished;

    public OutboundQueue(int maxEvents, long maxBytes, Telemetry telemetry,
                         Function<OutboundQueue, Transport> transport) {
        this(maxEvents, maxBytes, Packing.NONE, telemetry, Runnable::run, () -> { }, transport);
    }

    /**
     * @param packing   when it packs, frames that wait together leave as one, newline-separated, while they fit
     * @param writer    runs the writing; frames queued while it has not got to this queue yet leave together
     * @param closing   told once when the first close is requested, on no lock; must not block
     */
    public OutboundQueue(int maxEvents, long maxBytes, Packing packing, Telemetry telemetry, Executor writer,
                         Runnable closing, Function<OutboundQueue, Transport> transport) {
        this.packing = packing;
        this.closing = closing;
        this.writer = writer;
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
        this.telemetry = telemetry;
        this.transport = transport.apply(this);
    }

    @Override
    public boolean enqueue(Frame frame) {
        boolean accepted;
        boolean mustFlush;
        CloseRequest closeNow;
        synchronized (this) {
            if (closeRequest != null) {
                return false;
            }
            if (queuedEvents + frame.events() <= maxEvents && queuedBytes + frame.bytes() <= maxBytes) {
                frames.addLast(frame);
                queuedEvents += frame.events();
                queuedBytes += frame.bytes();
                accepted = true;
                mustFlush = claimWriter();
                closeNow = null;
            } else {
                accepted = false;
                mustFlush = requestClose(CloseCode.SLOW_CONSUMER,
                        "too slow: " + queuedEvents + " events (" + queuedBytes + " bytes) waiting", true);
                closeNow = mustFlush ? null : takeOverClose();
            }
        }
        if (!accepted) {
            announceClosing();
        }
        if (closeNow != null) {
            transport.close(closeNow.code(), closeNow.reason());
        }
        return mustFlush;
    }

    /**
     * Must hold the lock. An overflowing queue has a send in flight that the peer is not taking; waiting for it would
     * keep the peer for up to the send timeout, so the close is handed to the transport at once instead of after it.
     */
    private CloseRequest takeOverClose() {
        finished = true;
        return closeRequest;
    }

    /** Hands the writing to the writer; the caller (a broadcast) does not wait for any socket. */
    @Override
    public void flush() {
        try {
            writer.execute(pumpTask);
        } catch (RejectedExecutionException e) { // the chat is stopping: write on this thread
            pump();
        }
    }

    /** Queues a ping behind whatever waits; it counts against no limit. */
    public void ping() {
        boolean mustFlush;
        synchronized (this) {
            if (closeRequest != null) {
                return;
            }
            frames.addLast(PING);
            mustFlush = claimWriter();
        }
        if (mustFlush) {
            pump();
        }
    }

    @Override
    public void close(CloseCode code, String reason) {
        boolean mustFlush;
        synchronized (this) {
            mustFlush = requestClose(code, reason, false);
        }
        announceClosing();
        if (mustFlush) {
            pump();
        }
    }

    /** The container closed the connection: drop what waits, refuse what comes, and end a write left waiting. */
    public void discard() {
        synchronized (this) {
            frames.clear();
            queuedEvents = 0;
            queuedBytes = 0;
            finished = true;
            if (closeRequest == null) {
                closeRequest = new CloseRequest(CloseCode.GOING_AWAY, "closed");
                closeRequestedAt = System.nanoTime() | 1;
            }
        }
        transport.connectionClosed();
    }

    /**
     * Whether a close was requested before {@code moment} ({@link System#nanoTime}) and this queue is still in use:
     * the heartbeat's sign of a close that never completed.
     */
    public boolean closeRequestedBefore(long moment) {
        long at = closeRequestedAt;
        return at != 0 && at - moment < 0;
    }

    /**
     * Closes the connection as too slow if the send in flight started more than {@code timeoutNanos} before
     * {@code now}: the peer is not taking it. Like an overflow, the close does not wait for that send.
     *
     * @return whether it was closed
     */
    public boolean closeIfSendStalled(long now, long timeoutNanos) {
        long since = inFlightSince;
        if (since == 0 || now - since <= timeoutNanos) {
            return false;
        }
        CloseRequest closeNow;
        synchronized (this) {
            requestClose(CloseCode.SLOW_CONSUMER, "too slow: a send waited more than "
                    + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s", true);
            closeNow = finished ? null : takeOverClose();
        }
        announceClosing();
        if (closeNow != null) {
            transport.close(closeNow.code(), closeNow.reason());
        }
        return closeNow != null;
    }

    /** Events waiting. */
    public synchronized int size() {
        return queuedEvents;
    }

    @Override
    public Packing packing() {
        return packing;
    }

    /**
     * The transport's report on the last {@link Transport#send}; {@code failure} is null when it succeeded. A timed
     * out send means a peer that does not read; any other failure a connection already gone, which is abandoned.
     * (Tomcat closes the socket of a failed asynchronous write without ever calling {@code @OnClose}; without the
     * abandon such a member stayed in its room forever.)
     */
    public void sent(Throwable failure) {
        inFlightSince = 0;
        if (failure == null) {
            if (inFlightFrames > 0) {
                telemetry.delivered(inFlightFrames, inFlightBytes);
                telemetry.sendCompleted(sendingThread == Thread.currentThread());
            }
        } else {
            synchronized (this) {
                if (isTimeout(failure)) {
                    requestClose(CloseCode.SLOW_CONSUMER, "too slow: a send timed out", true);
                } else {
                    requestClose(null, "connection lost: " + failure, true);
                }
            }
            announceClosing();
        }
        if (handoff.incrementAndGet() == 2) {
            pump();
        }
    }

    /** Containers report a timed-out write as SocketTimeoutException, or an IOException caused by a TimeoutException. */
    private static boolean isTimeout(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SocketTimeoutException || cause instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** Runs while this thread owns the writer role; gives the role up when nothing is left to write. */
    private void pump() {
        while (true) {
            Frame frame;
            Frame packed = null;
            CloseRequest close = null;
            int waiting = 0;
            synchronized (this) {
                frame = frames.pollFirst();
                if (frame != null) {
                    waiting = queuedEvents;
                    queuedEvents -= frame.events();
                    queuedBytes -= frame.bytes();
                    if (packing.packs() && frame != PING && isPackable(frames.peekFirst(), frame.bytes())) {
                        packed = pack(frame);
                    }
                } else if (closeRequest != null && !finished) {
                    finished = true;
                    close = closeRequest;
                } else {
                    writing = false;
                    return;
                }
            }
            if (close != null) {
                if (close.code() == null) {
                    transport.abandon(close.reason());
                } else {
                    transport.close(close.code(), close.reason());
                }
                continue;
            }
            if (frame != PING) {
                // Once per send, not per frame queued: a histogram per recipient and event was 9 % of the server's
                // time at N=1,000 (Micrometer's bucket search), on the room's lock.
                telemetry.queueDepth(waiting);
            }
            handoff.set(0);
            sendingThread = Thread.currentThread();
            inFlightSince = System.nanoTime() | 1; // never 0
            if (frame == PING) {
                inFlightFrames = 0;
                inFlightBytes = 0;
                transport.sendPing();
            } else if (packed == null) {
                inFlightFrames = frame.events();
                inFlightBytes = frame.bytes();
                transport.send(frame);
            } else {
                transport.send(packed);
            }
            if (handoff.incrementAndGet() == 1) {
                return; // the completion has not come yet; it will continue the pump
            }
        }
    }

    private boolean isPackable(Frame next, int bytesSoFar) {
        return next != null && next != PING && packing.fits(bytesSoFar, next);
    }

    /**
     * Must hold the lock. Joins {@code first} and the frames after it, while they fit the {@link #packing}, with
     * {@code '\n'}: JSON never contains a raw newline, so the receiver splits on it. Members that reach the same
     * frames of a room at the same point share one joined frame ({@link Frame#join}).
     */
    private Frame pack(Frame first) {
        List<Frame> run = joining;
        run.clear();
        run.add(first);
        int bytes = first.bytes();
        while (isPackable(frames.peekFirst(), bytes)) {
            Frame next = frames.pollFirst();
            queuedEvents -= next.events();
            queuedBytes -= next.bytes();
            run.add(next);
            bytes += 1 + next.bytes();
        }
        Frame packed = Frame.join(run);
        run.clear();
        inFlightFrames = packed.events();
        inFlightBytes = packed.bytes();
        return packed;
    }

    /** Must hold the lock. */
    private boolean requestClose(CloseCode code, String reason, boolean dropQueued) {
        if (closeRequest != null) {
            return false;
        }
        closeRequest = new CloseRequest(code, reason);
        closeRequestedAt = System.nanoTime() | 1; // never 0
        if (dropQueued) {
            frames.clear();
            queuedEvents = 0;
            queuedBytes = 0;
        }
        return claimWriter();
    }

    /** Tells the listener of the first close request; call holding no lock. */
    private void announceClosing() {
        if (closeRequestedAt != 0 && closingAnnounced.compareAndSet(false, true)) {
            closing.run();
        }
    }

    /** Must hold the lock. True when the caller became the writer and must pump. */
    private boolean claimWriter() {
        if (writing) {
            return false;
        }
        writing = true;
        return true;
    }
}
