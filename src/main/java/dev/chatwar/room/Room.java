package dev.chatwar.room;

import dev.chatwar.engine.Engine;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.Frame;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.ServerEvent.Typing;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * This node's members of one room, under one lock, and the room's subscription to its events.
 *
 * <p>The room does not order anything: the engine does, and {@link #deliver} receives the room's events in that
 * order, whichever node published them, this one included. What it receives goes out in {@link Rounds}; the round
 * runner fans each round out (the chat runs rounds on the delivering thread; see {@code ChatBootstrap} for why). Under
 * the lock frames are only queued for each member; the writes start after it is released ({@link Connection#flush}).
 * The room never calls the engine while it holds its lock.
 *
 * <p>A newcomer is <em>admitted</em> first, and waits for its {@code welcome}: the events delivered meanwhile are
 * kept for it, and {@link #welcome} merges them with the snapshot read after the admission ({@link Welcomes}), so
 * nothing that happened in between is lost or shown twice. The read may also be ahead of what the room has delivered
 * ({@link Members#reflectedAhead}): what it reflected is not sent to the newcomer again when it arrives. A room that
 * became empty is closed for good; the registry replaces it with a new one on the next join.
 *
 * <p>Who is in the room, and which names are taken, the engine keeps for every node; the room holds this node's
 * members only, and who hears of whom is the {@link PresenceRule}.
 */
final class Room implements Engine.Subscriber {
    private final String name;
    private final Engine engine;
    private final FrameCodec codec;
    private final Members members = new Members();
    private final Welcomes welcomes;
    private final Rounds rounds;
    /** Told when a member here was taken over by a reconnect and has gone; called holding no lock. */
    private final BiConsumer<Room, Member> replaced;
    private final Executor roundRunner;
    private final Runnable roundTask = this::runRound;
    private boolean closed;
    /** This room's subscription with the engine: the last attempt, tried again when it failed. */
    private final AtomicReference<CompletableFuture<Void>> subscription = new AtomicReference<>();

    /** @param roundRunner fans out the rounds; events delivered while it has not got to this room join the round */
    Room(String name, Engine engine, FrameCodec codec, Clock clock, Telemetry telemetry, PresenceRule presence,
         Executor roundRunner, BiConsumer<Room, Member> replaced) {
        this.name = name;
        this.engine = engine;
        this.codec = codec;
        this.welcomes = new Welcomes(name, clock, presence);
        this.rounds = new Rounds(codec, telemetry, presence);
        this.roundRunner = roundRunner;
        this.replaced = replaced;
    }

    String name() {
        return name;
    }

    /** Subscribes the room to its events; the registry calls it once, when it creates the room. */
    void subscribe() {
        subscription.set(engine.subscribe(name, this).toCompletableFuture());
    }

    /**
     * Completes once the room's events reach it; a subscription that failed (the engine was unreachable) is tried
     * again here, so a room created during an outage recovers with the next join.
     */
    CompletionStage<Void> subscribed() {
        CompletableFuture<Void> current = subscription.get();
        if (current.isCompletedExceptionally()) {
            subscription.compareAndSet(current, engine.subscribe(name, this).toCompletableFuture());
        }
        return subscription.get();
    }

    /** Stops the room's events; once it has closed. */
    void unsubscribe() {
        engine.unsubscribe(name, this);
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
        members.admit(member);
        return true;
    }

    /**
     * Sends an admitted member its welcome, built from the room's snapshot as read after the admission, then every
     * event delivered since that the snapshot does not reflect (those after its {@code lastId}); see {@link Welcomes}.
     *
     * @return false when the member is no longer here (it left, or was taken over, meanwhile)
     */
    boolean welcome(Member newcomer, Engine.Snapshot snapshot, String since) {
        ArrayList<Connection> toFlush = new ArrayList<>();
        boolean welcomed;
        synchronized (this) {
            rounds.fanOut(members, toFlush); // what was ordered before now reaches the newcomer as "meanwhile"
            List<RoomEvent> meanwhile = members.welcomed(newcomer, snapshot.lastId(), rounds.delivered());
            welcomed = meanwhile != null;
            if (welcomed) {
                Connection connection = newcomer.connection();
                Rounds.queue(connection, codec.encode(welcomes.welcome(newcomer, snapshot, since)), toFlush);
                for (RoomEvent event : welcomes.after(newcomer, snapshot, meanwhile)) {
                    Rounds.queue(connection, codec.encode(event), toFlush);
                }
            }
        }
        rounds.finish(toFlush, System.nanoTime());
        return welcomed;
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
        closed = members.isEmpty();
        return true;
    }

    /** Whether the member is here and has had its welcome, so it may speak. */
    synchronized boolean isWelcomed(Member member) {
        return members.contains(member) && !members.awaitsWelcome(member);
    }

    /**
     * Delivers one of the room's events, in the engine's order, to the members here ({@link PresenceRule} says to
     * whom). The event joins the round being gathered; the first event of a round hands its fan-out to the runner.
     */
    @Override
    public void deliver(RoomEvent event) {
        synchronized (this) {
            if (!rounds.gather(event)) {
                return;
            }
        }
        roundRunner.execute(roundTask);
    }

    private void runRound() {
        long start = System.nanoTime();
        ArrayList<Connection> toFlush;
        synchronized (this) {
            toFlush = new ArrayList<>(); // sized by the rounds when they reach everyone
            rounds.fanOut(members, toFlush);
        }
        rounds.finish(toFlush, start);
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
            gone = members.byResumeKey(resumeKey);
            if (gone == null || !removeLocked(gone)) {
                return;
            }
        }
        replaced.accept(this, gone);
    }

    /** Tells the members here, except the one typing, that someone is typing; nothing is kept. */
    @Override
    public void signal(Typing notice) {
        long start = System.nanoTime();
        ArrayList<Connection> toFlush;
        synchronized (this) {
            toFlush = new ArrayList<>(members.size());
            rounds.fanOut(members, toFlush); // a notice never overtakes an event delivered before it
            Frame frame = codec.encode(notice);
            for (Member member : members) {
                if (!member.user().equals(notice.user()) && !members.awaitsWelcome(member)) {
                    Rounds.queue(member.connection(), frame, toFlush);
                }
            }
        }
        rounds.finish(toFlush, start);
    }

    /**
     * Sends one event to one member here, if it is here and welcomed: a resend's original, to its sender. Never ahead
     * of the room ({@link Rounds#answer}), so the {@code since} the member reconnects with never passes a message it
     * was not sent. The chaos checker found this one: a page took such an answer's id as its {@code since} while its
     * room was still held, and skipped what came before.
     */
    void sendTo(Member member, RoomEvent event) {
        ArrayList<Connection> toFlush = new ArrayList<>(1);
        synchronized (this) {
            if (!isWelcomed(member)) {
                return;
            }
            rounds.fanOut(members, toFlush);
            rounds.answer(member, event, toFlush);
        }
        rounds.finish(toFlush, System.nanoTime());
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized List<Member> members() {
        return members.list();
    }
}
