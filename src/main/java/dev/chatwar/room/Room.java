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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * This node's members of one room, and the delivery of the room's events to them.
 *
 * <p>The room does not order anything: the engine does, and {@link #deliver} receives the room's events in that
 * order, whichever node published them, this one included. Under the room's lock an event is encoded once and only
 * <em>queued</em> for each member; the writes start after the lock is released ({@link Connection#flush}). The room
 * never calls the engine while it holds its lock.
 *
 * <p>A newcomer is <em>admitted</em> first, and waits for its {@code welcome}: the events delivered meanwhile are
 * kept for it, and {@link #welcome} merges them with the history read after the admission, so nothing that happened
 * in between is lost or shown twice. A room that became empty is closed for good; the registry replaces it with a new
 * one on the next join.
 *
 * <p>Presence is quadratic: in a room of n, n joins send n² frames and n welcomes list n²/2 names. So only rooms of at
 * most {@code presenceLimit} members announce joins and leaves to everyone and list everyone in {@code welcome};
 * a larger room tells a newcomer only about itself (its own {@code join}) and the total {@code count}. Messages
 * always reach everyone.
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
    /** Every member here by {@link Member#resumeKey}. */
    private final Map<String, Member> byResumeKey = new HashMap<>();
    /** How many members use each name key; a guest may not take a key in use or reserved. */
    private final Map<String, Integer> namesInUse = new HashMap<>();
    /** Name keys of container-authenticated users seen on this node: no guest may take them. */
    private final Set<String> verifiedNames;
    private final int presenceLimit;
    /** Told when a member here was taken over on another node and has gone; called holding no lock. */
    private final BiConsumer<Room, Member> replacedElsewhere;
    private boolean closed;
    /** This room's subscription with the engine: the last attempt, retried by the registry when it failed. */
    final AtomicReference<CompletableFuture<Void>> subscription = new AtomicReference<>();

    Room(String name, FrameCodec codec, Clock clock, Telemetry telemetry, Set<String> verifiedNames,
         int presenceLimit, BiConsumer<Room, Member> replacedElsewhere) {
        this.presenceLimit = presenceLimit;
        this.replacedElsewhere = replacedElsewhere;
        this.name = name;
        this.codec = codec;
        this.clock = clock;
        this.telemetry = telemetry;
        this.verifiedNames = verifiedNames;
    }

    String name() {
        return name;
    }

    /**
     * Admits a member, who then awaits its {@link #welcome}. A verified (container-authenticated) member gets exactly
     * its name; a guest gets the requested name or, when it is in use or belongs to a verified user, the first free
     * {@code name (n)}.
     *
     * <p>A {@code resume} token of a member still here is a <em>takeover</em> instead: the newcomer takes that
     * member's place under its name (a guest's token serves only a guest, a verified user's only the same user), and
     * nobody else hears of it: no {@code join}, no {@code leave}. The replaced member is out of the room at once; its
     * connection is the caller's to close ({@link Admission#replaced}). Any other token (unknown, of a member who
     * left, of another room) is ignored and the newcomer joins as usual.
     *
     * @param claimed the place a token took over on another node ({@code Engine#claim}), else null: the newcomer
     *                gets that name, unless someone here has it meanwhile
     * @return the member, or null if this room has closed meanwhile (join a fresh one instead)
     */
    synchronized Admission admit(String requestedName, String address, boolean verified, String resume,
                                 Engine.Place claimed, Connection connection) {
        if (closed) {
            return null;
        }
        Member replaced = resumable(resume, requestedName, verified);
        String given = replaced != null ? replaced.user().name()
                : verified ? requestedName : guestName(claimed != null ? claimed.name() : requestedName);
        Member member = new Member(name, new User(given, address, verified ? Boolean.TRUE : null), connection);
        if (replaced != null) {
            members.remove(replaced);
            byResumeKey.remove(replaced.resumeKey());
            awaitingWelcome.remove(replaced);
        } else {
            namesInUse.merge(member.nameKey(), 1, Integer::sum);
        }
        members.add(member);
        byResumeKey.put(member.resumeKey(), member);
        awaitingWelcome.put(member, new ArrayList<>());
        return new Admission(member, replaced);
    }

    /** @param replaced the member whose place a takeover took, else null */
    record Admission(Member member, Member replaced) {
    }

    /** Whether a member here has this resume token. */
    synchronized boolean holds(String resume) {
        return byResumeKey.containsKey(ResumeTokens.key(resume));
    }

    /** The member here whose token this is, if the newcomer may take its place; must hold the lock. */
    private Member resumable(String resume, String requestedName, boolean verified) {
        Member holder = resume == null ? null : byResumeKey.get(ResumeTokens.key(resume));
        if (holder == null) {
            return null;
        }
        boolean heldByVerified = holder.user().hasVerifiedName();
        if (heldByVerified != verified || verified && !holder.user().name().equals(requestedName)) {
            return null;
        }
        return holder;
    }

    /**
     * Sends an admitted member its welcome, built from the room's history as read after the admission, then every
     * event delivered since, except the messages that history already holds.
     *
     * <p>Without {@code since}: the recent history. With it: the messages after {@code since} and {@code gap: false}
     * when the history still reaches back to it (ids only grow, and the history loses only its oldest), else the
     * recent history and {@code gap: true} (evicted, lost in a restart, or an unknown id).
     *
     * @return false when the member is no longer here (it left, or was taken over, meanwhile)
     */
    boolean welcome(Member newcomer, List<Message> history, String since) {
        List<Connection> toFlush = new ArrayList<>(1);
        synchronized (this) {
            List<RoomEvent> meanwhile = awaitingWelcome.remove(newcomer);
            if (meanwhile == null) {
                return false;
            }
            List<User> present = announcesPresence() ? members.stream().map(Member::user).toList() : List.of();
            queue(newcomer.connection(), codec.encode(welcome(newcomer, present, history, since)), toFlush);
            long newest = history.isEmpty() ? Long.MIN_VALUE : Long.parseLong(history.get(history.size() - 1).id());
            for (RoomEvent event : meanwhile) {
                if (!(event instanceof Message) || Long.parseLong(event.id()) > newest) {
                    queue(newcomer.connection(), codec.encode(event), toFlush);
                }
            }
        }
        finish(toFlush, System.nanoTime());
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
        byResumeKey.remove(member.resumeKey());
        namesInUse.computeIfPresent(member.nameKey(), (key, count) -> count == 1 ? null : count - 1);
        closed = members.isEmpty();
        return true;
    }

    /** Whether the member is here and has had its welcome, so it may speak. */
    synchronized boolean isWelcomed(Member member) {
        return members.contains(member) && !awaitingWelcome.containsKey(member);
    }

    /**
     * Delivers one of the room's events, in the engine's order, to the members here: a message to everyone, the
     * sender included; a join or leave to everyone while the room is within the presence limit, else a join only to
     * the newcomer it announces and a leave to nobody.
     */
    @Override
    public void deliver(RoomEvent event) {
        long start = System.nanoTime();
        List<Connection> toFlush;
        synchronized (this) {
            toFlush = new ArrayList<>(members.size());
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
        finish(toFlush, start);
    }

    /** The room's order has a hole here: every member reconnects and recovers with {@code since}. */
    @Override
    public void lost() {
        for (Member member : members()) {
            member.connection().close(CloseCode.RESYNC, "events may have been missed; reconnect with since");
        }
    }

    /** A reconnect on another node took over the place of the member with this token: it goes, unannounced. */
    @Override
    public void replaced(String resumeKey) {
        Member gone;
        synchronized (this) {
            gone = byResumeKey.get(resumeKey);
            if (gone == null || !removeLocked(gone)) {
                return;
            }
        }
        replacedElsewhere.accept(this, gone);
    }

    /** Must hold the lock. */
    private boolean receives(Member member, RoomEvent event) {
        if (event instanceof Message || event instanceof Join && announcesPresence()
                || event instanceof Leave && members.size() < presenceLimit) { // a leave: it had at most the limit
            return true;
        }
        // Past the presence limit a newcomer still sees its own join (the room's id for its arrival).
        return event instanceof Join join && join.user().equals(member.user());
    }

    /** Tells the others that a member is typing; nothing is kept, nothing crosses to other nodes. */
    void typing(Member sender) {
        long start = System.nanoTime();
        List<Connection> toFlush;
        synchronized (this) {
            if (!members.contains(sender)) {
                return;
            }
            Frame frame = codec.encode(new Typing(name, now(), sender.user()));
            toFlush = new ArrayList<>(members.size());
            for (Member member : members) {
                if (member != sender && !awaitingWelcome.containsKey(member)) {
                    queue(member.connection(), frame, toFlush);
                }
            }
        }
        finish(toFlush, start);
    }

    /** Sends one event to one member here, if it is here and welcomed (a resend's original, to its sender). */
    void sendTo(Member member, RoomEvent event) {
        List<Connection> toFlush = new ArrayList<>(1);
        synchronized (this) {
            if (!isWelcomed(member)) {
                return;
            }
            queue(member.connection(), codec.encode(event), toFlush);
        }
        finish(toFlush, System.nanoTime());
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized List<Member> members() {
        return List.copyOf(members);
    }

    private Welcome welcome(Member newcomer, List<User> present, List<Message> recent, String since) {
        int count = members.size();
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
        if (recent.isEmpty() || after < Long.parseLong(recent.get(0).id())) {
            return new Welcome(name, ts, you, present, count, recent, true, resume);
        }
        List<Message> missed = recent.stream().filter(m -> Long.parseLong(m.id()) > after).toList();
        return new Welcome(name, ts, you, present, count, missed, false, resume);
    }

    /** Must hold the lock. */
    private boolean announcesPresence() {
        return members.size() <= presenceLimit;
    }

    /** The requested name, or the first free {@code name (n)}; compared by {@link Names#key}. */
    private String guestName(String requested) {
        String candidate = requested;
        for (int n = 2; taken(Names.key(candidate)); n++) {
            candidate = requested + " (" + n + ")";
        }
        return candidate;
    }

    private boolean taken(String key) {
        return namesInUse.containsKey(key) || verifiedNames.contains(key);
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
