package dev.chatwar.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.room.ChatService;
import dev.chatwar.room.JoinRefusedException;
import dev.chatwar.room.JoinRequest;
import dev.chatwar.room.Member;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * A member of a chat node as a test sees it, without a container: its recording connection and a reader that waits
 * for what it is sent, in order. Works alike whether the node's engine delivers at once (in memory) or later (Redis).
 */
public final class ChatClient {
    public static final Duration WAIT = Duration.ofSeconds(10);

    public final RecordingConnection connection = new RecordingConnection();
    public Member member;
    private int read;

    /** Joins and waits for the admission; its frames are then read with {@link #next}. */
    public static ChatClient join(ChatService node, JoinRequest request) throws JoinRefusedException {
        ChatClient client = new ChatClient();
        client.member = Chats.join(node, request, client.connection);
        return client;
    }

    /** Joined as a guest and announced: its welcome and its own join have arrived. */
    public static ChatClient entered(ChatService node, String room, String name) throws Exception {
        ChatClient client = join(node, JoinRequest.guest(room, name, "10.0.0.1"));
        client.next("welcome");
        client.next("join");
        return client;
    }

    /** Enters once {@code first} is there, and returns when {@code first} has seen this one's join too. */
    public static ChatClient enteredAfter(ChatClient first, ChatService node, String room, String name)
            throws Exception {
        ChatClient second = entered(node, room, name);
        first.next("join");
        return second;
    }

    /** The next frame it was sent, waiting up to {@link #WAIT}. */
    public JsonNode next() throws InterruptedException {
        List<String> sent = connection.awaitSent(read + 1, WAIT);
        return Frames.parse(sent.get(read++));
    }

    /** Skips frames until one matches. */
    public JsonNode next(Predicate<JsonNode> wanted) throws InterruptedException {
        for (JsonNode frame = next(); ; frame = next()) {
            if (wanted.test(frame)) {
                return frame;
            }
        }
    }

    public JsonNode next(String type) throws InterruptedException {
        return next(frame -> frame.path("type").asText().equals(type));
    }

    public JsonNode nextMessage() throws InterruptedException {
        return next("message");
    }

    /** Says something into its room on {@code node}: plain text, or with a {@code cid} when one is given. */
    public void say(ChatService node, String text, String cid) {
        node.receive(member, cid == null ? text
                : "{\"type\":\"message\",\"text\":\"" + text + "\",\"cid\":\"" + cid + "\"}");
    }
}
