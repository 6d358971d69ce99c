package dev.chatwar.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * A ban or a mute: whom it holds ({@link Target}), where (a room, or {@link #EVERY_ROOM}), until when, who imposed it
 * and why. Kept chat-wide by the engine's {@code Sanctions}; every node holds a copy.
 *
 * @param until  when it ends, in epoch milliseconds; null for good (a ban) or until lifted (a mute)
 * @param by     who imposed it: a moderator's name, or the application's ({@code api}, or the container login)
 * @param reason why, as given (at most 200 characters), or null
 * @param at     when it was imposed, in epoch milliseconds
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Sanction(Type type, String room, Target target, Long until, String by, String reason, long at) {
    /** The room of a chat-wide sanction. */
    public static final String EVERY_ROOM = "*";

    public enum Type {
        BAN, MUTE;

        @JsonValue
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Whom a sanction holds.
     * <ul>
     *   <li>{@link Kind#USER}: a verified user by its identity ({@code t:<sub>} for a token's user, {@code c:<login>}
     *       for a container login), on whatever name or address;
     *   <li>{@link Kind#NAME}: a verified name (its key: NFKC, case folded), which one user owns chat-wide;
     *   <li>{@link Kind#ADDRESS}: a client address, an IPv6 one by its prefix ({@code CHAT_IPV6_PREFIX}), as the
     *       connection limits count clients: every guest and user connecting from there.
     * </ul>
     */
    public record Target(Kind kind, String value) {
        @Override
        public String toString() {
            return kind.word() + ":" + value;
        }
    }

    public enum Kind {
        USER, NAME, ADDRESS;

        @JsonValue
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Whether it still holds at {@code nowMillis}. */
    public boolean holdsAt(long nowMillis) {
        return until == null || until > nowMillis;
    }

    /** What identifies it: one sanction per type, room and target; a new one replaces the old. */
    @JsonIgnore
    public String key() {
        return key(type, room, target);
    }

    public static String key(Type type, String room, Target target) {
        return type.word() + "|" + room + "|" + target;
    }
}
