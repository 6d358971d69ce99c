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
}
