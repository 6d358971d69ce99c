package dev.chatwar.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A member as others see them: the name in the room, the address the server saw, {@code verified: true} when the name
 * is a user's that the operator's application (a token) or the container vouched for (absent for guests),
 * {@code moderator: true} for a moderator of the room (absent otherwise), and for what the operator's application
 * posts through the server API its {@code kind} ({@link #APPLICATION}, {@link #BOT} or {@link #SYSTEM}; absent for
 * people).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record User(String name, String address, Boolean verified, Boolean moderator, String kind) {
    /** The operator's application itself, posting or moderating through the server API. */
    public static final String APPLICATION = "application";
    /** A named bot the application posts as. */
    public static final String BOT = "bot";
    /** A system notice the application posts. */
    public static final String SYSTEM = "system";

    /** A guest. */
    public User(String name, String address) {
        this(name, address, null, null, null);
    }

    /** Not a moderator. */
    public User(String name, String address, Boolean verified) {
        this(name, address, verified, null, null);
    }

    /** A person. */
    public User(String name, String address, Boolean verified, Boolean moderator) {
        this(name, address, verified, moderator, null);
    }

    /** What the application posts or acts as: no address, vouched for by the application. */
    public static User of(String kind, String name) {
        return new User(name, null, Boolean.TRUE, null, kind);
    }

    /** (Not {@code isModerator}: a bean-style name would clash with the {@code moderator} component in JSON.) */
    public boolean moderates() {
        return Boolean.TRUE.equals(moderator);
    }


    public boolean hasVerifiedName() {
        return Boolean.TRUE.equals(verified);
    }
}
