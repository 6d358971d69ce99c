package dev.chatwar.room;

import dev.chatwar.protocol.ServerEvent.RoomEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * This node's members of one room, in join order, and what the room's delivery must know of each: whether it awaits
 * its welcome (and the events kept for it meanwhile), whether its welcome reflected events the room has not yet
 * delivered, and who holds which resume token. Membership is by identity: two tabs of one person are two members.
 * Not thread-safe: the room's lock guards it.
 */
final class Members implements Iterable<Member> {
    /** Iteration order is join order. Includes those awaiting their welcome. */
    private final Set<Member> all = new LinkedHashSet<>();
    /** Members awaiting their welcome, with the events delivered since they were admitted. */
    private final Map<Member, List<RoomEvent>> awaitingWelcome = new HashMap<>();
    /**
     * Members whose welcome reflected events this room has not yet delivered, with the last id it reflected. A
     * snapshot read while the engine held the room's events back (it was repairing a lost subscription) is ahead of
     * the room: when those events arrive, these members have them already. Empty but for such a moment.
     */
    private final Map<Member, Long> welcomedAhead = new HashMap<>();
    /** Every member here by {@link Member#resumeKey}. */
    private final Map<String, Member> byResumeKey = new HashMap<>();

    /** Adds a member, awaiting its welcome. */
    void admit(Member member) {
        all.add(member);
        byResumeKey.put(member.resumeKey(), member);
        awaitingWelcome.put(member, new ArrayList<>());
    }

    /** @return false if the member was not here */
    boolean remove(Member member) {
        if (!all.remove(member)) {
            return false;
        }
        awaitingWelcome.remove(member);
        welcomedAhead.remove(member);
        byResumeKey.remove(member.resumeKey());
        return true;
    }

    boolean contains(Member member) {
        return all.contains(member);
    }

    boolean isEmpty() {
        return all.isEmpty();
    }

    int size() {
        return all.size();
    }

    /** The member holding the resume token with this key, or null. */
    Member byResumeKey(String resumeKey) {
        return byResumeKey.get(resumeKey);
    }

    /** The events kept for a member awaiting its welcome; null for one that had it. */
    List<RoomEvent> keptFor(Member member) {
        return awaitingWelcome.get(member);
    }

    boolean awaitsWelcome(Member member) {
        return awaitingWelcome.containsKey(member);
    }

    /**
     * The member has its welcome, which reflected the room through {@code lastId}, while this room has delivered
     * through {@code delivered}.
     *
     * @return the events kept for it meanwhile; null when it is not awaiting a welcome (it left, or was taken over)
     */
    List<RoomEvent> welcomed(Member member, long lastId, long delivered) {
        List<RoomEvent> meanwhile = awaitingWelcome.remove(member);
        if (meanwhile != null && lastId > delivered) {
            welcomedAhead.put(member, lastId);
        }
        return meanwhile;
    }

    /**
     * Whether some member's welcome already reflected this event. On every event of every round: the id is parsed
     * only in the rare moment a welcome is ahead.
     */
    boolean reflectedAhead(RoomEvent event) {
        if (welcomedAhead.isEmpty()) {
            return false;
        }
        long id = Long.parseLong(event.id());
        return welcomedAhead.values().stream().anyMatch(through -> id <= through);
    }

    /** Whether this member's welcome already reflected the event with this id. */
    boolean reflectedFor(Member member, long id) {
        Long through = welcomedAhead.get(member);
        return through != null && id <= through;
    }

    /** The room has delivered through {@code delivered}: welcomes that reflected no more are ahead no longer. */
    void deliveredThrough(long delivered) {
        welcomedAhead.values().removeIf(through -> through <= delivered);
    }

    List<Member> list() {
        return List.copyOf(all);
    }

    @Override
    public Iterator<Member> iterator() {
        return all.iterator();
    }
}
