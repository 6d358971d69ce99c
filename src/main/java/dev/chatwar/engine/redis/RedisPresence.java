package dev.chatwar.engine.redis;

import dev.chatwar.engine.Engine.Arrival;
import dev.chatwar.engine.Engine.Entered;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.NodeEnvelope;
import dev.chatwar.protocol.ServerEvent.Leave;
import dev.chatwar.protocol.Timestamps;
import dev.chatwar.protocol.User;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Who is in each room over every node, and which names are taken: {@code enter.lua}, {@code leave.lua} and
 * {@code claim.lua}, each one atomic step. A leave that fails while Redis is unreachable is not lost: it is finished
 * after the next renewal of the lease, and its leave announced then. The members of a node whose lease ran out are
 * taken out by one of the nodes still alive ({@code evict.lua}), which announces each one's leave.
 *
 * <p>A reconnect that claims a member's place ({@code claim.lua}) tells every node on the room's channel
 * ({@link NodeEnvelope.Replaced}); the node that holds the old connection closes it, unannounced. That is the
 * precedent for a control that acts on a member wherever it is connected.
 */
final class RedisPresence {
    private static final System.Logger LOG = System.getLogger(RedisPresence.class.getName());
    static final Script ENTER = Script.named("enter.lua");
    static final Script LEAVE = Script.named("leave.lua");
    static final Script CLAIM = Script.named("claim.lua");
    static final Script EVICT = Script.named("evict.lua");
    static final Script PRUNE = Script.named("prune.lua");

    private final RedisConnections connections;
    private final RedisKeys keys;
    private final RoomOrder order;
    private final FrameCodec codec;
    private final Supplier<String> node;
    /** Leaves that failed while Redis was unreachable; finished after the next renewal of the lease. */
    private final Set<Place> unfinishedLeaves = ConcurrentHashMap.newKeySet();
    /** The chat's member count over all rooms and nodes, as last read. */
    private volatile long population;

    RedisPresence(RedisConnections connections, RedisKeys keys, RoomOrder order, FrameCodec codec,
                  Supplier<String> node) {
        this.connections = connections;
        this.keys = keys;
        this.order = order;
        this.codec = codec;
        this.node = node;
    }

    /** A member's place in a room's presence. */
    private record Place(String room, String memberKey) {
    }

    /** What taking a member out left: the room's count after, and the member as it was; or -1 and null. */
    private record Departure(int count, User user) {
        static final Departure NONE = new Departure(-1, null);
    }

    /** See {@code Engine#enter}. */
    CompletionStage<Entered> enter(String room, String memberKey, Arrival arrival) {
        StatefulRedisConnection<String, String> connection = connections.commands();
        if (connection == null) {
            return RedisEngine.notConnected();
        }
        String here = node.get();
        String[] scriptKeys = {keys.members(room), keys.names(room), keys.nodes(room), keys.owners(),
                keys.nodeRooms(here), keys.population()};
        String[] args = {memberKey, here, arrival.name(), arrival.nameKey(), arrival.verified() ? "1" : "0",
                arrival.address(), room, arrival.verified() ? arrival.userId() : "", arrival.moderator() ? "1" : "0"};
        return connections.dispatched(() -> Script.<List<Object>>run(ENTER, connection.async(), scriptKeys, args,
                        ScriptOutputType.MULTI))
                .thenApply(reply -> new Entered(arrival.user((String) reply.get(0)), ((Long) reply.get(1)).intValue()))
                .exceptionallyCompose(RedisEngine::unavailable);
    }

    /**
     * See {@code Engine#leave}. A leave that fails (Redis unreachable) is not lost: the member stays in the room's
     * presence until this node reconnects, takes it out then and announces its leave itself; the caller sees -1 and
     * announces nothing.
     */
    CompletionStage<Integer> leave(String room, String memberKey) {
        return leaveNow(room, memberKey).thenApply(Departure::count).exceptionally(failure -> {
            unfinishedLeaves.add(new Place(room, memberKey));
            return -1;
        });
    }

    private CompletableFuture<Departure> leaveNow(String room, String memberKey) {
        StatefulRedisConnection<String, String> connection = connections.commands();
        if (connection == null) {
            return RedisEngine.notConnected();
        }
        String[] scriptKeys = {keys.members(room), keys.names(room), keys.nodes(room), keys.population()};
        return connections.dispatched(() -> Script.<List<Object>>run(LEAVE, connection.async(), scriptKeys,
                        new String[] {memberKey}, ScriptOutputType.MULTI))
                .thenApply(reply -> reply.isEmpty() ? Departure.NONE
                        : new Departure(((Long) reply.get(0)).intValue(), codec.decodeUser((String) reply.get(1))));
    }

    /** See {@code Engine#claim}. */
    CompletionStage<Entered> claim(String room, String memberKey, String newKey, Arrival claimant) {
        StatefulRedisConnection<String, String> connection = connections.commands();
        if (connection == null) {
            return CompletableFuture.completedFuture(null);
        }
        String here = node.get();
        String[] scriptKeys = {keys.members(room), keys.nodes(room), keys.nodeRooms(here), keys.owners()};
        String[] args = {memberKey, newKey, keys.channel(room), claimant.verified() ? "v:" + claimant.userId() : "g:",
                here, claimant.address(), room, NodeEnvelope.replacedHead(here), claimant.moderator() ? "1" : "0"};
        return connections.dispatched(() -> Script.<List<Object>>run(CLAIM, connection.async(), scriptKeys, args,
                        ScriptOutputType.MULTI))
                // No place to claim: the script's false arrives as nothing, or as a list holding a null.
                .thenApply(reply -> reply == null || reply.isEmpty() || reply.get(0) == null ? null
                        : new Entered(codec.decodeUser((String) reply.get(0)), ((Long) reply.get(1)).intValue()))
                .exceptionally(failure -> {
                    LOG.log(Level.INFO, "room {0}: a resume token could not be claimed: {1}", room, failure);
                    return null;
                });
    }

    /** Members of every room on every node, as of the last renewal of the lease. */
    long population() {
        return population;
    }

    /** After a renewal of the lease: reads the chat's member count, and finishes the leaves that failed. */
    void renewed(RedisCommands<String, String> redis) {
        String count = redis.get(keys.population());
        population = count == null ? 0 : Long.parseLong(count);
        if (!unfinishedLeaves.isEmpty()) {
            connections.dispatch(this::finishLeaves);
        }
    }

    /** This node lost its lease: the members of its leaves still to finish were taken out with its old identity. */
    void lostLease() {
        unfinishedLeaves.clear();
    }

    /** After a reconnect: the leaves that failed during the outage, each announced once it went through. */
    private void finishLeaves() {
        for (Place pending : List.copyOf(unfinishedLeaves)) {
            unfinishedLeaves.remove(pending);
            leaveNow(pending.room(), pending.memberKey()).whenComplete((done, failure) -> {
                if (failure != null) {
                    unfinishedLeaves.add(pending);
                } else if (done.user() != null) {
                    announceLeave(pending.room(), done.user(), done.count());
                }
            });
        }
    }

    /**
     * Takes a dead node's members out of every room it had members in, and announces each one's leave.
     *
     * @return how many were taken out
     */
    int reap(RedisCommands<String, String> redis, String dead) {
        int members = 0;
        for (String room : redis.smembers(keys.nodeRooms(dead))) {
            String[] scriptKeys = {keys.members(room), keys.names(room), keys.nodes(room), keys.nodeRooms(dead),
                    keys.population()};
            List<Object> reply = Script.run(EVICT, redis, scriptKeys, new String[] {dead, room},
                    ScriptOutputType.MULTI);
            int count = ((Long) reply.get(0)).intValue();
            List<?> gone = (List<?>) reply.get(1);
            for (int i = 0; i < gone.size(); i++) { // each leave counts those still to go after it
                announceLeave(room, codec.decodeUser((String) gone.get(i)), count + gone.size() - 1 - i);
            }
            members += gone.size();
        }
        redis.del(keys.nodeRooms(dead));
        return members;
    }

    /** Forgets, for this node, the rooms it no longer has members in (those {@code subscribed} says no to). */
    void prune(RedisCommands<String, String> redis, String here, Predicate<String> subscribed) {
        for (String room : redis.smembers(keys.nodeRooms(here))) {
            if (!subscribed.test(room)) {
                Script.run(PRUNE, redis, new String[] {keys.nodes(room), keys.nodeRooms(here)},
                        new String[] {here, room}, ScriptOutputType.INTEGER);
            }
        }
    }

    /** Orders the leave of a member that its own node could not announce (a dead node's, or one left over). */
    private void announceLeave(String room, User user, int count) {
        order.publish(new Leave(room, Timestamps.format(Instant.now()), null, user, count), "")
                .whenComplete((outcome, failure) -> {
                    if (failure != null) {
                        LOG.log(Level.WARNING, "room {0}: the leave of {1} could not be announced: {2}", room,
                                user.name(), failure.toString());
                    }
                });
    }
}
