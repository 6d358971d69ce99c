package dev.chatwar.engine.redis;

import dev.chatwar.protocol.ServerEvent.Join;
import dev.chatwar.protocol.ServerEvent.Leave;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.User;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One room's presence as this node has seen it, in the room's order: the members as of one id, read whole from Redis
 * once and then kept by the room's own join and leave events (as Phoenix Presence keeps a local copy). A welcome is
 * built from it and the history, so a newcomer costs Redis one read of the history, not of every member: a storm of n
 * joins no longer reads n² members.
 *
 * <p>Members are counted by name: one verified user's connections share one name, and each is one member. A member
 * is shown as its last join showed it (a resume that took over its place from another address is not an event of
 * the room's order, so the replica keeps the address it joined with).
 *
 * <p>Not thread-safe: its room's channel guards it.
 */
final class PresenceReplica {
    /** Each name with the member it shows and how many members use it, in the order they came. */
    private final Map<String, Named> byName = new LinkedHashMap<>();
    private long at;
    private int count;

    private static final class Named {
        User user;
        int members;

        Named(User user) {
            this.user = user;
        }
    }

    /** The presence as Redis gave it at {@code lastId} ({@code snapshot.lua}), then what came after it. */
    PresenceReplica(long lastId, List<User> members, List<RoomEvent> since) {
        this.at = lastId;
        members.forEach(this::joined);
        since.forEach(this::apply);
    }

    /** A delivered event of the room; only joins and leaves after the replica's id change it. */
    void apply(RoomEvent event) {
        long id = Long.parseLong(event.id());
        if (id <= at) {
            return; // reflected already in what was read
        }
        at = id;
        if (event instanceof Join join) {
            joined(join.user());
        } else if (event instanceof Leave leave) {
            Named named = byName.get(leave.user().name());
            if (named != null) {
                count--;
                if (--named.members == 0) {
                    byName.remove(leave.user().name());
                }
            }
        }
    }

    private void joined(User user) {
        byName.computeIfAbsent(user.name(), name -> new Named(user)).user = user;
        byName.get(user.name()).members++;
        count++;
    }

    /** The id the replica reflects: every event up to it, none after. */
    long at() {
        return at;
    }

    int count() {
        return count;
    }

    /** The members, one entry per member, or none when there are more than {@code limit}. */
    List<User> members(int limit) {
        if (count > limit) {
            return List.of();
        }
        List<User> members = new ArrayList<>(count);
        for (Named named : byName.values()) {
            for (int i = 0; i < named.members; i++) {
                members.add(named.user);
            }
        }
        return members;
    }
}
