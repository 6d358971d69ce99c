package dev.chatwar.protocol;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The stable words an {@code error} event carries in {@code code}. */
public enum ErrorCode {
    /** The frame is not a request the server understands. */
    BAD_REQUEST,
    /** The message text is empty or only white space. */
    EMPTY,
    /** The message text is longer than {@code CHAT_MAX_MESSAGE_CHARS}. */
    TOO_LONG,
    /** The connection sent faster than {@code CHAT_RATE_PER_SECOND} allows; the frame was dropped. */
    RATE_LIMITED,
    /** The chat cannot order messages now (its store is unreachable); nothing was delivered, send it again. */
    UNAVAILABLE,
    /** A moderation frame from a member who does not moderate the room; the room notices nothing. */
    FORBIDDEN,
    /** A moderation frame names a member who is not in the room, or a message the room's history does not hold. */
    NOT_FOUND,
    /** The member is muted in this room; {@code seconds} says for how much longer (absent: until unmuted). */
    MUTED;

    @JsonValue
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
