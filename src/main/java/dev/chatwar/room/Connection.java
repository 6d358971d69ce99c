package dev.chatwar.room;

import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.Frame;
import dev.chatwar.protocol.Packing;

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

    /** How this connection takes its events; a room packs each round once for all members with the same packing. */
    default Packing packing() {
        return Packing.NONE;
    }

    /** Closes once the frames queued before are written. */
    void close(CloseCode code, String reason);
}
