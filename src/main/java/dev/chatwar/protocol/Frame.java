package dev.chatwar.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An encoded server event, or several, ready to be written: made once per broadcast and shared by every recipient,
 * with its size on the wire computed once, so queues are bounded and traffic counted in bytes without touching the
 * text again. For connections that take binary frames its UTF-8 bytes are made once too, on first use, and shared.
 *
 * <p>A frame that carries several events has one per line: JSON never contains a raw newline, so a receiver that
 * asked for packed frames ({@code batch=1}) splits on {@code '\n'}. When to pack is {@link Packing}'s to say.
 */
public final class Frame {
    private final String text;
    private final int bytes;
    private final int events;
    /** {@code text} in UTF-8, made by the first binary send; a race makes it twice, which is harmless. */
    private volatile byte[] utf8;
    /** The last frame {@link #join} made starting with this one, for the next caller with the same parts. */
    private volatile Joined joined;

    private record Joined(Frame[] parts, Frame frame) {
        boolean madeOf(List<Frame> others) {
            if (parts.length != others.size()) {
                return false;
            }
            for (int i = 0; i < parts.length; i++) {
                if (parts[i] != others.get(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * @param text   the text of one WebSocket frame
     * @param bytes  the UTF-8 length of {@code text}
     * @param events how many events it carries (lines)
     */
    public Frame(String text, int bytes, int events) {
        this.text = text;
        this.bytes = bytes;
        this.events = events;
    }

    public String text() {
        return text;
    }

    public int bytes() {
        return bytes;
    }

    public int events() {
        return events;
    }

    /** The text's UTF-8 bytes, shared: callers must not change them. */
    public byte[] utf8() {
        byte[] encoded = utf8;
        if (encoded == null) {
            encoded = text.getBytes(StandardCharsets.UTF_8);
            utf8 = encoded;
        }
        return encoded;
    }

    @Override
    public String toString() {
        return text;
    }

    public Frame(String text, int bytes) {
        this(text, bytes, 1);
    }

    public static Frame of(String text) {
        return new Frame(text, utf8Length(text));
    }

    /**
     * One frame of these, one per line. The result is remembered on the first part, so every member whose queue
     * holds the same frames in the same order (the members of a room that are at the same point of it) gets the same
     * joined frame, built and encoded once, not one copy each. Parts are compared by identity.
     */
    public static Frame join(List<Frame> parts) {
        Frame first = parts.get(0);
        if (parts.size() == 1) {
            return first;
        }
        Joined known = first.joined;
        if (known != null && known.madeOf(parts)) {
            return known.frame();
        }
        int bytes = parts.size() - 1;
        int events = 0;
        for (Frame part : parts) {
            bytes += part.bytes();
            events += part.events();
        }
        StringBuilder text = new StringBuilder(bytes).append(first.text());
        for (int i = 1; i < parts.size(); i++) {
            text.append('\n').append(parts.get(i).text());
        }
        Frame frame = new Frame(text.toString(), bytes, events);
        first.joined = new Joined(parts.toArray(new Frame[0]), frame);
        return frame;
    }

    /** Exact: a char below U+0080 takes 1 byte, below U+0800 2, a surrogate pair 4 (2 each), others 3. */
    public static int utf8Length(String text) {
        int bytes = text.length();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                bytes += c < 0x800 || Character.isSurrogate(c) ? 1 : 2;
            }
        }
        return bytes;
    }
}
