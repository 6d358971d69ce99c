package dev.chatwar.room;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/** The rules for room names and member names. Never trust the client: these run on every join. */
public final class Names {
    public static final String DEFAULT_ROOM = "lobby";
    static final int MAX_ROOM = 64;
    static final int MAX_NAME = 32;

    private static final Pattern ROOM = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_ROOM + "}");
    /** Letters of any script (with their combining marks), decimal digits, space, dot, underscore, hyphen. */
    private static final Pattern NAME = Pattern.compile("[\\p{L}\\p{M}\\p{Nd} ._-]+");

    private Names() {
    }

    /** @param raw the {@code room} query parameter, or null; missing or empty means {@value #DEFAULT_ROOM} */
    public static String room(String raw) throws JoinRefusedException {
        if (raw == null || raw.isEmpty()) {
            return DEFAULT_ROOM;
        }
        if (!ROOM.matcher(raw).matches()) {
            throw new JoinRefusedException("room", "must be 1 to " + MAX_ROOM + " characters of A-Z a-z 0-9 . _ -");
        }
        return raw;
    }

    /**
     * @param raw     the {@code name} query parameter, or null
     * @param address the client's address, which is the name when none is given (as in the seed)
     */
    public static String member(String raw, String address) throws JoinRefusedException {
        String name = raw == null ? "" : raw.strip();
        if (name.isEmpty()) {
            return address;
        }
        if (name.codePointCount(0, name.length()) > MAX_NAME) {
            throw new JoinRefusedException("name", "longer than " + MAX_NAME + " characters");
        }
        if (!NAME.matcher(name).matches()) {
            throw new JoinRefusedException("name", "only letters, digits, space, '.', '_' and '-' are allowed");
        }
        return name;
    }

    /** Two names that give the same key cannot be in one room together ("Alice", "alice" and "ａｌｉｃｅ" are one). */
    static String key(String name) {
        return Normalizer.normalize(name, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    }
}
