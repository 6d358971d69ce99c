package dev.chatwar.protocol;

/** What a client may ask for. Identity is never part of a frame: the server knows who sent it. */
public sealed interface ClientFrame {
    /**
     * {@code {"type":"message","text":"…","cid":"…"}}, or any text frame that is not JSON.
     *
     * @param cid the client's own id for the message, so a resend after a reconnect is not delivered twice; or null
     */
    record Say(String text, String cid) implements ClientFrame {
        public Say(String text) {
            this(text, null);
        }
    }

    /** {@code {"type":"typing"}}: the member is typing; relayed to the others, never stored. */
    record Typing() implements ClientFrame {
    }

    /** {@code {"type":"remove","message":"<id>"}}: a moderator removes a message of the room. */
    record Remove(String message, String reason) implements ClientFrame {
    }

    /**
     * {@code {"type":"mute|unmute|kick|ban","name":"<member>","seconds":N,"reason":"…"}}: a moderator acts on a member
     * of the room.
     *
     * @param seconds how long a mute or ban holds; null for good (a ban) or until unmuted (a mute)
     * @param reason  why, for the audit trail; or null
     */
    record Moderate(Action action, String name, Long seconds, String reason) implements ClientFrame {
    }

    /** What a moderator can do to a member in-band. */
    enum Action {
        MUTE, UNMUTE, KICK, BAN;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
