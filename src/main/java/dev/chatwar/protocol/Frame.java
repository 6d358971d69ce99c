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
    /** {@code text} in UTF-8, made by the first binary or direct send; a race makes it twice, which is harmless. */
    private volatile byte[] utf8;
    /** The whole WebSocket frame (header and {@code utf8}), as text and as binary; made on first use, like {@code utf8}. */
    private volatile byte[] wireText;
    private volatile byte[] wireBinary;
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

    /**
     * This frame as one unfragmented, unmasked WebSocket frame (RFC 6455, 5.2): the header for a text or a binary
     * message, then {@link #utf8}. Made once per frame and kind and shared by every recipient, for a transport that
     * writes frames straight to the socket; callers must not change the bytes.
     */
    public byte[] wire(boolean binary) {
        byte[] made = binary ? wireBinary : wireText;
        if (made == null) {
            made = withHeader(binary ? OPCODE_BINARY : OPCODE_TEXT, utf8());
            if (binary) {
                wireBinary = made;
            } else {
                wireText = made;
            }
        }
        return made;
    }

    private static final int OPCODE_TEXT = 0x1;
    private static final int OPCODE_BINARY = 0x2;
    private static final int FIN = 0x80;

    /** A server's header carries no mask; the length takes 1, 3 or 9 bytes (7 bits, then 16 or 64). */
    static byte[] withHeader(int opcode, byte[] payload) {
        int length = payload.length;
        int header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
        byte[] frame = new byte[header + length];
        frame[0] = (byte) (FIN | opcode);
        if (header == 2) {
            frame[1] = (byte) length;
        } else if (header == 4) {
            frame[1] = 126;
            frame[2] = (byte) (length >>> 8);
            frame[3] = (byte) length;
        } else {
            frame[1] = 127;
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) length >>> (56 - 8 * i));
            }
        }
        System.arraycopy(payload, 0, frame, header, length);
        return frame;
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
