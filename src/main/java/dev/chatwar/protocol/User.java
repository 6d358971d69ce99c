package dev.chatwar.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A member as others see them: the name in the room, the address the server saw, {@code verified: true} when the name
 * is a user's that the operator's application (a token) or the container vouched for (absent for guests), and
 * {@code moderator: true} for a moderator of the room (absent otherwise).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record User(String name, String address, Boolean verified, Boolean moderator) {
    /** A guest. */
    public User(String name, String address) {
        this(name, address, null, null);
    }

    /** Not a moderator. */
    public User(String name, String address, Boolean verified) {
        this(name, address, verified, null);
    }


    public boolean hasVerifiedName() {
        return Boolean.TRUE.equals(verified);
    }
}
