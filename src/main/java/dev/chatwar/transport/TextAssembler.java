package dev.chatwar.transport;

import dev.chatwar.protocol.Frame;

/**
 * Puts a text message back together from the parts a container delivers and holds it to a size limit in bytes of
 * UTF-8. A message that fits in one part (every ordinary chat frame) is passed on as it came, without a copy; a longer
 * one is collected only up to the limit, so an oversized message is refused while it arrives, never held whole.
 *
 * <p>Why parts at all: for a whole-message handler with a size limit, Tomcat sizes the session's text buffer to that
 * limit on the first message and keeps it for the connection's life, so a 64 KiB limit cost 128 KiB of heap for
 * every member who ever said anything. Taking parts, the buffer stays at the container's default and only a
 * message in progress costs memory. Not thread-safe: a container delivers one session's parts one at a time.
 */
final class TextAssembler {
    enum Outcome {
        /** More parts to come; nothing to do yet. */
        MORE,
        /** The message is complete and within the limit: {@link #take()} it. */
        WHOLE,
        /** The message is over the limit; reported once, its remaining parts are dropped. */
        TOO_BIG
    }

    private final int maxBytes;
    private StringBuilder collected;
    private String whole;
    private boolean dropping;

    TextAssembler(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    Outcome add(String part, boolean last) {
        if (dropping) {
            dropping = !last;
            return Outcome.MORE;
        }
        if (collected == null && last) {
            return finish(part);
        }
        if (collected == null) {
            collected = new StringBuilder(part.length() * 2);
        }
        if ((long) collected.length() + part.length() > maxBytes) { // more characters than bytes allowed
            collected = null;
            dropping = !last;
            return Outcome.TOO_BIG;
        }
        collected.append(part);
        if (!last) {
            return Outcome.MORE;
        }
        String text = collected.toString();
        collected = null;
        return finish(text);
    }

    /** The message {@link #add} reported {@link Outcome#WHOLE} for. */
    String take() {
        String text = whole;
        whole = null;
        return text;
    }

    private Outcome finish(String text) {
        if (text.length() > maxBytes
                || (long) text.length() * 3 > maxBytes && Frame.utf8Length(text) > maxBytes) {
            return Outcome.TOO_BIG;
        }
        whole = text;
        return Outcome.WHOLE;
    }
}
