package dev.chatwar.engine.redis;

import dev.chatwar.engine.redis.RedisConnections.Commands;
import dev.chatwar.engine.Sanctions;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Clock;
import java.util.ArrayList;

import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.engine.EngineUnavailableException;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.ServerEvent.Typing;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The engine of a chat served by many nodes, on one Redis or a Redis Cluster: a facade over one class per concern,
 * the only package that talks to Redis.
 * <ul>
 *   <li>{@link RedisConnections}: the Lettuce client (one Redis or a cluster, found out by asking), its connections,
 *       the engine's threads, the probe; {@link ShardSubscriptions}: on a cluster, the sharded subscriptions, one
 *       connection per primary, following the topology; {@link RedisTargets}: what {@code CHAT_REDIS_URL} names;
 *   <li>{@link RoomChannels} and {@link RoomChannel}: this node's room subscriptions, in-order delivery, the hold and
 *       repair after a loss, rollback detection, the reading of what nodes send each other, and each room's
 *       {@link PresenceReplica} for welcomes;
 *   <li>{@link RoomOrder}: publishing (ids, history, resends) and the snapshot a welcome is built from;
 *   <li>{@link RedisPresence}: who is in each room, names, takeovers, and the leaves of dead nodes;
 *   <li>{@link ConnectionCounts}: open connections per client over every node;
 *   <li>{@link NodeLease}: this node's lease, and the watch over the others';
 *   <li>{@link RedisKeys}: every key and channel name; {@link Script}: the Lua scripts beside these classes.
 * </ul>
 * Every change is one Lua script, atomic, touching one hash slot (so the same scripts run on a cluster). Every node,
 * the publishing one included, delivers what its subscription receives, so all nodes see one order. Ids never
 * repeat, whatever Redis lost ({@code publish.lua}); what Redis lost of what a node delivered is detected and makes
 * that room's members resync ({@link RoomChannel}).
 */
public final class RedisEngine implements Engine {
    private static final List<Script> SCRIPTS = List.of(RoomOrder.PUBLISH, RoomOrder.SNAPSHOT, RoomChannels.REPAIR,
            RedisPresence.ENTER, RedisPresence.LEAVE, RedisPresence.CLAIM, RedisPresence.EVICT, RedisPresence.OWN,
            ConnectionCounts.CONNECT, ConnectionCounts.DISCONNECT, ConnectionCounts.FORGET, RedisSanctions.SANCTION,
            RedisSanctions.READ);

    private final EngineTelemetry telemetry;
    private final RedisConnections connections;
    private final RoomChannels channels;
    private final RoomOrder order;
    private final RedisPresence presence;
    private final ConnectionCounts counts;
    private final NodeLease lease;
    private final RedisKeys keys;
    private final RedisSanctions sanctions;

    /** Checks a {@code CHAT_REDIS_URL} value as Lettuce reads it. @throws IllegalArgumentException saying what */
    public static void checkUri(String uri) {
        RedisConnections.checkUri(uri);
    }

    /**
     * @param historySize       messages kept per room
     * @param historyTtlSeconds how long a room's keys live after its last event
     * @param nodeTimeout       how long a node may fail to renew its lease before it is declared dead
     * @param resendWindow      how long a message's {@code cid} is recognised in a resend from the same sender
     */
    public RedisEngine(String uri, String prefix, int historySize, long historyTtlSeconds, Duration nodeTimeout,
                       Duration resendWindow, FrameCodec codec, EngineTelemetry telemetry) {
        this.telemetry = telemetry;
        RedisKeys keys = new RedisKeys(prefix);
        this.keys = keys;
        this.connections = new RedisConnections(uri, keys, SCRIPTS, telemetry, new ConnectionsListener());
        this.lease = new NodeLease(connections::leaseCommands, keys, nodeTimeout, new LeaseOwner());
        this.channels = new RoomChannels(connections, keys, codec, historySize, telemetry, this::claimedElsewhere,
                this::publishFromChannel);
        this.order = new RoomOrder(connections, keys, channels, codec, lease::node, historySize, historyTtlSeconds,
                resendWindow);
        this.presence = new RedisPresence(connections, keys, order, codec, lease::node);
        this.counts = new ConnectionCounts(connections, keys, lease::node);
        this.sanctions = new RedisSanctions(connections, keys, codec, lease::node, Clock.systemUTC());
        connections.start();
        connections.every(lease.every(), lease::tick);
    }

    /** An event a room's channel publishes itself (a loss it found), in the room's order, from no sender. */
    private CompletionStage<Outcome> publishFromChannel(RoomEvent event) {
        return order.publish(event, "");
    }

    /** A reconnect claimed a member's place: if this node held it, it no longer does. */
    private void claimedElsewhere(String room, String memberKey) {
        presence.replaced(room, memberKey);
    }

    /** What the engine does when its connections change. */
    private final class ConnectionsListener implements RedisConnections.Listener {
        @Override
        public void subscriptionLost(Predicate<String> carried) {
            channels.hold(carried);
        }

        @Override
        public void subscriptionBack(Predicate<String> carried) {
            channels.repair(carried);
            if (carried.test(sanctions.controlChannel())) {
                sanctions.reload(); // what was imposed or lifted while the control channel was not heard
            }
        }

        @Override
        public void leaseConnectionLost() {
            lease.disconnected();
        }

        @Override
        public void leaseConnectionBack() {
            lease.reconnected();
            connections.schedule(lease::tick, 0); // the lease runs on the connector thread only
        }

        @Override
        public void connected() {
            lease.tick();
        }

        @Override
        public void received(String channel, String line) {
            if (channel.equals(keys.control()) || channel.equals(keys.shardedControl())) {
                sanctions.received(line);
            } else {
                channels.received(channel, line);
            }
        }
    }

    /** The lease's side: what this engine does when its node lost its lease, or another node died. */
    private final class LeaseOwner implements NodeLease.Owner {
        @Override
        public void lost(String oldNode, String node) {
            presence.lostLease();
            channels.presenceLost();
            channels.forEachSubscriber(Subscriber::lost);
        }

        @Override
        public void reap(RedisClusterCommands<String, String> redis, String dead) {
            // Its connections first: whoever hears a leave below finds the dead node's counts gone already.
            counts.forget(redis, dead);
            telemetry.nodeExpired(presence.reap(redis, dead));
        }

        @Override
        public void prune(RedisClusterCommands<String, String> redis, String node) {
            presence.prune(redis, node);
        }

        @Override
        public void renewed(RedisClusterCommands<String, String> redis) {
            presence.renewed(redis, lease.node());
            telemetry.leaseRenewed();
            counts.renewed();
        }
    }

    @Override
    public CompletionStage<Void> subscribe(String room, Subscriber subscriber) {
        return channels.subscribe(room, subscriber);
    }

    @Override
    public void unsubscribe(String room, Subscriber subscriber) {
        channels.unsubscribe(room, subscriber);
    }

    @Override
    public CompletionStage<Outcome> publish(RoomEvent event, String senderKey) {
        return order.publish(event, senderKey);
    }

    @Override
    public CompletionStage<Outcome> announce(RoomEvent join, String senderKey, String memberKey) {
        return order.publish(join, senderKey, memberKey);
    }

    @Override
    public void signal(Typing notice) {
        order.signal(notice);
    }

    @Override
    public CompletionStage<Snapshot> snapshot(String room, int memberLimit) {
        return order.snapshot(room, memberLimit, false);
    }

    /** From the room's presence replica where this node has one: see {@link RoomOrder#snapshot}. */
    @Override
    public CompletionStage<Snapshot> welcomeSnapshot(String room, int memberLimit) {
        return order.snapshot(room, memberLimit, true);
    }

    @Override
    public CompletionStage<Entered> enter(String room, String memberKey, Arrival arrival) {
        return presence.enter(room, memberKey, arrival);
    }

    @Override
    public CompletionStage<Integer> leave(String room, String memberKey) {
        return presence.leave(room, memberKey);
    }

    @Override
    public CompletionStage<Entered> claim(String room, String memberKey, String newKey, Arrival claimant) {
        return presence.claim(room, memberKey, newKey, claimant);
    }

    @Override
    public CompletionStage<String> connect(String client, int limit) {
        return counts.connect(client, limit);
    }

    @Override
    public void disconnect(String client, String receipt) {
        counts.disconnect(client, receipt);
    }

    /**
     * Walks the rooms' member hashes with {@code SCAN}, whose cursor is the page's. On a cluster the primaries are
     * walked one after the other, in the order of their slots, and the cursor is {@code <primary>:<its cursor>}.
     */
    @Override
    public CompletionStage<RoomPage> rooms(String cursor, int limit) {
        boolean sharded = connections.sharded();
        if (cursor != null && !cursor.matches(sharded ? "[0-9]{1,4}:[0-9]{1,20}" : "[0-9]{1,20}")) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not a cursor of this chat"));
        }
        Commands connection = connections.commands();
        if (connection == null) {
            return notConnected();
        }
        RedisClusterAsyncCommands<String, String> redis = connection.async();
        ScanArgs match = ScanArgs.Builder.matches(keys.allMembers()).limit(limit);
        if (!sharded) {
            return connections.dispatched(() -> redis.scan(cursor == null ? ScanCursor.INITIAL : ScanCursor.of(cursor),
                            match))
                    .thenCompose(scanned -> counted(redis, scanned.getKeys(), limit,
                            scanned.isFinished() ? null : scanned.getCursor()))
                    .exceptionallyCompose(RedisEngine::unavailable);
        }
        @SuppressWarnings("unchecked")
        StatefulRedisClusterConnection<String, String> cluster =
                (StatefulRedisClusterConnection<String, String>) connection.connection();
        List<RedisClusterNode> primaries = cluster.getPartitions().stream()
                .filter(node -> node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty())
                .sorted(Comparator.comparing(node -> node.getSlots().get(0))).toList();
        int primary = cursor == null ? 0 : Integer.parseInt(cursor.substring(0, cursor.indexOf(':')));
        String at = cursor == null ? "0" : cursor.substring(cursor.indexOf(':') + 1);
        if (primary >= primaries.size()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not a cursor of this chat"));
        }
        return connections.dispatched(() -> cluster.getConnectionAsync(primaries.get(primary).getNodeId())
                        .thenCompose(node -> node.async().scan(ScanCursor.of(at), match)))
                .thenCompose(scanned -> counted(redis, scanned.getKeys(), limit, !scanned.isFinished()
                        ? primary + ":" + scanned.getCursor()
                        : primary + 1 < primaries.size() ? (primary + 1) + ":0" : null))
                .exceptionallyCompose(RedisEngine::unavailable);
    }

    /** The rooms of the member hashes found, with their counts; those emptied meanwhile left out. */
    private CompletionStage<RoomPage> counted(RedisClusterAsyncCommands<String, String> redis, List<String> keysFound,
                                              int limit, String next) {
        List<String> found = keysFound.stream().distinct().limit(limit).toList();
        List<CompletableFuture<Long>> counts = found.stream().map(key -> redis.hlen(key).toCompletableFuture())
                .toList();
        return CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<RoomCount> rooms = new ArrayList<>();
            for (int i = 0; i < found.size(); i++) {
                int members = counts.get(i).join().intValue();
                if (members > 0) {
                    rooms.add(new RoomCount(keys.roomOf(found.get(i)), members));
                }
            }
            return new RoomPage(rooms, next);
        });
    }

    @Override
    public Sanctions sanctions() {
        return sanctions;
    }

    @Override
    public String node() {
        return lease.node();
    }

    /** As of this node's last lease renewal. */
    @Override
    public long clusterMembers() {
        return presence.population();
    }

    /**
     * {@link Status#PARTIAL} on a cluster where some shard is out of reach and the others are not: the rooms on
     * those go on (the lease may be on the shard out of reach, and is renewed once it is back).
     */
    @Override
    public Status status() {
        if (!sanctions.loaded()) {
            return Status.DOWN; // just started, the bans not read yet: not even PARTIAL, which serves
        }
        if (connections.open() && lease.held()) {
            return Status.UP;
        }
        Commands commands = connections.commands();
        return connections.sharded() && commands != null && commands.isOpen()
                && !connections.unreachableShards().isEmpty() ? Status.PARTIAL : Status.DOWN;
    }

    @Override
    public List<String> unreachable() {
        return connections.unreachableShards();
    }

    @Override
    public void close() {
        connections.close(lease::drop);
    }

    /** A failed stage for a call made while Redis is not connected. */
    static <T> CompletableFuture<T> notConnected() {
        return CompletableFuture.failedFuture(new EngineUnavailableException("Redis is not connected", null));
    }

    /** A failure as callers see it: {@link EngineUnavailableException}, whatever Lettuce threw. */
    static <T> CompletionStage<T> unavailable(Throwable failure) {
        Throwable cause = Script.unwrap(failure);
        return CompletableFuture.failedFuture(cause instanceof EngineUnavailableException ? cause
                : new EngineUnavailableException("Redis: " + cause.getMessage(), cause));
    }
}
