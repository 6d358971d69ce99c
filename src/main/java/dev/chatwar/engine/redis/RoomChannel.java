package dev.chatwar.engine.redis;

import dev.chatwar.engine.Engine.Subscriber;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.protocol.ServerEvent.Lost;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * One room's subscription on this node: it delivers the room's events to the room's subscribers in id order, each
 * once, and never drops one silently. What a lost subscription missed is read back from the room's history; what
 * cannot be read back, or what Redis itself lost, makes the room's members resync ({@link Subscriber#lost}), so they
 * reconnect with {@code since} and are told of the gap.
 *
 * <p>The rules:
 * <ul>
 *   <li><b>Hold from the moment of loss.</b> When the pub/sub connection drops ({@link #hold}), live events wait until
 *       the repair has read the history: Lettuce resubscribes by itself on reconnect, and a live event delivered
 *       before the repair would move the last delivered id past the hole, so the repair would read from after it.
 *   <li><b>A repair subscribes, then reads.</b> Subscribing first and waiting for Redis's confirmation means every
 *       event published after the read is heard live, and every one before it is in the read.
 *   <li><b>A repair finishes.</b> A read that fails is retried with backoff for {@link #PATIENCE}; then the room's
 *       members resync. A loss during a repair makes it start again.
 *   <li><b>Evidence of a rollback is acted on.</b> Redis lost what this node delivered when the room's last id is
 *       missing or below the last id delivered here, or when the last message delivered here is gone though the
 *       history still reaches back to it; and a live event whose id is not above the one before it on the same
 *       subscription was handed out by a Redis that forgot. Each is logged, counted, and resyncs the room's members.
 *   <li><b>What a repair finds lost is told to every node.</b> Another node may never have heard the lost events
 *       (its subscription was down when they were published), and what Redis holds shows it no hole. So the node
 *       that finds the loss publishes a {@code lost} event in the room's order, above everything it delivered: every
 *       member hears it, live or in the history.
 *   <li><b>What was delivered outlives the room here.</b> A room whose members here all left (or resynced, when the
 *       node lost its lease) keeps its channel a while ({@link LeftRooms}): if Redis then comes back without what
 *       this node delivered, the node is still there to tell ({@link #checkAfterLeaving}), at its next reconnect or
 *       when the room is joined here again.
 * </ul>
 */
final class RoomChannel {
    private static final System.Logger LOG = System.getLogger(RoomChannel.class.getName());
    /** How long failed repair reads are retried before the members resync instead. */
    static final Duration PATIENCE = Duration.ofSeconds(30);
    private final Duration patience;
    /** Live events held during one repair, at most; past that the members resync (the node's memory is bounded). */
    static final int MAX_HELD = 100_000;
    private static final long FIRST_RETRY_MILLIS = 100;
    private static final long LAST_RETRY_MILLIS = 2_000;

    /** What a room's channel needs from the engine that owns it. */
    interface Link {
        /** Subscribes the channel on the current pub/sub connection; completes once Redis confirmed it. */
        CompletionStage<Void> subscribe(String channel);

        /** Runs {@code repair.lua} for the room: see that script for the reply. */
        CompletionStage<List<Object>> readRepair(String room, long after, long lastMessage, int limit);

        /** A history entry as a script returns it, decoded. */
        RoomEvent decode(List<?> entry);

        /** Runs the task on the engine's own thread after the delay. */
        void schedule(Runnable task, long delayMillis);

        /**
         * Publishes in the room's order that the events after {@code after} up to {@code through} were lost
         * ({@link dev.chatwar.protocol.ServerEvent.Lost}), with an id above {@code through}.
         */
        CompletionStage<?> tellLost(String room, long after, long through);
    }

    final String room;
    final String name;
    final Set<Subscriber> subscribers = new CopyOnWriteArraySet<>();
    private final int historySize;
    private final Link link;
    private final EngineTelemetry telemetry;
    /** The last id delivered; later events only. Guarded by this. */
    private long lastDelivered = Long.MIN_VALUE;
    /**
     * The last id that came live on the current subscription. One pub/sub connection carries a room's events in the
     * order Redis gave them, so a live id not above this one means Redis's order went back. (A live id not above
     * {@link #lastDelivered} alone is no evidence: what a repair read on the command connection may still arrive
     * live after it.) Reset when the subscription is lost. Guarded by this.
     */
    private long lastLive = Long.MIN_VALUE;
    /** The id of the last message delivered, or MIN_VALUE. Guarded by this. */
    private long lastMessage = Long.MIN_VALUE;
    /** See {@link #highWater()}. */
    private volatile long highWater = Long.MIN_VALUE;
    /** The room's last id when this node subscribed: where a repair starts if nothing was delivered since. */
    private volatile long subscribedAt = Long.MIN_VALUE;
    /** While not null, live events wait here for the repair. Guarded by this. */
    private List<RoomEvent> held;
    /** More live events came than {@link #MAX_HELD} while holding. Guarded by this. */
    private boolean overflowed;
    /** A repair's read is in flight. Guarded by this. */
    private boolean repairing;
    /** Counts the losses of the subscription, so a repair can tell that another loss came while it read. */
    private int losses;
    /** When the current streak of failed repair reads began ({@link System#nanoTime}), or 0. Guarded by this. */
    private long failingSince;
    private int failures;
    /** The room's presence as delivered here, once a welcome read it whole; null before, and after any loss. */
    private PresenceReplica presence;
    /** While a read of the whole presence is under way: every event delivered since it began. Guarded by this. */
    private List<RoomEvent> sincePresenceRead;
    /** Counts the losses that made the replica unusable, so a read that began before one is not installed. */
    private int presenceEpoch;
    /** The read of the whole presence under way, which later welcomes wait for instead of reading it too. */
    private CompletableFuture<Void> presenceReading;

    /** A welcome's members from the replica: as of {@code at}, the room's events up to it and none after. */
    record PresenceView(List<dev.chatwar.protocol.User> members, int count, long at) {
    }

    RoomChannel(String room, String name, int historySize, Link link, EngineTelemetry telemetry) {
        this(room, name, historySize, link, telemetry, PATIENCE);
    }

    /** @param patience how long failed repair reads are retried before the members resync instead */
    RoomChannel(String room, String name, int historySize, Link link, EngineTelemetry telemetry, Duration patience) {
        this.patience = patience;
        this.room = room;
        this.name = name;
        this.historySize = historySize;
        this.link = link;
        this.telemetry = telemetry;
    }

    /** The room's last id as of the subscription, if nothing later was delivered. */
    void subscribedAt(long lastId) {
        if (subscribedAt == Long.MIN_VALUE) {
            subscribedAt = lastId;
        }
        known(lastId);
    }

    /**
     * The highest id of the room this node knows was handed out (delivered, held, or the room's last id when it
     * subscribed): a floor for the next one, or 0. Read without the lock, on every publish, so a publish never waits
     * behind a fan-out.
     */
    long highWater() {
        long known = highWater;
        return known == Long.MIN_VALUE ? 0 : known;
    }

    private void known(long id) {
        if (id > highWater) {
            highWater = id; // a race between two writers only lowers the floor a little; the clock still holds
        }
    }

    /** A live event from the current subscription. */
    synchronized void deliver(RoomEvent event) {
        long id = Long.parseLong(event.id());
        if (id <= lastLive) {
            rolledBack("an event with id " + id + " came live after " + lastLive);
            lastLive = id;
            lastDelivered = Math.min(lastDelivered, id); // follow the order Redis gives now; the members resync
            return;
        }
        lastLive = id;
        known(id);
        if (held == null) {
            deliverInOrder(event, id);
        } else if (held.size() < MAX_HELD) {
            held.add(event);
        } else {
            overflowed = true;
        }
    }

    /**
     * Must hold the lock. Events read back, held, or arriving live after a read that had them already may repeat
     * what was delivered: those are skipped.
     */
    private void deliverInOrder(RoomEvent event) {
        deliverInOrder(event, Long.parseLong(event.id()));
    }

    /** Must hold the lock. */
    private void deliverInOrder(RoomEvent event, long id) {
        if (id <= lastDelivered) {
            return;
        }
        lastDelivered = id;
        known(id);
        if (event.kept()) {
            lastMessage = id;
        }
        if (presence != null) {
            presence.apply(event);
        } else if (sincePresenceRead != null) {
            if (sincePresenceRead.size() < MAX_HELD) {
                sincePresenceRead.add(event);
            } else {
                forgetPresence(); // a read that took this long is not worth keeping: the next welcome reads again
            }
        }
        for (Subscriber subscriber : subscribers) {
            subscriber.deliver(event);
        }
    }

    /** The subscription is lost: live events wait from now on until a repair has read what was missed. */
    synchronized void hold() {
        forgetPresence(); // joins and leaves missed now are not in the history the repair reads
        losses++;
        lastLive = Long.MIN_VALUE; // a new connection's stream starts afresh
        if (held == null) {
            held = new ArrayList<>();
        }
    }

    /**
     * After the subscription is back (or to try again): subscribes, reads what was missed and delivers it, then what
     * was held. Nothing to do when the channel never delivered anything (then nothing can have been missed).
     */
    void repair() {
        long after;
        long message;
        int loss;
        synchronized (this) {
            if (repairing) {
                return;
            }
            if (subscribers.isEmpty()) {
                release(); // unsubscribed meanwhile: subscribing again would bring a room nobody here is in
                return;
            }
            after = Math.max(lastDelivered, subscribedAt);
            if (after == Long.MIN_VALUE) {
                // Nothing delivered, so nothing can have been missed; but the channel must be subscribed again
                // (on a cluster a moved channel is subscribed nowhere until this), then what waited goes through.
                repairing = true;
                link.subscribe(name).whenComplete((done, failure) -> {
                    synchronized (this) {
                        repairing = false;
                        if (failure != null) {
                            retry(failure);
                        } else {
                            failingSince = 0;
                            failures = 0;
                            release();
                        }
                    }
                });
                return;
            }
            repairing = true;
            if (held == null) {
                held = new ArrayList<>();
            }
            message = lastMessage;
            loss = losses;
        }
        link.subscribe(name)
                .thenCompose(subscribed -> link.readRepair(room, after, message == Long.MIN_VALUE ? 0 : message,
                        Math.max(historySize, 1)))
                .whenComplete((reply, failure) -> finish(loss, after, message, reply, failure));
    }

    private synchronized void finish(int loss, long after, long message, List<Object> reply, Throwable failure) {
        repairing = false;
        if (failure != null) {
            retry(failure);
            return;
        }
        failingSince = 0;
        failures = 0;
        RepairRead read = RepairRead.of(reply, link);
        if (!actOnLoss(read, after, message)) {
            catchUp(read, after);
        }
        if (overflowed) {
            giveUp("more than " + MAX_HELD + " live events waited for the repair");
            return;
        }
        if (losses != loss) {
            link.schedule(this::repair, 0); // lost again while reading: hold on, and read again once subscribed
            return;
        }
        release();
    }

    /**
     * Must hold the lock. Redis holds everything this node delivered: what was published after {@code after} is
     * delivered now, unless the history no longer reaches back to it (then the members resync).
     */
    private void catchUp(RepairRead read, long after) {
        List<RoomEvent> missed = read.missed();
        if (historySize > 0 && missed.size() >= historySize) {
            // Everything kept is newer than what was delivered: older ones may have been trimmed.
            LOG.log(Level.WARNING, "room {0}: the history no longer reaches back to {1}; members resync", room,
                    Long.toString(after));
            telemetry.repairGivenUp();
            forgetPresence();
            subscribers.forEach(Subscriber::lost);
            lastDelivered = Math.max(lastDelivered, Long.parseLong(missed.get(missed.size() - 1).id()));
        } else if (historySize == 0 && read.last() > after) {
            LOG.log(Level.WARNING, "room {0}: events were published while the subscription was lost and no"
                    + " history is kept; members resync", room);
            telemetry.repairGivenUp();
            forgetPresence();
            subscribers.forEach(Subscriber::lost);
            lastDelivered = read.last();
        } else {
            missed.forEach(this::deliverInOrder);
            telemetry.gapRepaired(missed.size());
        }
    }

    /** What {@code repair.lua} read: see that script. */
    private record RepairRead(Long last, boolean messageKept, Long oldest, List<RoomEvent> missed, Long keptBelow) {
        static RepairRead of(List<Object> reply, Link link) {
            return new RepairRead(reply.get(0) == null ? null : Long.parseLong((String) reply.get(0)),
                    (Long) reply.get(1) == 1L,
                    reply.get(2) == null ? null : Long.parseLong((String) reply.get(2)),
                    ((List<?>) reply.get(3)).stream().map(entry -> link.decode((List<?>) entry)).toList(),
                    reply.size() > 4 && reply.get(4) != null ? Long.parseLong((String) reply.get(4)) : null);
        }
    }

    /**
     * Must hold the lock. When what Redis holds shows that it lost what this node delivered (up to {@code after},
     * the last message {@code message}): logs and counts it, the members resync, and the loss is told to every node
     * unless a node told it already.
     *
     * @return whether it showed a loss
     */
    private boolean actOnLoss(RepairRead read, long after, long message) {
        Long last = read.last();
        if (!(last == null || last < after
                || (!read.messageKept() && read.oldest() != null && message >= read.oldest()))) {
            return false;
        }
        rolledBack("Redis's last id is " + last + ", this node delivered up to " + after);
        // Where the loss begins: Redis's last id when it is below what was delivered; else (the last message is
        // gone, newer events came since) the newest entry still held before that message.
        long lostAfter = last == null ? 0 : last < after ? last : read.keptBelow() != null ? read.keptBelow() : 0;
        // Another node that found the same loss may have told it already (its lost event is in what was read):
        // told once is enough when it covers this node's range too.
        boolean told = read.missed().stream().anyMatch(event -> event instanceof Lost lost
                && Long.parseLong(lost.after()) <= lostAfter && Long.parseLong(lost.through()) >= after);
        if (!told) {
            tellLost(lostAfter, after, System.nanoTime());
        }
        lastDelivered = last == null ? Long.MIN_VALUE : last;
        lastMessage = Long.MIN_VALUE; // gone with the rest: the next repair must not find the same loss again
        return true;
    }

    /**
     * Whether this channel knows of any id of the room (delivered, held, or the room's last id when it subscribed):
     * evidence a loss can be checked by. Takes no lock, so it can be asked under anyone's.
     */
    boolean heardAnything() {
        return highWater != Long.MIN_VALUE;
    }

    /**
     * For a channel whose last subscriber here left ({@link LeftRooms}): reads whether Redis still holds what this
     * node delivered, and when it does not, tells the loss to every node as a repair does. Nobody here is told: nobody
     * here is in the room.
     *
     * @return completes with whether a loss was found (then it has been told, or was told already), or fails when
     *         Redis could not be read
     */
    CompletionStage<Boolean> checkAfterLeaving() {
        long after;
        long message;
        synchronized (this) {
            after = Math.max(lastDelivered, subscribedAt);
            message = lastMessage;
        }
        if (after == Long.MIN_VALUE) {
            return CompletableFuture.completedFuture(false); // it knew of ids only as a floor: nothing to check
        }
        return link.readRepair(room, after, message == Long.MIN_VALUE ? 0 : message, Math.max(historySize, 1))
                .thenApply(reply -> {
                    synchronized (this) {
                        return actOnLoss(RepairRead.of(reply, link), after, message);
                    }
                });
    }

    /** The room's next id must stay above {@code id}, which a channel of the room here before this one knew of. */
    void floor(long id) {
        known(id);
    }

    /** Must hold the lock. */
    private void retry(Throwable failure) {
        long now = System.nanoTime();
        if (failingSince == 0) {
            failingSince = now;
            LOG.log(Level.WARNING, "room {0}: could not read what was missed ({1}); retrying", room,
                    failure.toString());
        }
        if (now - failingSince >= patience.toNanos()) {
            failingSince = 0;
            failures = 0;
            giveUp("what was missed could not be read for " + patience.toMillis() + " ms: " + failure);
            return;
        }
        telemetry.repairRetried();
        long delay = Math.min(LAST_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(failures++, 5));
        link.schedule(this::repair, delay);
    }

    /** Must hold the lock. The members resync; what waited is delivered, to whoever is still here. */
    private void giveUp(String why) {
        LOG.log(Level.WARNING, "room {0}: {1}; members resync", room, why);
        telemetry.repairGivenUp();
        forgetPresence();
        subscribers.forEach(Subscriber::lost);
        release();
    }

    /** Must hold the lock. Events that waited are delivered in order, and live ones go straight through again. */
    private void release() {
        // A presence replica read while events were held may lack joins and leaves the history does not keep.
        forgetPresence();
        List<RoomEvent> waited = held;
        held = null;
        overflowed = false;
        if (waited != null) {
            waited.forEach(this::deliverInOrder);
        }
    }

    /**
     * Tells every node's members of the loss, in the room's order: a member whose node was not hearing the room when
     * the lost events were published (its subscription was down, then Redis came back older before it read them)
     * finds nothing amiss in what Redis holds, and would otherwise carry on over the hole without a word. Retried
     * for {@link #patience} while Redis does not answer.
     */
    private void tellLost(long after, long through, long since) {
        link.tellLost(room, after, through).whenComplete((told, failure) -> {
            if (failure == null) {
                return;
            }
            if (System.nanoTime() - since < patience.toNanos()) {
                link.schedule(() -> tellLost(after, through, since), LAST_RETRY_MILLIS);
            } else {
                LOG.log(Level.WARNING, "room {0}: could not tell the other nodes that events after {1} up to {2}"
                        + " were lost: {3}", room, Long.toString(after), Long.toString(through), failure.toString());
            }
        });
    }

    /** Must hold the lock. */
    private void rolledBack(String evidence) {
        LOG.log(Level.WARNING, "room {0}: Redis lost events this node delivered (it came back with older data, or"
                + " failed over to a replica that lagged): {1}; members resync", room, evidence);
        telemetry.rollbackDetected();
        forgetPresence();
        subscribers.forEach(Subscriber::lost);
    }

    /** Must hold the lock. The replica, and any read of it under way, can no longer be trusted. */
    private void forgetPresence() {
        presence = null;
        sincePresenceRead = null;
        presenceEpoch++;
    }

    /** This node's members were taken out of the room's presence (its lease ran out): read the presence again. */
    synchronized void presenceLost() {
        forgetPresence();
    }

    /** The members for a welcome from the replica, or null when there is none yet (or any more). */
    synchronized PresenceView presence(int limit) {
        return presence == null ? null : new PresenceView(presence.members(limit), presence.count(), presence.at());
    }

    /** A read of the whole presence to make, or one under way to wait for. */
    record PresenceRead(int epoch, CompletableFuture<Void> underWay) {
    }

    /**
     * A read of the whole presence begins ({@code snapshot.lua}) unless one is under way: from now on every
     * delivered event is kept for it. A storm of joins waits for the one read, then builds on the replica.
     *
     * @return the read to make (hand its epoch back to {@link #presenceRead}), or the one under way to wait for
     */
    synchronized PresenceRead beginPresenceRead() {
        if (presenceReading != null && !presenceReading.isDone()) {
            return new PresenceRead(presenceEpoch, presenceReading);
        }
        if (presence == null) {
            sincePresenceRead = new ArrayList<>(); // afresh: one left by a read that failed may hold old joins
        }
        presenceReading = new CompletableFuture<>();
        return new PresenceRead(presenceEpoch, null);
    }

    /** The read begun with {@code epoch} failed, or is done: whoever waited for it goes on. */
    void presenceReadEnded() {
        CompletableFuture<Void> reading;
        synchronized (this) {
            reading = presenceReading;
        }
        if (reading != null) {
            reading.complete(null);
        }
    }

    /**
     * The whole presence as Redis gave it at {@code lastId}: the replica starts from it and what was delivered since
     * the read began, unless a loss came in between (or another read installed one first).
     */
    synchronized void presenceRead(int epoch, long lastId, List<dev.chatwar.protocol.User> members) {
        if (epoch == presenceEpoch && presence == null && sincePresenceRead != null) {
            presence = new PresenceReplica(lastId, members, sincePresenceRead);
            sincePresenceRead = null;
        }
    }
}
