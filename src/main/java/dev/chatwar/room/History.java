package dev.chatwar.room;

import dev.chatwar.protocol.ServerEvent.Message;
import java.util.List;

/** One room's recent messages. A room calls it with its lock held, so neither method may block. */
public interface History {

    void append(Message message);

    /** The kept messages, oldest first. */
    List<Message> recent();

    /**
     * The kept message that this sender sent with this client id, or null. The sender is the name, compared by
     * {@link Names#key}: a member who comes back under the same name is the same sender, and two members who both
     * number their messages 1, 2, 3 never match each other's.
     */
    Message resent(String senderName, String cid);
}
