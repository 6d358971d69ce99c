package dev.chatwar.protocol;

/**
 * An encoded server event, ready to be written: made once per broadcast and shared by every recipient, with its
 * size on the wire computed once, so queues are bounded and traffic counted in bytes without touching the text again.
 *
 * @param text  the JSON text of one frame
 * @param bytes the UTF-8 length of {@code text}
 */
public record Frame(String text, int bytes) {

    public static Frame of(String text) {
        return new Frame(text, utf8Length(text));
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
