package dev.chatwar.room;

import dev.chatwar.protocol.User;
import java.util.concurrent.CompletableFuture;

/** One connection's place in one room. Equality is identity: two tabs of one person are two members. */
public final class Member {
    static final long TYPING_INTERVAL_NANOS = 1_000_000_000L;
    private final String room;
    private final User user;
    private final Connection connection;
    private final String nameKey;
    /** What this member's client presents to take over its place after a reconnect; see {@link ResumeTokens}. */
    private final String resumeToken;
    private final String resumeKey;
    /**
     * Completes true once the room's order holds this member's {@code join} (its {@code leave} may follow only then),
     * false when it never will: the member left before its welcome, or the engine could not order the join.
     */
    private final CompletableFuture<Boolean> announced = new CompletableFuture<>();
    /** Who the member is to a ban or a mute: its user, its verified name, its client address; see {@link #targets}. */
    private final java.util.List<dev.chatwar.protocol.Sanction.Target> targets;
    /** When this member's last typing notice went out; only the member's own message handler touches it. */
    private long lastTypingAt = Long.MIN_VALUE / 2;

    /**
     * @param resumeToken from {@link ResumeTokens#next}: the engine's presence holds the member under its key
     * @param userId      a verified user's identity ({@code t:<sub>}, {@code c:<login>}), or null for a guest
     * @param client      the client's address as the connection limits count it (an IPv6 address by its prefix)
     */
    Member(String room, User user, Connection connection, String resumeToken, String userId, String client) {
        this.room = room;
        this.user = user;
        this.connection = connection;
        this.nameKey = Names.key(user.name());
        this.resumeToken = resumeToken;
        this.resumeKey = ResumeTokens.key(resumeToken);
        this.targets = Moderation.targets(userId, user.hasVerifiedName() ? nameKey : null, client);
    }

    /** What a sanction that holds this member names: its user, its verified name, or its client address. */
    java.util.List<dev.chatwar.protocol.Sanction.Target> targets() {
        return targets;
    }

    /** Whether a kick or a sanction of this target reaches this member; a kick by name reaches guests too. */
    boolean isHeldBy(dev.chatwar.protocol.Sanction.Target target) {
        return target.kind() == dev.chatwar.protocol.Sanction.Kind.NAME ? nameKey.equals(target.value())
                : targets.contains(target);
    }

    String resumeToken() {
        return resumeToken;
    }

    /** What the room files this member under for a takeover: {@link ResumeTokens#key} of its token. */
    String resumeKey() {
        return resumeKey;
    }

    String nameKey() {
        return nameKey;
    }

    CompletableFuture<Boolean> announced() {
        return announced;
    }

    /** At most one typing notice a second per member reaches the room; the rest are dropped. */
    boolean mayAnnounceTyping(long now) {
        if (now - lastTypingAt < TYPING_INTERVAL_NANOS) {
            return false;
        }
        lastTypingAt = now;
        return true;
    }

    public String room() {
        return room;
    }

    public User user() {
        return user;
    }

    public Connection connection() {
        return connection;
    }

    @Override
    public String toString() {
        return user.name() + "@" + room;
    }
}
