package dev.chatwar.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * Everything the server sends: one JSON object per frame, each with {@code type}, {@code room} and {@code ts}
 * (ISO-8601 UTC, server clock). Sender and time are always stamped by the server.
 */
public sealed interface ServerEvent {
    @JsonProperty("type")
    String type();

    String room();

    String ts();

    /** An event that takes a place in the room's order: it has an {@code id} and a {@code user}. */
    sealed interface RoomEvent extends ServerEvent {
        String id();

        User user();

        /** The same event with the id its room's order gave it. */
        RoomEvent withId(String id);

        /** Whether the room's history keeps it: messages and removals; joins and leaves take an id only. */
        default boolean kept() {
            return false;
        }
    }

    /**
     * First frame of every connection: who you are, who is here ({@code members}, empty past the presence limit;
     * {@code count} is everyone), and recent messages and removals (oldest first; a removed message is there as its
     * placeholder). With
     * {@code since}, {@code history} holds the messages after it and {@code gap} says whether some were lost.
     * {@code resume} is this member's secret: a reconnect that presents it takes over the member's place.
     */
    @JsonPropertyOrder({"type", "room", "ts", "you", "members", "count", "history", "gap", "resume"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Welcome(String room, String ts, User you, List<User> members, int count, List<RoomEvent> history,
                   Boolean gap, String resume)
            implements ServerEvent {
        public Welcome {
            members = List.copyOf(members);
            history = List.copyOf(history);
        }

        @Override
        public String type() {
            return "welcome";
        }
    }

    /** @param count the room's members on every node right after this join; absent in events kept by older versions */
    @JsonPropertyOrder({"type", "room", "ts", "id", "user", "count"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Join(String room, String ts, String id, User user, Integer count) implements RoomEvent {
        public Join(String room, String ts, String id, User user) {
            this(room, ts, id, user, null);
        }

        @Override
        public Join withId(String id) {
            return new Join(room, ts, id, user, count);
        }

        @Override
        public String type() {
            return "join";
        }
    }

    /** @param count the room's members on every node right after this leave; absent in events kept by older versions */
    @JsonPropertyOrder({"type", "room", "ts", "id", "user", "count"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Leave(String room, String ts, String id, User user, Integer count) implements RoomEvent {
        public Leave(String room, String ts, String id, User user) {
            this(room, ts, id, user, null);
        }

        @Override
        public Leave withId(String id) {
            return new Leave(room, ts, id, user, count);
        }

        @Override
        public String type() {
            return "leave";
        }
    }

    /**
     * @param cid     the sender's own id for the message, echoed so it can mark it delivered; or null
     * @param removed true for the placeholder of a message a moderator removed (its text is gone); null otherwise
     */
    @JsonPropertyOrder({"type", "room", "ts", "id", "user", "text", "cid", "removed"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Message(String room, String ts, String id, User user, String text, String cid, Boolean removed)
            implements RoomEvent {
        public Message(String room, String ts, String id, User user, String text, String cid) {
            this(room, ts, id, user, text, cid, null);
        }

        public Message(String room, String ts, String id, User user, String text) {
            this(room, ts, id, user, text, null, null);
        }

        @Override
        public Message withId(String id) {
            return new Message(room, ts, id, user, text, cid, removed);
        }

        /** What the history keeps of it once removed: its id, time and sender, without its text or cid. */
        public Message placeholder() {
            return new Message(room, ts, id, user, "", null, Boolean.TRUE);
        }

        /** (Not {@code isRemoved}: a bean-style name would clash with the {@code removed} component in JSON.) */
        public boolean wasRemoved() {
            return Boolean.TRUE.equals(removed);
        }

        @Override
        public boolean kept() {
            return true;
        }

        @Override
        public String type() {
            return "message";
        }
    }

    /**
     * A moderator, or the operator's application, removed a message of the room: every page replaces it with a
     * placeholder. It takes a place in the room's order and is kept in the history, so a member who comes back with
     * {@code since} learns of it too.
     *
     * @param by      who removed it
     * @param message the removed message's id
     */
    @JsonPropertyOrder({"type", "room", "ts", "id", "message", "by"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Remove(String room, String ts, String id, User by, String message) implements RoomEvent {
        @Override
        @JsonIgnore
        public User user() {
            return by;
        }

        @Override
        public Remove withId(String id) {
            return new Remove(room, ts, id, by, message);
        }

        @Override
        public boolean kept() {
            return true;
        }

        @Override
        public String type() {
            return "remove";
        }
    }

    /**
     * The room's store lost events: those after {@code after} up to {@code through} (both ids of the room) are gone,
     * whatever they said. Redis came back with older data (a crash that lost its last second, a failover to a replica
     * that lagged, a restore), and a node that had delivered them found out. It takes a place in the room's order and
     * is kept in the history, so a member that never saw what was lost (its node was not hearing the room when they
     * were published) learns of it live, and one that comes back with {@code since} learns of it too. No user: the
     * server says it.
     *
     * @param after   the id of the last event the store still holds before the loss, or "0" when it holds none
     * @param through the highest id the node that found the loss had delivered
     */
    @JsonPropertyOrder({"type", "room", "ts", "id", "after", "through"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Lost(String room, String ts, String id, String after, String through) implements RoomEvent {
        @Override
        @JsonIgnore
        public User user() {
            return null;
        }

        @Override
        public Lost withId(String id) {
            return new Lost(room, ts, id, after, through);
        }

        @Override
        public boolean kept() {
            return true;
        }

        @Override
        public String type() {
            return "lost";
        }
    }

    /**
     * Sent to a moderator alone when its mute, unmute, kick or ban took effect.
     *
     * @param target the member's name as the moderator gave it
     * @param until  when a mute or ban ends; null for good (or until lifted), and for a kick or unmute
     */
    @JsonPropertyOrder({"type", "room", "ts", "action", "target", "until"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Moderated(String room, String ts, String action, String target, String until) implements ServerEvent {
        @Override
        public String type() {
            return "moderated";
        }
    }

    /** Someone is typing; sent to the others in the room, never stored, no id. */
    @JsonPropertyOrder({"type", "room", "ts", "user"})
    record Typing(String room, String ts, User user) implements ServerEvent {
        @Override
        public String type() {
            return "typing";
        }
    }

    /**
     * Sent only to the client whose frame was refused; the connection stays open.
     *
     * @param seconds for {@code muted}: how long the mute still holds (absent: until unmuted); null otherwise
     */
    @JsonPropertyOrder({"type", "room", "ts", "code", "reason", "seconds"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Error(String room, String ts, ErrorCode code, String reason, Long seconds) implements ServerEvent {
        public Error(String room, String ts, ErrorCode code, String reason) {
            this(room, ts, code, reason, null);
        }

        @Override
        public String type() {
            return "error";
        }
    }
}
