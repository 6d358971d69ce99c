package dev.chatwar.support;

import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.Frame;
import dev.chatwar.room.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A connection that writes into a list, honouring the enqueue/flush contract: frames queued but not yet flushed are
 * not "sent", and flushing without being told to is recorded as a contract breach.
 */
public final class RecordingConnection implements Connection {
    private final List<String> queued = new ArrayList<>();
    private final List<String> sent = new ArrayList<>();
    private CloseCode closedWith;
    private int uninvitedFlushes;

    @Override
    public synchronized boolean enqueue(Frame frame) {
        if (closedWith != null) {
            return false;
        }
        queued.add(frame.text());
        return queued.size() == 1;
    }

    @Override
    public synchronized void flush() {
        if (queued.isEmpty()) {
            uninvitedFlushes++;
        }
        sent.addAll(queued);
        queued.clear();
        notifyAll();
    }

    @Override
    public synchronized void close(CloseCode code, String reason) {
        closedWith = code;
        notifyAll();
    }

    /** Waits until at least {@code count} frames were sent, at most {@code timeout}; returns all sent so far. */
    public synchronized List<String> awaitSent(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (sent.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("only " + sent.size() + " of " + count + " frames within " + timeout
                        + ": " + sent);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return List.copyOf(sent);
    }

    /** Waits until the connection is closed, at most {@code timeout}, and returns the code. */
    public synchronized CloseCode awaitClosed(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (closedWith == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("not closed within " + timeout + "; sent: " + sent);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return closedWith;
    }

    public synchronized List<String> sent() {
        return List.copyOf(sent);
    }

    /** Frames queued but never flushed: a room that forgets to flush leaves them here. */
    public synchronized List<String> unflushed() {
        return List.copyOf(queued);
    }

    public synchronized int uninvitedFlushes() {
        return uninvitedFlushes;
    }

    public synchronized CloseCode closedWith() {
        return closedWith;
    }
}
