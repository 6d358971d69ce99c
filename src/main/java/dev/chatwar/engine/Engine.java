package dev.chatwar.engine;

import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.ServerEvent.Typing;
import dev.chatwar.protocol.User;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Orders a chat's room events and carries them to every node that serves the chat. A node never delivers an event
 * it publishes by itself: it publishes, and delivers what its subscription receives, like every other node. So the
 * order the engine gives is the one order every node's members see.
 *
 * <p>Guarantees an implementation gives:
 * <ul>
 *   <li><b>One order per room.</b> {@link #publish} gives each event the room's next id, a decimal number larger than
 *       every id the room had before, also after the engine's store lost some or all of its data (it came back with
 *       an older copy, or wiped): an id is never handed out twice. Each subscriber receives a room's events in id
 *       order, never two at once, and each once; when events may be missing (the store lost some, or they could not
 *       be read back) the subscriber is told ({@link Subscriber#lost}), never left with a silent hole.
 *   <li><b>History in the same step.</b> A message or a removal is appended to the room's history (its last
 *       {@code historySize} kept events) atomically with taking its id and being published; joins and leaves take
 *       ids but are not kept.
 *   <li><b>A removal takes the text out.</b> Publishing a {@link dev.chatwar.protocol.ServerEvent.Remove} replaces
 *       the removed message in the history by its placeholder (the text is gone from the store, not hidden) in the
 *       same step; when the history holds no such message, or it was removed already, nothing is published
 *       ({@link Outcome#NOTHING_TO_REMOVE}).
 *   <li><b>A resend is not a new message.</b> A message whose sender (by key) sent a message with the same
 *       {@code cid} within the resend window, however many messages the room carried since, is not published; the
 *       outcome carries that original instead (or, when it left the history, the resend under the original's id).
 *   <li><b>Fail fast.</b> When the engine cannot serve (its store is unreachable), {@link #publish},
 *       {@link #enter} and {@link #snapshot} complete exceptionally with {@link EngineUnavailableException} at once;
 *       nothing is queued to be replayed later out of order, and nothing is half-published.
 *   <li><b>One presence per room.</b> Who is in a room, and which names are taken, is kept by the engine for every
 *       node ({@link #enter}, {@link #leave}, {@link #claim}). A node that stops renewing its lease (it died, or was
 *       cut off) is declared dead after the node timeout: its members are taken out and each one's {@code leave} is
 *       published in the room's order, once, by one of the nodes still alive.
 *   <li>Subscriber callbacks run on the engine's threads and must not block.
 * </ul>
 */
public interface Engine extends AutoCloseable {

    /** Where a node's rooms receive the events the engine ordered. */
    interface Subscriber {
        /** The room's next event, with its id; called in id order, never concurrently for one room. */
        void deliver(RoomEvent event);

        /**
         * Events of the room may have been lost on their way here (the engine's connection was down longer than its
         * history reaches back, or what was missed could not be read back), the store lost events this node had
         * delivered, or this node's members were taken out of the room's presence (its lease ran out while it was
         * cut off): the members must come back on their own, with {@code since}.
         */
        default void lost() {
        }

        /**
         * A reconnect on some node claimed the place of the member whose resume token has this key: if that member is
         * here, it goes, unannounced, and its connection is closed.
         */
        default void replaced(String resumeKey) {
        }

        /** A notice from some node that takes no place in the room's order ({@code typing}). */
        default void signal(Typing notice) {
        }
    }

    /**
     * Who asks to enter a room: the name asked for (a verified user's own) with its key ({@code Names.key}: compared
     * after NFKC and case folding), whether that name is verified (a container login or a token of the operator's
     * application), the client's address, and for a verified user the identity that owns its name ({@code userId}:
     * a token's {@code sub} or the container's login, each with its own prefix; null for a guest), and whether it
     * moderates the room.
     */
    record Arrival(String name, String nameKey, boolean verified, String address, String userId, boolean moderator) {
        /** A guest, or a verified user whose identity is its name; no moderator. */
        public Arrival(String name, String nameKey, boolean verified, String address) {
            this(name, nameKey, verified, address, verified ? "n:" + nameKey : null, false);
        }

        /** No moderator. */
        public Arrival(String name, String nameKey, boolean verified, String address, String userId) {
            this(name, nameKey, verified, address, userId, false);
        }

        /** The member this arrival becomes under the name given. */
        public User user(String given) {
            return new User(given, address, verified ? Boolean.TRUE : null, moderator ? Boolean.TRUE : null);
        }
    }

    /** A member as the room's presence holds it: the name it got, and the room's member count right after. */
    record Entered(User user, int count) {
    }

    /**
     * What a newcomer's welcome is built from, read in one step: the room's members on every node ({@code count}, and
     * each one unless there are more than asked for), its kept messages, and {@code lastId}, the last id these
     * reflect: an event with a larger id happened after (a value below every id when the engine cannot tell).
     * {@code announcedOnly}: the members are those whose joins were ordered up to {@code lastId} (a replica of the
     * room's order), not every member that entered.
     */
    record Snapshot(List<User> members, int count, List<RoomEvent> history, long lastId, boolean announcedOnly) {
        public Snapshot {
            members = List.copyOf(members);
            history = List.copyOf(history);
        }

        /** As of the store: every member that entered, announced or not. */
        public Snapshot(List<User> members, int count, List<RoomEvent> history, long lastId) {
            this(members, count, history, lastId, false);
        }

        /**
         * With a newcomer whose join is not ordered yet, when the snapshot holds only announced members ({@link
         * Engine#welcomeSnapshot} may): a welcome lists the newcomer itself.
         */
        public Snapshot withNewcomer(User newcomer) {
            if (!announcedOnly) {
                return this;
            }
            List<User> with = new java.util.ArrayList<>(members);
            with.add(newcomer);
            return new Snapshot(with, count + 1, history, lastId, false);
        }

        /** Whether the room is unknown: nobody in it, and nothing ever ordered that the engine still remembers. */
        public boolean unknown() {
            return count == 0 && lastId == Long.MIN_VALUE && history.isEmpty();
        }
    }

    /**
     * What {@link #publish} did: the event as ordered, or for a resend the original it repeats; for a removal of a
     * message the history does not hold, {@link #NOTHING_TO_REMOVE}.
     */
    record Outcome(RoomEvent event, boolean duplicate) {
        public static final Outcome NOTHING_TO_REMOVE = new Outcome(null, false);

        public boolean published() {
            return event != null && !duplicate;
        }
    }

    /** A room with members, as {@link #rooms} lists it: its name and its members on every node. */
    record RoomCount(String room, int members) {
    }

    /** One page of {@link #rooms}: {@code next} continues it, null after the last page. */
    record RoomPage(List<RoomCount> rooms, String next) {
        public RoomPage {
            rooms = List.copyOf(rooms);
        }
    }

    /**
     * Whether this engine can order events now: {@link #PARTIAL} when it can for some rooms only (a shard of a Redis
     * Cluster is out of reach: see {@link #unreachable}); {@link #OFF} for one that needs no outside store.
     */
    enum Status {
        UP, PARTIAL, DOWN, OFF
    }

    /**
     * Starts delivering the room's events to {@code subscriber}.
     *
     * @return completes once every event published from then on will reach the subscriber
     */
    CompletionStage<Void> subscribe(String room, Subscriber subscriber);

    /** Stops delivering the room's events to {@code subscriber}. */
    void unsubscribe(String room, Subscriber subscriber);

    /**
     * Orders and publishes an event of {@code event.room()}; its {@code id} is ignored and replaced.
     *
     * @param senderKey the sender as a resend is matched ({@code Names.key} of its name); used for messages only
     */
    CompletionStage<Outcome> publish(RoomEvent event, String senderKey);

    /**
     * Orders a member's own {@code join}, marking the member announced in the room's presence in the same step (the
     * key it entered with): so a presence read with the room's last id tells the members whose joins are ordered up
     * to it from those still on their way ({@link #welcomeSnapshot}).
     */
    default CompletionStage<Outcome> announce(RoomEvent join, String senderKey, String memberKey) {
        return publish(join, senderKey);
    }

    /**
     * Carries a notice that takes no place in the room's order and is never kept ({@code typing}) to the room's
     * subscribers on every node, this one's included. Best effort: lost while the engine is unreachable.
     */
    void signal(Typing notice);

    /**
     * Enters a member into the room's presence, which every node shares: under {@code memberKey} (its resume token's
     * key), as a member of this node. A verified name belongs to the first user ({@code userId}) who took it, chat-wide
     * and for good: a verified member gets its name, or when another user owns it the first {@code name (n)} that is
     * free or its own; every connection of one user gets the same name. A guest gets the name asked for or, when a
     * member of the room uses it or a user owns it, the first free {@code name (n)}. Two guests asking for one name at
     * once get two names.
     */
    CompletionStage<Entered> enter(String room, String memberKey, Arrival arrival);

    /**
     * Takes a member out of the room's presence and frees its name.
     *
     * @return the room's member count after, or -1 when it was not there: it left already, its place was claimed, or
     *         its node was declared dead meanwhile (so its leave is announced by whoever took it out, or not at all)
     */
    CompletionStage<Integer> leave(String room, String memberKey);

    /**
     * Claims the place of the member under {@code memberKey} for a reconnect, once, if the claimant may take it: a
     * guest's place serves only a guest, a verified user's only the same user (by {@code userId}). The place moves to {@code newKey} on
     * this node with the claimant's address, keeping its name; every node's subscribers of the room are told
     * ({@link Subscriber#replaced}), and the member is returned. Otherwise null and nothing changes, also when the
     * engine is unreachable (the reconnect then enters as a newcomer).
     */
    CompletionStage<Entered> claim(String room, String memberKey, String newKey, Arrival claimant);

    /**
     * The room's members, kept messages and last id, as of one instant.
     *
     * @param memberLimit list the members only when there are at most this many (else only count them)
     */
    CompletionStage<Snapshot> snapshot(String room, int memberLimit);

    /**
     * A snapshot for a newcomer's welcome in a room this node hears: the same, except that an engine may build it
     * from what this node has delivered of the room (its members as of the last event delivered here, which may be
     * a moment behind the store: a member whose join is ordered but not yet delivered here comes in the newcomer's
     * "meanwhile" instead). Cheaper, since a join storm then reads each member once per node, not once per join.
     * Moderation and the server API ask {@link #snapshot}, which is as of the store.
     */
    default CompletionStage<Snapshot> welcomeSnapshot(String room, int memberLimit) {
        return snapshot(room, memberLimit);
    }

    /**
     * Counts one more open connection of {@code client} (an address, or an IPv6 prefix) over every node, unless the
     * client has {@code limit} open already. A dead node's connections stop counting with its lease.
     *
     * @return completes with a receipt for {@link #disconnect}, or with null when the client is at its limit; fails
     *         when the engine is unreachable (the caller then counts on its own node only)
     */
    CompletionStage<String> connect(String client, int limit);

    /** Counts one connection of {@code client} less, given its receipt from {@link #connect}. */
    void disconnect(String client, String receipt);

    /**
     * The rooms that have members on some node, a page at a time, each once over a whole walk (a room that empties or
     * fills during the walk may be missed or listed).
     *
     * @param cursor null for the first page, else the {@code next} of the page before
     * @param limit  about how many rooms a page holds, at most
     * @throws IllegalArgumentException (in the stage) for a cursor no page gave
     */
    CompletionStage<RoomPage> rooms(String cursor, int limit);

    /** The chat's bans, mutes, kicks and audit trail, shared with every node that shares this engine's store. */
    Sanctions sanctions();

    /** This node's identity in the chat: unique to this run of the node, a restart gets a new one. */
    String node();

    /** Members of every room on every node, as of a moment ago (for metrics). */
    long clusterMembers();

    /** The parts of its store this engine cannot reach now (a Redis Cluster's shards, as {@code host:port}). */
    default List<String> unreachable() {
        return List.of();
    }

    /**
     * {@link Status#UP} while connected to the store with this node's lease in the chat held, and, from the start on,
     * with the chat's sanctions read and their changes heard: before that a node knows no ban and misses kicks, and a
     * load balancer that asks {@code /health} must not send it members yet.
     */
    Status status();

    /** Stops delivery and releases connections and threads. */
    @Override
    void close();
}
