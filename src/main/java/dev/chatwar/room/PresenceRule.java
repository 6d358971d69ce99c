package dev.chatwar.room;

import dev.chatwar.engine.Engine;
import dev.chatwar.protocol.ServerEvent.Join;
import dev.chatwar.protocol.ServerEvent.Leave;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.User;
import java.util.List;

/**
 * Who hears of whom in a room. Presence is quadratic: in a room of n, n joins send n² frames and n welcomes list n²/2
 * names. So only rooms of at most {@code limit} members (on every node: each {@code join} and {@code leave} carries
 * the count) announce joins and leaves to everyone and list everyone in {@code welcome}; a larger room tells a
 * newcomer only about itself (its own {@code join}) and the total {@code count}. Messages and removals always reach
 * everyone.
 */
record PresenceRule(int limit) {

    /** Whether the event goes to every member. */
    boolean reachesAll(RoomEvent event) {
        return event.kept() // messages and removals
                || event instanceof Join join && (join.count() == null || join.count() <= limit)
                || event instanceof Leave leave && (leave.count() == null || leave.count() < limit);
        // (a leave: the room had at most the limit before it)
    }

    /** Whether the event goes to this member: past the limit a newcomer still sees its own join. */
    boolean reaches(User member, RoomEvent event) {
        return reachesAll(event) || event instanceof Join join && join.user().equals(member);
    }

    /** The members a welcome lists: all of them while the room is within the limit, else none. */
    List<User> listed(Engine.Snapshot snapshot) {
        return snapshot.count() <= limit ? snapshot.members() : List.of();
    }
}
