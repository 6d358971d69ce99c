package dev.chatwar.room;

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

/**
 * The members of one room and the order of its events.
 *
 * <p>Concurrency: every change and every delivery happens under the room's lock, which is what gives all members
 * the same order and makes ids increase in delivery order. Under the lock an event is encoded once and only
 * <em>queued</em> for each member; the writes start after the lock is released ({@link Connection#flush}).
 * A room that became empty is closed for good; the registry replaces it with a new one on the next join.
 *
 * <p>Presence is quadratic: in a room of n, n joins send n² frames and n welcomes list n²/2 names. So only rooms of at
 * most {@code presenceLimit} members announce joins and leaves to everyone and list everyone in {@code welcome};
 * a larger room tells a newcomer only about itself (its own {@code join}) and the total {@code count}. Messages
 * always reach everyone.
 */
final class Room {
    private final String name;
    private final History history;
    private final FrameCodec codec;
    private final EventIds ids;
    private final Clock clock;
    private final Telemetry telemetry;

    /** Iteration order is join order; membership checks are by identity. */
    private final Set<Member> members = new LinkedHashSet<>();
    /** Every member here by {@link Member#resumeKey}. */
    private final Map<String, Member> byResumeKey = new HashMap<>();
    /** How many members use each name key; a guest may not take a key in use or reserved. */
    private final Map<String, Integer> namesInUse = new HashMap<>();
    /** Name keys of container-authenticated users seen on this node: no guest may take them. */
    private final Set<String> verifiedNames;
    private final int presenceLimit;
    private boolean closed;

    Room(String name, History history, FrameCodec codec, EventIds ids, Clock clock, Telemetry telemetry,
         Set<String> verifiedNames, int presenceLimit) {
        this.presenceLimit = presenceLimit;
        this.name = name;
        this.history = history;
        this.codec = codec;
        this.ids = ids;
        this.clock = clock;
        this.telemetry = telemetry;
        this.verifiedNames = verifiedNames;
    }

    /**
     * Adds a member: the newcomer gets {@code welcome}, then everyone, newcomer included, gets {@code join} (only the
     * newcomer, past the presence limit).
     * A verified (container-authenticated) member gets exactly its name; a guest gets the requested name or, when it
     * is in use or belongs to a verified user, the first free {@code name (n)}.
     *
     * <p>A {@code resume} token of a member still here is a <em>takeover</em> instead: the newcomer takes that
     * member's place under its name (a guest's token serves only a guest, a verified user's only the same user), gets
     * its {@code welcome}, and nobody else hears of it: no {@code join}, no {@code leave}. The replaced member is out
     * of the room at once; its connection is the caller's to close ({@link Admission#replaced}). Any other token
     * (unknown, of a member who left, of another room) is ignored and the newcomer joins as usual.
     *
     * @return the member and its join event, or null if this room has closed meanwhile (join a fresh one instead)
     */
    Admission admit(String requestedName, String address, boolean verified, String since, String resume,
                    Connection connection) {
        long start = System.nanoTime();
        List<Connection> toFlush;
        Admission admission;
        synchronized (this) {
            if (closed) {
                return null;
            }
            Member replaced = resumable(resume, requestedName, verified);
            String given = replaced != null ? replaced.user().name()
                    : verified ? requestedName : guestName(requestedName);
            Member member = new Member(name, new User(given, address, verified ? Boolean.TRUE : null), connection);
            if (replaced != null) {
                members.remove(replaced);
                byResumeKey.remove(replaced.resumeKey());
            } else {
                namesInUse.merge(member.nameKey(), 1, Integer::sum);
            }
            members.add(member);
            byResumeKey.put(member.resumeKey(), member);
            String ts = now();
            List<User> present = announcesPresence() ? members.stream().map(Member::user).toList() : List.of();
            toFlush = new ArrayList<>(members.size());
            queue(connection, codec.encode(welcome(ts, member, present, since)), toFlush);
            Join join = null;
            if (replaced == null) {
                join = new Join(name, ts, ids.next(), member.user());
                if (announcesPresence()) {
                    queueForAll(codec.encode(join), toFlush);
                } else {
                    queue(connection, codec.encode(join), toFlush);
                }
            }
            admission = new Admission(member, join, replaced);
        }
        finish(toFlush, start);
        return admission;
    }

    /**
     * @param join     the newcomer's join event, null for a takeover (nobody is told)
     * @param replaced the member whose place a takeover took, else null
     */
    record Admission(Member member, Join join, Member replaced) {
    }

    /** The member here whose token this is, if the newcomer may take its place; must hold the lock. */
    private Member resumable(String resume, String requestedName, boolean verified) {
        Member holder = resume == null ? null : byResumeKey.get(ResumeTokens.key(resume));
        if (holder == null) {
            return null;
        }
        boolean heldByVerified = Boolean.TRUE.equals(holder.user().verified());
        if (heldByVerified != verified || verified && !holder.user().name().equals(requestedName)) {
            return null;
        }
        return holder;
    }

    /**
     * Removes a member and tells the others (unless the room was past the presence limit).
     *
     * @return the leave event, or null if the member was not here
     */
    Leave remove(Member member) {
        long start = System.nanoTime();
        List<Connection> toFlush;
        Leave leave;
        synchronized (this) {
            if (!members.remove(member)) {
                return null;
            }
            byResumeKey.remove(member.resumeKey());
            namesInUse.computeIfPresent(member.nameKey(), (key, count) -> count == 1 ? null : count - 1);
            closed = members.isEmpty();
            leave = new Leave(name, now(), ids.next(), member.user());
            toFlush = new ArrayList<>(members.size());
            if (members.size() < presenceLimit) { // it had at most presenceLimit members
                queueForAll(codec.encode(leave), toFlush);
            }
        }
        finish(toFlush, start);
        return leave;
    }

    /**
     * Delivers a member's message to everyone here, the sender included, and keeps it in history. A message whose
     * {@code cid} the history already holds from the same sender is a resend: only the sender gets the original again.
     *
     * @return the message, or null when nothing new was delivered (the sender left, or a resend)
     */
    Message say(Member sender, String text, String cid) {
        long start = System.nanoTime();
        List<Connection> toFlush;
        Message message;
        synchronized (this) {
            if (!members.contains(sender)) {
                return null;
            }
            Message original = cid == null ? null : history.resent(sender.user().name(), cid);
            if (original != null) {
                toFlush = new ArrayList<>(1);
                queue(sender.connection(), codec.encode(original), toFlush);
                finish(toFlush, start);
                return null;
            }
            message = new Message(name, now(), ids.next(), sender.user(), text, cid);
            history.append(message);
            toFlush = new ArrayList<>(members.size());
            queueForAll(codec.encode(message), toFlush);
        }
        finish(toFlush, start);
        return message;
    }

    /** Tells the others that a member is typing; nothing is kept. */
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
                if (member != sender) {
                    queue(member.connection(), frame, toFlush);
                }
            }
        }
        finish(toFlush, start);
    }

    /** Delivers an event another node has stamped already. */
    void deliverRemote(RoomEvent event) {
        long start = System.nanoTime();
        List<Connection> toFlush;
        synchronized (this) {
            if (event instanceof Message message) {
                history.append(message);
            }
            toFlush = new ArrayList<>(members.size());
            if (event instanceof Message || announcesPresence()) {
                queueForAll(codec.encode(event), toFlush);
            }
        }
        finish(toFlush, start);
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized List<Member> members() {
        return List.copyOf(members);
    }

    /**
     * The newcomer's welcome. Without {@code since}: the recent history. With it: the messages after {@code since}
     * and {@code gap: false} when the history still reaches back to it (ids only grow, and the history loses only its
     * oldest), else the recent history and {@code gap: true} (evicted, lost in a restart, or an unknown id).
     */
    private Welcome welcome(String ts, Member newcomer, List<User> present, String since) {
        List<Message> recent = history.recent();
        int count = members.size();
        User you = newcomer.user();
        String resume = newcomer.resumeToken();
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

    private void queueForAll(Frame frame, List<Connection> toFlush) {
        for (Member member : members) {
            queue(member.connection(), frame, toFlush);
        }
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
