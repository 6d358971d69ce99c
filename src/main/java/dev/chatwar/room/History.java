package dev.chatwar.room;

import dev.chatwar.protocol.ServerEvent.Message;
import java.util.List;

/** One room's recent messages. A room calls it with its lock held, so neither method may block. */
public interface History {

    void append(Message message);

    /** The kept messages, oldest first. */
    List<Message> recent();

    /** The kept message that carried this client id, or null. */
    Message byCid(String cid);
}
