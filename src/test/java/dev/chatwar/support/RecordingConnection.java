package dev.chatwar.support;

import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.Frame;
import dev.chatwar.room.Connection;
import java.util.ArrayList;
import java.util.List;

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
    }

    @Override
    public synchronized void close(CloseCode code, String reason) {
        closedWith = code;
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
