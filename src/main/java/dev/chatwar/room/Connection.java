package dev.chatwar.room;

import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.Frame;

/**
 * A member's outbound side, as the rooms see it. Writing is split in two so that a room can queue one event for all
 * its members in order under its lock and write only after releasing it: no lock is ever held across a send.
 */
public interface Connection {

    /**
     * Queues a frame without writing it; never blocks. A frame queued after {@link #close} is dropped.
     *
     * @return true when the caller must call {@link #flush()} once it holds no lock
     */
    boolean enqueue(Frame frame);

    /** Writes what {@link #enqueue} queued; called only by the caller that {@code enqueue} told to. */
    void flush();

    default void send(Frame frame) {
        if (enqueue(frame)) {
            flush();
        }
    }

    /**
     * Most bytes of events this connection takes packed into one frame, one per line ({@code batch=1}); 0 when it
     * takes one event per frame. A room packs each round of events once for all members with the same value.
     */
    default int packBytes() {
        return 0;
    }

    /** Closes once the frames queued before are written. */
    void close(CloseCode code, String reason);
}
