package dev.chatwar.protocol;

/** What a client may ask for. Identity is never part of a frame: the server knows who sent it. */
public sealed interface ClientFrame {
    /** {@code {"type":"message","text":"…"}}, or any text frame that is not JSON. */
    record Say(String text) implements ClientFrame {
    }
}
