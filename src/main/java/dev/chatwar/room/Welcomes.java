package dev.chatwar.room;

import dev.chatwar.engine.Engine;
import dev.chatwar.protocol.ServerEvent.Join;
import dev.chatwar.protocol.ServerEvent.Leave;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.ServerEvent.Welcome;
import dev.chatwar.protocol.Timestamps;
import dev.chatwar.protocol.User;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a newcomer is sent once its room's snapshot is read: its {@code welcome}, then the events delivered while it
 * waited that the snapshot does not reflect. Together they hold everything that happened from the admission on, once.
 *
 * <p>Without {@code since}, the welcome carries the recent history (messages, removed ones as their placeholders, and
 * the removals). With it: what the history keeps after {@code since} and {@code gap: false} when the history still
 * holds the message or removal {@code since} names (ids only grow, and the history
 * loses only its oldest), else the recent history and {@code gap: true} (evicted, lost in a restart, a store that
 * came back older, or an id that names no message).
 */
final class Welcomes {
    private final String room;
    private final Clock clock;
    private final PresenceRule presence;

    Welcomes(String room, Clock clock, PresenceRule presence) {
        this.room = room;
        this.clock = clock;
        this.presence = presence;
    }

    Welcome welcome(Member newcomer, Engine.Snapshot snapshot, String since) {
        User you = newcomer.user();
        String resume = newcomer.resumeToken();
        String ts = Timestamps.format(clock.instant());
        List<User> present = presence.listed(snapshot);
        int count = snapshot.count();
        List<RoomEvent> recent = snapshot.history();
        if (since == null) {
            return new Welcome(room, ts, you, present, count, recent, null, resume);
        }
        long after;
        try {
            after = Long.parseLong(since);
        } catch (NumberFormatException e) {
            return new Welcome(room, ts, you, present, count, recent, true, resume);
        }
        // The history holds the room's last messages without a hole, so a message id it does not hold is one the
        // store evicted, lost (it came back with older data, or was wiped; newer events may be gone too), or never
        // gave: what followed it cannot be vouched for.
        if (recent.stream().noneMatch(m -> Long.parseLong(m.id()) == after)) {
            return new Welcome(room, ts, you, present, count, recent, true, resume);
        }
        List<RoomEvent> missed = recent.stream().filter(m -> Long.parseLong(m.id()) > after).toList();
        return new Welcome(room, ts, you, present, count, missed, false, resume);
    }

    /**
     * Of the events delivered while the newcomer awaited its welcome, those still to send after it: the ones after
     * the snapshot's {@code lastId}. A member enters the presence a moment before its join is ordered, so the welcome
     * may list someone whose join comes after it: that join tells the newcomer nothing new and is left out (its own
     * is not).
     */
    List<RoomEvent> after(Member newcomer, Engine.Snapshot snapshot, List<RoomEvent> meanwhile) {
        Set<User> listed = new HashSet<>(presence.listed(snapshot));
        List<RoomEvent> toSend = new ArrayList<>(meanwhile.size());
        for (RoomEvent event : meanwhile) {
            if (Long.parseLong(event.id()) <= snapshot.lastId()) {
                continue; // the snapshot reflects it
            }
            if (event instanceof Leave) {
                listed.remove(event.user());
            } else if (event instanceof Join && !event.user().equals(newcomer.user())
                    && listed.remove(event.user())) {
                continue;
            }
            toSend.add(event);
        }
        return toSend;
    }
}
