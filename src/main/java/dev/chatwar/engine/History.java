package dev.chatwar.engine;

import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.ServerEvent.Message;
import java.util.List;

/**
 * One room's recent kept events (messages and removals, {@link RoomEvent#kept}), the senders' recent {@code cid}s, and
 * the room's last id, in memory.
 */
interface History {

    /**
     * Keeps a message or a removal; the oldest kept event goes when the history is full.
     *
     * @param senderKey the sender as resends are matched, see {@link #resent} (used for messages with a cid)
     */
    void append(RoomEvent event, String senderKey);

    /** The kept events, oldest first. */
    List<RoomEvent> recent();

    /**
     * Replaces the kept message with this id by its {@link Message#placeholder}, so its text is gone.
     *
     * @return false when no such message is kept, or it was removed already
     */
    boolean remove(String id);

    /** The kept message with this id, or null. */
    Message kept(String id);

    /**
     * The id of the message this sender sent with this client id within the resend window, or null; the message
     * itself may have left the history since. The sender is its key (the room's {@code Names.key} of its name): a
     * member who comes back under the same name is the same sender, and two members who both number their messages
     * 1, 2, 3 never match each other's.
     */
    String resent(String senderKey, String cid);

    /** The last id the room handed out (a message, join or leave), or {@link Long#MIN_VALUE} for none. */
    long lastId();

    void lastId(long id);
}
