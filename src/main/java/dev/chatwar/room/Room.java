package dev.chatwar.room;

import dev.chatwar.engine.Engine;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.Frame;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.ServerEvent.Join;
import dev.chatwar.protocol.ServerEvent.Leave;
import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.ServerEvent.Typing;
import dev.chatwar.protocol.ServerEvent.Welcome;
import dev.chatwar.protocol.Timestamps;
import dev.chatwar.protocol.User;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * This node's members of one room, and the delivery of the room's events to them.
 *
 * <p>The room does not order anything: the engine does, and {@link #deliver} receives the room's events in that
 * order, whichever node published them, this one included. Delivered events gather into a <em>round</em>, which the
 * room's round runner fans out: each event is encoded once, and for the members that take packed frames
 * ({@code batch=1}) the round is packed once into as few frames as fit ({@link Frame#pack}), the same frames for all
 * of them. A lone event in a quiet room is a round of one and leaves at once; events that arrive while the runner has
 * not yet got to the room join the round, with no deliberate delay. (The chat runs rounds on the delivering thread;
 * see {@code ChatBootstrap} for why.) Under the room's lock frames are only <em>queued</em> for each member; the
 * writes start after the lock is released ({@link Connection#flush}). The room never calls the engine while it holds
 * its lock.
 *
 * <p>A newcomer is <em>admitted</em> first, and waits for its {@code welcome}: the events delivered meanwhile are
 * kept for it, and {@link #welcome} merges them with the history read after the admission, so nothing that happened
 * in between is lost or shown twice. The read may also be ahead of what the room has been delivered (see
 * {@link #welcomedAhead}): what it reflected is not sent to the newcomer again when it arrives. A room that became
 * empty is closed for good; the registry replaces it with a new one on the next join.
 *
 * <p>Who is in the room, and which names are taken, the engine keeps for every node; the room holds this node's
 * members only. Presence is quadratic: in a room of n, n joins send n² frames and n welcomes list n²/2 names. So only
 * rooms of at most {@code presenceLimit} members (on every node: each {@code join} and {@code leave} carries the
 * count) announce joins and leaves to everyone and list everyone in {@code welcome}; a larger room tells a newcomer
 * only about itself (its own {@code join}) and the total {@code count}. Messages always reach everyone.
 */
final class Room implements Engine.Subscriber {
    private final String name;
    private final FrameCodec codec;
    private final Clock clock;
    private final Telemetry telemetry;

    /** Iteration order is join order; membership checks are by identity. Includes those awaiting their welcome. */
    private final Set<Member> members = new LinkedHashSet<>();
    /** Members awaiting their welcome, with the events delivered since they were admitted. */
    private final Map<Member, List<RoomEvent>> awaitingWelcome = new HashMap<>();
    /**
     * Members whose welcome reflected events this room has not yet delivered, with the last id it reflected. A
     * snapshot read while the engine held the room's events back (it was repairing a lost subscription) is ahead of
     * the room: when those events arrive, these members have them already. Empty but for such a moment.
     */
    private final Map<Member, Long> welcomedAhead = new HashMap<>();
    /** The highest id this room has fanned out. */
    private long delivered = Long.MIN_VALUE;
    /** Answers to resends whose originals this room has not yet delivered; see {@link #sendTo}. */
    private final List<Answer> answersAhead = new ArrayList<>();
    /** Every member here by {@link Member#resumeKey}. */
    private final Map<String, Member> byResumeKey = new HashMap<>();
    private final int presenceLimit;
    /** Told when a member here was taken over by a reconnect and has gone; called holding no lock. */
    private final BiConsumer<Room, Member> replaced;
    private boolean closed;
    /** Events delivered and not yet queued for the members: the round being gathered, in the engine's order. */
    private final List<RoomEvent> round = new ArrayList<>();
    /** Whether a fan-out of the round is on its way to the runner. */
    private boolean roundScheduled;
    private final Executor roundRunner;
    private final Runnable roundTask = this::runRound;
    /** An event for one member alone. */
    private record Answer(Member member, RoomEvent event) {
    }

    /** This room's subscription with the engine: the last attempt, retried by the registry when it failed. */
    final AtomicReference<CompletableFuture<Void>> subscription = new AtomicReference<>();

    /** @param roundRunner fans out the rounds; events delivered while it has not got to this room join the round */
    Room(String name, FrameCodec codec, Clock clock, Telemetry telemetry, int presenceLimit, Executor roundRunner,
         BiConsumer<Room, Member> replaced) {
        this.roundRunner = roundRunner;
        this.presenceLimit = presenceLimit;
        this.replaced = replaced;
        this.name = name;
        this.codec = codec;
        this.clock = clock;
        this.telemetry = telemetry;
    }

    String name() {
        return name;
    }

    /**
     * Admits a member, who then awaits its {@link #welcome}. Its name is the one the engine's presence gave it.
     *
     * @return false if this room has closed meanwhile (join a fresh one instead)
     */
    synchronized boolean admit(Member member) {
        if (closed) {
            return false;
        }
        members.add(member);
        byResumeKey.put(member.resumeKey(), member);
        awaitingWelcome.put(member, new ArrayList<>());
        return true;
    }

    /**
     * Sends an admitted member its welcome, built from the room's snapshot as read after the admission, then every
     * event delivered since that the snapshot does not reflect (those after its {@code lastId}).
     *
     * <p>Without {@code since}: the recent history. With it: the messages after {@code since} and {@code gap: false}
     * when the history still holds the message {@code since} names (ids only grow, and the history loses only its
     * oldest), else the recent history and {@code gap: true} (evicted, lost in a restart, a store that came back
     * older, or an id that names no message).
     *
     * @return false when the member is no longer here (it left, or was taken over, meanwhile)
     */
    boolean welcome(Member newcomer, Engine.Snapshot snapshot, String since) {
        List<Connection> toFlush = new ArrayList<>();
        boolean welcomed = welcomeLocked(newcomer, snapshot, since, toFlush);
        finish(toFlush, System.nanoTime());
        return welcomed;
    }

    private synchronized boolean welcomeLocked(Member newcomer, Engine.Snapshot snapshot, String since,
                                               List<Connection> toFlush) {
        fanOutLocked(toFlush); // what was ordered before now reaches the newcomer as "meanwhile", for the merge
        List<RoomEvent> meanwhile = awaitingWelcome.remove(newcomer);
        if (meanwhile == null) {
            return false;
        }
        if (snapshot.lastId() > delivered) {
            welcomedAhead.put(newcomer, snapshot.lastId());
        }
        List<User> present = snapshot.count() <= presenceLimit ? snapshot.members() : List.of();
        queue(newcomer.connection(), codec.encode(welcome(newcomer, present, snapshot.count(),
                snapshot.history(), since)), toFlush);
        // A member enters the presence a moment before its join is ordered, so the welcome may list someone
        // whose join comes after it: that join tells the newcomer nothing new and is left out (its own is not).
        Set<User> listed = new HashSet<>(present);
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
            queue(newcomer.connection(), codec.encode(event), toFlush);
        }
        return true;
    }

    /**
     * Takes a member out; nobody is told here (the caller publishes its leave).
     *
     * @return false if the member was not here
     */
    synchronized boolean remove(Member member) {
        return removeLocked(member);
    }

    /** Must hold the lock. */
    private boolean removeLocked(Member member) {
        if (!members.remove(member)) {
            return false;
        }
        awaitingWelcome.remove(member);
        welcomedAhead.remove(member);
        byResumeKey.remove(member.resumeKey());
        closed = members.isEmpty();
        return true;
    }

    /** Whether the member is here and has had its welcome, so it may speak. */
    synchronized boolean isWelcomed(Member member) {
        return members.contains(member) && !awaitingWelcome.containsKey(member);
    }

    /**
     * Delivers one of the room's events, in the engine's order, to the members here: a message to everyone, the
     * sender included; a join or leave to everyone while the room (on every node) is within the presence limit, else
     * a join only to the newcomer it announces and a leave to nobody. The event joins the round being gathered; the
     * first event of a round hands its fan-out to the runner.
     */
    @Override
    public void deliver(RoomEvent event) {
        synchronized (this) {
            round.add(event);
            if (roundScheduled) {
                return;
            }
            roundScheduled = true;
        }
        roundRunner.execute(roundTask);
    }

    private void runRound() {
        long start = System.nanoTime();
        List<Connection> toFlush;
        synchronized (this) {
            toFlush = new ArrayList<>(members.size());
            fanOutLocked(toFlush);
        }
        finish(toFlush, start);
    }

    /**
     * Must hold the lock. Queues the round gathered so far for the members here, in order. Events that reach every
     * member go out as runs: each event encoded once, and packed once for the members that take packed frames; an
     * event only some receive (past the presence limit) is queued one by one. Members awaiting their welcome keep the
     * events instead, for the merge.
     */
    private void fanOutLocked(List<Connection> toFlush) {
        roundScheduled = false;
        int from = 0;
        while (from < round.size()) {
            int to = from;
            while (to < round.size() && reachesAll(round.get(to)) && !reflectedAhead(round.get(to))) {
                to++;
            }
            if (to > from) {
                fanOutToAll(round.subList(from, to), toFlush);
                from = to;
            } else {
                fanOutToSome(round.get(from++), toFlush);
            }
        }
        if (!round.isEmpty()) {
            delivered = Math.max(delivered, Long.parseLong(round.get(round.size() - 1).id()));
            welcomedAhead.values().removeIf(through -> through <= delivered);
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

    /** Must hold the lock. Whether some member's welcome already reflected this event (see {@link #welcomedAhead}). */
    private boolean reflectedAhead(RoomEvent event) {
        if (welcomedAhead.isEmpty()) {
            return false;
        }
        long id = Long.parseLong(event.id());
        return welcomedAhead.values().stream().anyMatch(through -> id <= through);
    }

    /** Must hold the lock. */
    private void fanOutToAll(List<RoomEvent> events, List<Connection> toFlush) {
        List<Frame> singles = null;
        List<Frame> packed = null;
        int packedFor = 0;
        for (Member member : members) {
            List<RoomEvent> meanwhile = awaitingWelcome.get(member);
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
            int packBytes = connection.packBytes();
            List<Frame> frames = singles;
            if (packBytes > 0 && singles.size() > 1) {
                if (packed == null || packedFor != packBytes) { // one value in practice: the container's buffer
                    packed = Frame.pack(singles, packBytes);
                    packedFor = packBytes;
                }
                frames = packed;
            }
            for (Frame frame : frames) {
                queue(connection, frame, toFlush);
            }
        }
    }

    /** Must hold the lock. */
    private void fanOutToSome(RoomEvent event, List<Connection> toFlush) {
        Frame frame = null;
        for (Member member : members) {
            if (!receives(member, event)) {
                continue;
            }
            List<RoomEvent> meanwhile = awaitingWelcome.get(member);
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

    /** The room's order has a hole here: every member reconnects and recovers with {@code since}. */
    @Override
    public void lost() {
        for (Member member : members()) {
            member.connection().close(CloseCode.RESYNC, "events may have been missed; reconnect with since");
        }
    }

    /** A reconnect, on this node or another, took over the place of the member with this token: it goes, unannounced. */
    @Override
    public void replaced(String resumeKey) {
        Member gone;
        synchronized (this) {
            gone = byResumeKey.get(resumeKey);
            if (gone == null || !removeLocked(gone)) {
                return;
            }
        }
        replaced.accept(this, gone);
    }

    private boolean receives(Member member, RoomEvent event) {
        Long through = welcomedAhead.get(member);
        if (through != null && Long.parseLong(event.id()) <= through) {
            return false; // its welcome reflected this event already
        }
        // Past the presence limit a newcomer still sees its own join (the room's id for its arrival).
        return reachesAll(event) || event instanceof Join join && join.user().equals(member.user());
    }

    private boolean reachesAll(RoomEvent event) {
        return event instanceof Message
                || event instanceof Join join && (join.count() == null || join.count() <= presenceLimit)
                || event instanceof Leave leave && (leave.count() == null || leave.count() < presenceLimit);
        // (a leave: the room had at most the limit before it)
    }

    /** Tells the members here, except the one typing, that someone is typing; nothing is kept. */
    @Override
    public void signal(Typing notice) {
        long start = System.nanoTime();
        List<Connection> toFlush;
        synchronized (this) {
            toFlush = new ArrayList<>(members.size());
            fanOutLocked(toFlush); // a notice never overtakes an event delivered before it
            Frame frame = codec.encode(notice);
            for (Member member : members) {
                if (!member.user().equals(notice.user()) && !awaitingWelcome.containsKey(member)) {
                    queue(member.connection(), frame, toFlush);
                }
            }
        }
        finish(toFlush, start);
    }

    /**
     * Sends one event to one member here, if it is here and welcomed: a resend's original, to its sender. Never ahead
     * of the room: an original this room has not yet delivered (it waits behind a repair, or is still on its way from
     * the engine) is sent once the room has delivered it, so the member's stream stays in the room's order and the
     * {@code since} it reconnects with never passes a message it was not sent. The chaos checker found this one: a
     * page took such an answer's id as its {@code since} while its room was still held, and skipped what came
     * before.
     */
    void sendTo(Member member, RoomEvent event) {
        List<Connection> toFlush = new ArrayList<>(1);
        synchronized (this) {
            if (!isWelcomed(member)) {
                return;
            }
            fanOutLocked(toFlush);
            if (Long.parseLong(event.id()) <= delivered) {
                queue(member.connection(), codec.encode(event), toFlush);
            } else {
                answersAhead.add(new Answer(member, event));
            }
        }
        finish(toFlush, System.nanoTime());
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized List<Member> members() {
        return List.copyOf(members);
    }

    private Welcome welcome(Member newcomer, List<User> present, int count, List<Message> recent, String since) {
        User you = newcomer.user();
        String resume = newcomer.resumeToken();
        String ts = now();
        if (since == null) {
            return new Welcome(name, ts, you, present, count, recent, null, resume);
        }
        long after;
        try {
            after = Long.parseLong(since);
        } catch (NumberFormatException e) {
            return new Welcome(name, ts, you, present, count, recent, true, resume);
        }
        // The history holds the room's last messages without a hole, so a message id it does not hold is one the
        // store evicted, lost (it came back with older data, or was wiped; newer events may be gone too), or never
        // gave: what followed it cannot be vouched for.
        if (recent.stream().noneMatch(m -> Long.parseLong(m.id()) == after)) {
            return new Welcome(name, ts, you, present, count, recent, true, resume);
        }
        List<Message> missed = recent.stream().filter(m -> Long.parseLong(m.id()) > after).toList();
        return new Welcome(name, ts, you, present, count, missed, false, resume);
    }

    private static void queue(Connection connection, Frame frame, List<Connection> toFlush) {
        if (connection.enqueue(frame)) {
            toFlush.add(connection);
        }
    }

    /** Starts the writes queued under the lock; the lock must not be held. */
    private void finish(List<Connection> toFlush, long start) {
        for (Connection connection : toFlush) {
            connection.flush();
        }
        telemetry.broadcast(System.nanoTime() - start);
    }

    private String now() {
        return Timestamps.format(clock.instant());
    }
}
