package dev.chatwar.room;

import dev.chatwar.protocol.User;

/** One connection's place in one room. Equality is identity: two tabs of one person are two members. */
public final class Member {
    private final String room;
    private final User user;
    private final Connection connection;
    private final String nameKey;

    Member(String room, User user, Connection connection) {
        this.room = room;
        this.user = user;
        this.connection = connection;
        this.nameKey = Names.key(user.name());
    }

    String nameKey() {
        return nameKey;
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
