package dev.chatwar.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A set of rooms given as exact names or as prefixes ending in {@code *} ({@code team-*,staff}); {@code *} alone is
 * every room. How {@code CHAT_PRIVATE_ROOMS}, and a token's {@code rooms} and {@code mod} claims, name rooms.
 */
public record RoomPatterns(List<String> entries) {
    public static final RoomPatterns NONE = new RoomPatterns(List.of());
    private static final Pattern ENTRY = Pattern.compile("[A-Za-z0-9._-]{1,64}|[A-Za-z0-9._-]{0,63}\\*");

    public RoomPatterns {
        entries = List.copyOf(entries);
    }

    /**
     * From a comma-separated list.
     *
     * @throws IllegalArgumentException naming the first entry that is neither a room name nor a prefix with {@code *}
     */
    public static RoomPatterns parse(String list) {
        List<String> entries = new ArrayList<>();
        for (String entry : list.split(",")) {
            if (!entry.isBlank()) {
                entries.add(entry.strip());
            }
        }
        return of(entries);
    }

    /** @throws IllegalArgumentException naming the first entry that is neither a room name nor a prefix with {@code *} */
    public static RoomPatterns of(List<String> entries) {
        for (String entry : entries) {
            if (!ENTRY.matcher(entry).matches()) {
                throw new IllegalArgumentException("'" + entry + "' is neither a room name nor a prefix ending in *");
            }
        }
        return new RoomPatterns(entries);
    }

    /** Like {@link #of}, leaving out what is neither a name nor a prefix (a token's claim: the application's word). */
    public static RoomPatterns lenient(List<String> entries) {
        return new RoomPatterns(entries.stream().filter(entry -> ENTRY.matcher(entry).matches()).toList());
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public boolean matches(String room) {
        for (String entry : entries) {
            if (entry.endsWith("*") ? room.startsWith(entry.substring(0, entry.length() - 1)) : room.equals(entry)) {
                return true;
            }
        }
        return false;
    }
}
