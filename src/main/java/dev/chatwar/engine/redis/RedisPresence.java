package dev.chatwar.engine.redis;

import dev.chatwar.engine.redis.RedisConnections.Commands;
import dev.chatwar.engine.Engine.Arrival;
import dev.chatwar.engine.Engine.Entered;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.NodeEnvelope;
import dev.chatwar.protocol.ServerEvent.Leave;
import dev.chatwar.protocol.Timestamps;
import dev.chatwar.protocol.User;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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
    static final Script OWN = Script.named("own.lua");

    private final RedisConnections connections;
    private final RedisKeys keys;
    private final RoomOrder order;
    private final FrameCodec codec;
    private final Supplier<String> node;
    /** Leaves that failed while Redis was unreachable; finished after the next renewal of the lease. */
    private final Set<Place> unfinishedLeaves = ConcurrentHashMap.newKeySet();
    /** The places this node holds now, under its current identity: what it reports as its members. */
    private final Set<Place> held = ConcurrentHashMap.newKeySet();
    /** Per room, the places this node holds there and the enters on their way: rooms it must not forget. */
    private final ConcurrentHashMap<String, Integer> roomUse = new ConcurrentHashMap<>();
    /** The rooms this node has added to its rooms in Redis, each with the identity it added it under. */
    private final ConcurrentHashMap<String, CompletableFuture<Void>> recordedRooms = new ConcurrentHashMap<>();
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
        Commands connection = connections.commands();
        if (connection == null) {
            return RedisEngine.notConnected();
        }
        String here = node.get();
        use(room);
        CompletableFuture<Entered> entered = recordRoom(connection, here, room).thenCompose(recorded -> arrival.verified()
                ? own(connection, arrival).thenCompose(name -> enterAs(connection, here, room, memberKey, arrival,
                        name, List.of()))
                : enterGuest(connection, here, room, memberKey, arrival, FIRST_LOOKUP));
        return entered.whenComplete((done, failure) -> {
            if (failure == null) {
                held.add(new Place(room, memberKey));
            } else {
                unuse(room);
            }
        }).exceptionallyCompose(RedisEngine::unavailable);
    }

    /** A place here in the room, or one on its way: the room stays among this node's rooms. */
    private void use(String room) {
        roomUse.merge(room, 1, Integer::sum);
    }

    private void unuse(String room) {
        roomUse.computeIfPresent(room, (name, uses) -> uses <= 1 ? null : uses - 1);
    }

    /** This node gave up the place (it left, or a reconnect elsewhere took it), if it held it. */
    private void release(Place place) {
        if (held.remove(place)) {
            unuse(place.room());
        }
    }

    /** How many of a guest's names ("name", "name (2)", …) are looked up among the verified ones at first. */
    static final int FIRST_LOOKUP = 8;

    /**
     * Adds the room to this node's rooms, before any member of this node enters it: so a reaper that finds this node
     * dead visits every room where it has members, whenever it dies. Once per room and identity of the node: the
     * enters of a storm wait for the one {@code SADD} (each sent its own before, up to one per join).
     */
    private CompletableFuture<Void> recordRoom(Commands connection, String here, String room) {
        String recorded = recorded(here, room);
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> recording = recordedRooms.computeIfAbsent(recorded, key -> mine);
        if (recording == mine) {
            connections.dispatched(() -> connection.async().sadd(keys.nodeRooms(here), room))
                    .whenComplete((added, failure) -> {
                        if (failure != null) {
                            recordedRooms.remove(recorded, mine); // the next enter tries again
                            mine.completeExceptionally(failure);
                        } else {
                            mine.complete(null);
                        }
                    });
        }
        return recording;
    }

    /**
     * A room as recorded for one identity of this node: a lease lost meanwhile gives the node a new identity, whose
     * rooms in Redis are new too, so what the old one recorded must not count for it.
     */
    private static String recorded(String identity, String room) {
        return identity + '\n' + room;
    }

    /** A verified user's name, chat-wide ({@code own.lua}): its own, or the first "name (n)" nobody else owns. */
    private CompletableFuture<Names> own(Commands connection, Arrival arrival) {
        return connections.dispatched(() -> Script.<List<Object>>run(OWN, connection.async(),
                        new String[] {keys.owners()}, new String[] {arrival.name(), arrival.nameKey(), arrival.userId()},
                        ScriptOutputType.MULTI))
                .thenApply(reply -> new Names((String) reply.get(0), (String) reply.get(1)));
    }

    /** A name and its key. */
    private record Names(String name, String key) {
    }

    /**
     * A guest enters with the first of its names that no member here uses and no verified user owns. The owned ones
     * are looked up first (the verified names are chat-wide, in a hash slot of their own), {@code lookup} of them,
     * and four times as many when a crowded room needs more.
     */
    private CompletableFuture<Entered> enterGuest(Commands connection, String here,
                                                  String room, String memberKey, Arrival arrival, int lookup) {
        String[] candidates = new String[lookup];
        for (int i = 0; i < lookup; i++) {
            candidates[i] = i == 0 ? arrival.nameKey() : arrival.nameKey() + " (" + (i + 1) + ")";
        }
        return connections.dispatched(() -> connection.async().hmget(keys.owners(), candidates))
                .thenCompose(owners -> {
                    List<String> owned = owners.stream().filter(owner -> owner.hasValue()).map(KeyValue::getKey)
                            .toList();
                    return enterAs(connection, here, room, memberKey, arrival,
                            new Names(arrival.name(), arrival.nameKey()), owned, lookup);
                })
                .thenCompose(entered -> entered != null ? CompletableFuture.completedFuture(entered)
                        : enterGuest(connection, here, room, memberKey, arrival, lookup * 4));
    }

    private CompletableFuture<Entered> enterAs(Commands connection, String here,
                                               String room, String memberKey, Arrival arrival, Names names,
                                               List<String> owned) {
        return enterAs(connection, here, room, memberKey, arrival, names, owned, 0);
    }

    /** {@code enter.lua}; null when a guest needs more of its names looked up. */
    private CompletableFuture<Entered> enterAs(Commands connection, String here,
                                               String room, String memberKey, Arrival arrival, Names names,
                                               List<String> owned, int lookedUp) {
        String[] scriptKeys = {keys.members(room), keys.names(room), keys.nodes(room), keys.identities(room)};
        List<String> args = new ArrayList<>(List.of(memberKey, here, names.name(), names.key(),
                arrival.verified() ? "v:" + arrival.userId() : "", arrival.address(),
                arrival.moderator() ? "1" : "0", Integer.toString(lookedUp)));
        args.addAll(owned);
        return connections.dispatched(() -> Script.<List<Object>>run(ENTER, connection.async(), scriptKeys,
                        args.toArray(String[]::new), ScriptOutputType.MULTI))
                .thenApply(reply -> {
                    String given = (String) reply.get(0);
                    return given.isEmpty() ? null
                            : new Entered(arrival.user(given), ((Long) reply.get(1)).intValue());
                });
    }

    /**
     * See {@code Engine#leave}. A leave that fails (Redis unreachable) is not lost: the member stays in the room's
     * presence until this node reconnects, takes it out then and announces its leave itself; the caller sees -1 and
     * announces nothing.
     */
    CompletionStage<Integer> leave(String room, String memberKey) {
        release(new Place(room, memberKey));
        return leaveNow(room, memberKey).thenApply(Departure::count).exceptionally(failure -> {
            unfinishedLeaves.add(new Place(room, memberKey));
            return -1;
        });
    }

    private CompletableFuture<Departure> leaveNow(String room, String memberKey) {
        Commands connection = connections.commands();
        if (connection == null) {
            return RedisEngine.notConnected();
        }
        String[] scriptKeys = {keys.members(room), keys.names(room), keys.nodes(room), keys.identities(room),
                keys.announced(room)};
        return connections.dispatched(() -> Script.<List<Object>>run(LEAVE, connection.async(), scriptKeys,
                        new String[] {memberKey}, ScriptOutputType.MULTI))
                .thenApply(reply -> reply.isEmpty() ? Departure.NONE
                        : new Departure(((Long) reply.get(0)).intValue(), codec.decodeUser((String) reply.get(1))));
    }

    /** See {@code Engine#claim}. */
    CompletionStage<Entered> claim(String room, String memberKey, String newKey, Arrival claimant) {
        Commands connection = connections.commands();
        if (connection == null) {
            return CompletableFuture.completedFuture(null);
        }
        String here = node.get();
        String[] scriptKeys = {keys.members(room), keys.nodes(room), keys.identities(room), keys.announced(room)};
        String[] args = {memberKey, newKey, keys.channel(room), claimant.verified() ? "v:" + claimant.userId() : "g:",
                here, claimant.address(), NodeEnvelope.replacedHead(here), claimant.moderator() ? "1" : "0",
                connections.publishCommand()};
        use(room);
        return recordRoom(connection, here, room)
                .thenCompose(recorded -> connections.dispatched(() -> Script.<List<Object>>run(CLAIM,
                        connection.async(), scriptKeys, args, ScriptOutputType.MULTI)))
                // No place to claim: the script's false arrives as nothing, or as a list holding a null.
                .thenApply(reply -> reply == null || reply.isEmpty() || reply.get(0) == null ? null
                        : new Entered(codec.decodeUser((String) reply.get(0)), ((Long) reply.get(1)).intValue()))
                .exceptionally(failure -> {
                    LOG.log(Level.INFO, "room {0}: a resume token could not be claimed: {1}", room, failure);
                    return null;
                })
                .whenComplete((claimed, failure) -> {
                    if (claimed != null) {
                        held.add(new Place(room, newKey));
                    } else {
                        unuse(room);
                    }
                });
    }

    /** A reconnect elsewhere claimed this member's place (if it was here): this node no longer holds it. */
    void replaced(String room, String memberKey) {
        release(new Place(room, memberKey));
    }

    /** Members of every room on every node, as of the last renewal of the lease. */
    long population() {
        return population;
    }

    /**
     * After a renewal of the lease: reports this node's members, reads the chat's member count (the sum of what the
     * live nodes reported), and finishes the leaves that failed.
     */
    void renewed(RedisClusterCommands<String, String> redis, String here) {
        redis.hset(keys.population(), here, Integer.toString(held.size()));
        population = redis.hvals(keys.population()).stream().mapToLong(Long::parseLong).sum();
        if (!unfinishedLeaves.isEmpty()) {
            connections.dispatch(this::finishLeaves);
        }
    }

    /** This node lost its lease: the members of its leaves still to finish were taken out with its old identity. */
    void lostLease() {
        unfinishedLeaves.clear();
        held.clear();
        roomUse.clear();
        recordedRooms.clear();
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
    int reap(RedisClusterCommands<String, String> redis, String dead) {
        int members = 0;
        for (String room : redis.smembers(keys.nodeRooms(dead))) {
            String[] scriptKeys = {keys.members(room), keys.names(room), keys.nodes(room), keys.identities(room),
                    keys.announced(room)};
            List<Object> reply = Script.run(EVICT, redis, scriptKeys, new String[] {dead}, ScriptOutputType.MULTI);
            int count = ((Long) reply.get(0)).intValue();
            List<?> gone = (List<?>) reply.get(1);
            for (int i = 0; i < gone.size(); i++) { // each leave counts those still to go after it
                announceLeave(room, codec.decodeUser((String) gone.get(i)), count + gone.size() - 1 - i);
            }
            members += gone.size();
            redis.srem(keys.nodeRooms(dead), room); // after its members: a reaper that dies here leaves it to the next
        }
        redis.del(keys.nodeRooms(dead));
        redis.hdel(keys.population(), dead);
        return members;
    }

    /**
     * Forgets, for this node, the rooms it no longer has members in: where it holds no place and enters none now, and
     * where the room's presence counts none of its members either (a leave still unfinished keeps its room).
     *
     * <p>Against an enter that starts meanwhile: the decision and the forgetting of {@link #recordedRooms} are one
     * step, so an enter that starts later adds the room again itself; and one that started between that step and the
     * removal from Redis is seen by the check after it, which adds the room back. Either way the room is in Redis
     * before the member's enter.
     */
    void prune(RedisClusterCommands<String, String> redis, String here) {
        for (String room : redis.smembers(keys.nodeRooms(here))) {
            if (roomUse.containsKey(room) || redis.hexists(keys.nodes(room), here)) {
                continue;
            }
            boolean[] unused = {false};
            roomUse.compute(room, (name, uses) -> {
                if (uses == null) {
                    unused[0] = true;
                    recordedRooms.remove(recorded(here, name));
                }
                return uses;
            });
            if (unused[0]) {
                redis.srem(keys.nodeRooms(here), room);
                if (roomUse.containsKey(room) || recordedRooms.containsKey(recorded(here, room))) {
                    redis.sadd(keys.nodeRooms(here), room);
                }
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
