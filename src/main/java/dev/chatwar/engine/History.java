package dev.chatwar.engine;

import dev.chatwar.protocol.ServerEvent.Message;
import java.util.List;

/** One room's recent messages, in memory. */
interface History {

    /** @param senderKey the sender as resends are matched, see {@link #resent} */
    void append(Message message, String senderKey);

    /** The kept messages, oldest first. */
    List<Message> recent();

    /**
     * The kept message that this sender sent with this client id, or null. The sender is its key (the room's
     * {@code Names.key} of its name): a member who comes back under the same name is the same sender, and two members
     * who both number their messages 1, 2, 3 never match each other's.
     */
    Message resent(String senderKey, String cid);
}
