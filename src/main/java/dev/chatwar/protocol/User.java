package dev.chatwar.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A member as others see them: the name in the room, the address the server saw, and {@code verified: true} when the
 * name is the user the container authenticated (absent for guests).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record User(String name, String address, Boolean verified) {
    /** A guest. */
    public User(String name, String address) {
        this(name, address, null);
    }

    public boolean hasVerifiedName() {
        return Boolean.TRUE.equals(verified);
    }
}
