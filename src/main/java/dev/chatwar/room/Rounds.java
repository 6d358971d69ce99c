package dev.chatwar.room;

import dev.chatwar.protocol.Frame;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.Packing;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The fan-out of one room's events to its members here, in rounds. Delivered events gather into a round; the first
 * event of a round asks for a fan-out, and events delivered until it runs join the round, with no deliberate delay.
 * A round goes out in order: events that reach every member as runs, each event encoded once and each run packed
 * once per {@link Packing} (the same frames for every member that packs alike); an event only some receive (past the
 * presence limit) one by one. Members awaiting their welcome keep the events instead, for the merge.
 *
 * <p>Frames are only <em>queued</em> here, under the room's lock, which guards this class; the writes start after the
 * lock is released ({@link #finish}).
 */
final class Rounds {
    private final FrameCodec codec;
    private final Telemetry telemetry;
    private final PresenceRule presence;
    /** Events delivered and not yet queued for the members: the round being gathered, in the engine's order. */
    private final List<RoomEvent> round = new ArrayList<>();
    /** Whether a fan-out of the round has been asked for and has not run yet. */
    private boolean scheduled;
    /** The highest id this room has fanned out. */
    private long delivered = Long.MIN_VALUE;
    /** Answers to resends whose originals this room has not yet delivered; see {@link #answer}. */
    private final List<Answer> answersAhead = new ArrayList<>();

    /** An event for one member alone. */
    private record Answer(Member member, RoomEvent event) {
    }

    Rounds(FrameCodec codec, Telemetry telemetry, PresenceRule presence) {
        this.codec = codec;
        this.telemetry = telemetry;
        this.presence = presence;
    }

    /**
     * Adds a delivered event to the round.
     *
     * @return true for the round's first event: the caller asks the round runner for a fan-out
     */
    boolean gather(RoomEvent event) {
        round.add(event);
        if (scheduled) {
            return false;
        }
        scheduled = true;
        return true;
    }

    /** The highest id fanned out so far. */
    long delivered() {
        return delivered;
    }

    /** Queues the round gathered so far for the members, in order; the connections to flush go to {@code toFlush}. */
    void fanOut(Members members, ArrayList<Connection> toFlush) {
        scheduled = false;
        int from = 0;
        while (from < round.size()) {
            int to = from;
            while (to < round.size() && presence.reachesAll(round.get(to))
                    && !members.reflectedAhead(round.get(to))) {
                to++;
            }
            if (to > from) {
                toAll(members, round.subList(from, to), toFlush);
                from = to;
            } else {
                toSome(members, round.get(from++), toFlush);
            }
        }
        if (!round.isEmpty()) {
            delivered = Math.max(delivered, Long.parseLong(round.get(round.size() - 1).id()));
            members.deliveredThrough(delivered);
            answersAhead.removeIf(answer -> {
                if (Long.parseLong(answer.event().id()) > delivered) {
                    return false;
                }
                if (members.contains(answer.member())) {
                    queue(answer.member().connection(), codec.encode(answer.event()), toFlush);
                }
                return true;
            });
        }
        round.clear();
    }

    private void toAll(Members members, List<RoomEvent> events, ArrayList<Connection> toFlush) {
        // Sized here, where the round is known to reach everyone: a round that reaches one member (a join past the
        // presence limit) must not cost a room-sized array, which made joining a large room quadratic in garbage.
        toFlush.ensureCapacity(toFlush.size() + members.size());
        List<Frame> singles = null;
        List<Frame> packed = null;
        Packing packedFor = null;
        for (Member member : members) {
            List<RoomEvent> meanwhile = members.keptFor(member);
            if (meanwhile != null) {
                meanwhile.addAll(events);
                continue;
            }
            if (singles == null) {
                singles = new ArrayList<>(events.size());
                for (RoomEvent event : events) {
                    singles.add(codec.encode(event));
                }
            }
            Connection connection = member.connection();
            Packing packing = connection.packing();
            List<Frame> frames = singles;
            if (packing.packs()) {
                if (!packing.equals(packedFor)) { // few packings in practice: 64 KiB, or a text client's buffer
                    packed = packing.pack(singles);
                    packedFor = packing;
                }
                frames = packed;
            }
            // Indexed, not for-each: this runs once per member and round, and an iterator per member is garbage the
            // JIT's escape analysis does not always remove (it was 43 % of the bytes allocated in one profiled run).
            for (int i = 0; i < frames.size(); i++) {
                queue(connection, frames.get(i), toFlush);
            }
        }
    }

    private void toSome(Members members, RoomEvent event, List<Connection> toFlush) {
        Frame frame = null;
        long id = Long.parseLong(event.id());
        for (Member member : members) {
            if (members.reflectedFor(member, id) || !presence.reaches(member.user(), event)) {
                continue;
            }
            List<RoomEvent> meanwhile = members.keptFor(member);
            if (meanwhile != null) {
                meanwhile.add(event);
            } else {
                if (frame == null) {
                    frame = codec.encode(event);
                }
                queue(member.connection(), frame, toFlush);
            }
        }
    }

    /**
     * Queues one event for one member alone, never ahead of the room: an event this room has not yet delivered (it
     * waits behind a repair, or is still on its way from the engine) is queued once the room has delivered it, so
     * the member's stream stays in the room's order. Call after {@link #fanOut}.
     */
    void answer(Member member, RoomEvent event, List<Connection> toFlush) {
        if (Long.parseLong(event.id()) <= delivered) {
            queue(member.connection(), codec.encode(event), toFlush);
        } else {
            answersAhead.add(new Answer(member, event));
        }
    }

    /** Queues a frame for a connection; the connection joins {@code toFlush} when it must be flushed. */
    static void queue(Connection connection, Frame frame, List<Connection> toFlush) {
        if (connection.enqueue(frame)) {
            toFlush.add(connection);
        }
    }

    /** Starts the writes queued under the lock; the lock must not be held. */
    void finish(List<Connection> toFlush, long start) {
        for (Connection connection : toFlush) {
            connection.flush();
        }
        telemetry.broadcast(System.nanoTime() - start);
    }
}
