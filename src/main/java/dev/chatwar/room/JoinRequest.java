package dev.chatwar.room;

/**
 * What a connecting client asks for, as it sent it (its query parameters), with what only the server knows of it:
 * its address, and the user the container authenticated. {@link ChatService#admit} validates it.
 *
 * @param room      the {@code room} parameter, or null
 * @param name      the {@code name} parameter, or null; ignored for an authenticated user
 * @param address   the client's address as the server saw it
 * @param principal the name of the user the container authenticated, or null for a guest
 * @param since     the {@code since} parameter: the last message id the client saw, or null
 * @param resume    the {@code resume} parameter: the token of the member whose place to take over, or null
 * @param userId    who the verified user is, whatever its display name: {@code t:<sub>} for a token's user,
 *                  {@code c:<login>} for the container's; null for a guest
 * @param moderator whether the user moderates the room (its token's {@code mod} claim, or the container role
 *                  {@code chat-moderator})
 */
public record JoinRequest(String room, String name, String address, String principal, String since, String resume,
                          String userId, boolean moderator) {

    /** A guest ({@code principal} null), or a user the container authenticated under that name; no moderator. */
    public JoinRequest(String room, String name, String address, String principal, String since, String resume) {
        this(room, name, address, principal, since, resume,
                principal == null || principal.isBlank() ? null : "c:" + principal.strip(), false);
    }

    /** A guest's first join: no recovery, no takeover. */
    public static JoinRequest guest(String room, String name, String address) {
        return new JoinRequest(room, name, address, null, null, null);
    }

    public JoinRequest since(String lastSeen) {
        return new JoinRequest(room, name, address, principal, lastSeen, resume, userId, moderator);
    }

    public JoinRequest resume(String token) {
        return new JoinRequest(room, name, address, principal, since, token, userId, moderator);
    }
}
