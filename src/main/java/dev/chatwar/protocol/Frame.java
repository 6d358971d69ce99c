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
 *
 * <p>A joined frame ({@link #join}) makes its text and its bytes from its parts, each only when first asked for: a
 * binary connection gets the parts' bytes copied once into one array, and no text is built for it (building the text
 * and encoding it again took three copies of every joined frame, a good part of what the chat allocates under load).
 */
public final class Frame {
    /** The text; for a joined frame made from its parts on first use (a race makes it twice, which is harmless). */
    private volatile String text;
    private final int bytes;
    private final int events;
    /** {@code text} in UTF-8, made by the first binary send; a race makes it twice, which is harmless. */
    private volatile byte[] utf8;
    /** What a joined frame is made of, in order; null for any other frame. */
    private final Frame[] parts;
    /** The last frame {@link #join} made starting with this one, for the next caller with the same parts. */
    private volatile Frame joined;

    /**
     * @param text   the text of one WebSocket frame
     * @param bytes  the UTF-8 length of {@code text}
     * @param events how many events it carries (lines)
     */
    public Frame(String text, int bytes, int events) {
        this.text = text;
        this.bytes = bytes;
        this.events = events;
        this.parts = null;
    }

    private Frame(Frame[] parts, int bytes, int events) {
        this.parts = parts;
        this.bytes = bytes;
        this.events = events;
    }

    public String text() {
        String made = text;
        if (made == null) {
            StringBuilder joined = new StringBuilder(bytes).append(parts[0].text());
            for (int i = 1; i < parts.length; i++) {
                joined.append('\n').append(parts[i].text());
            }
            made = joined.toString();
            text = made;
        }
        return made;
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
            encoded = parts == null ? text.getBytes(StandardCharsets.UTF_8) : joinedBytes();
            utf8 = encoded;
        }
        return encoded;
    }

    /** The parts' bytes, one part per line, sized from the parts' own bytes. */
    private byte[] joinedBytes() {
        int size = parts.length - 1;
        for (Frame part : parts) {
            size += part.utf8().length;
        }
        byte[] joined = new byte[size];
        int at = 0;
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                joined[at++] = '\n';
            }
            byte[] piece = parts[i].utf8();
            System.arraycopy(piece, 0, joined, at, piece.length);
            at += piece.length;
        }
        return joined;
    }

    @Override
    public String toString() {
        return text();
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
     * joined frame, built and encoded once, not one copy each. Parts are compared by identity. Neither its text nor
     * its bytes are made here: each is made on first use, from the parts.
     */
    public static Frame join(List<Frame> parts) {
        Frame first = parts.get(0);
        if (parts.size() == 1) {
            return first;
        }
        Frame known = first.joined;
        if (known != null && known.madeOf(parts)) {
            return known;
        }
        int bytes = parts.size() - 1;
        int events = 0;
        for (Frame part : parts) {
            bytes += part.bytes();
            events += part.events();
        }
        Frame frame = new Frame(parts.toArray(new Frame[0]), bytes, events);
        first.joined = frame;
        return frame;
    }

    /** Whether this is a joined frame of exactly {@code others}, compared by identity. */
    private boolean madeOf(List<Frame> others) {
        if (parts == null || parts.length != others.size()) {
            return false;
        }
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] != others.get(i)) {
                return false;
            }
        }
        return true;
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
