package dev.chatwar.engine.redis;

import dev.chatwar.engine.EngineTelemetry;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * This node's sharded subscriptions on a Redis Cluster: one pub/sub connection per primary that owns a channel this
 * node hears, each channel subscribed ({@code SSUBSCRIBE}) on the primary that owns its hash slot, so a node receives
 * only the rooms it has members in, and only from the shards that own them.
 *
 * <p>Rules:
 * <ul>
 *   <li>There is a connection to every primary, even one that owns nothing this node hears: its probe tells whether
 *       the shard is reachable ({@link #unreachable}), which health reports.
 *   <li>A shard's connection lost holds that shard's channels only ({@link Holder#subscriptionLost}); when it is back (Lettuce
 *       subscribes them again by itself), they are repaired ({@link Holder#subscriptionBack}). Rooms on other shards never pause.
 *   <li>The cluster's topology is followed ({@link #follow}, every {@link RedisConnections#PROBE_EVERY}): a channel
 *       whose slot another primary owns now (a replica took over a dead primary, or a slot moved) is held, left on
 *       the old shard, and repaired, which subscribes it on the new one. A primary that owns nothing this node hears
 *       any more is let go.
 *   <li>Each shard is probed as the single Redis is: a probe channel in one of its slots, published ({@code SPUBLISH})
 *       through the commands connection and expected back within {@link RedisConnections#PROBE_DEADLINE}. A shard
 *       whose probe does not come back is given up on: its channels are held, its connection closed, and they are
 *       repaired on a new one.
 * </ul>
 * Runs on the connector thread (topology, probes) and the dispatcher thread (subscriptions), except for the
 * listener's calls from Lettuce's threads.
 */
final class ShardSubscriptions {
    private static final System.Logger LOG = System.getLogger(ShardSubscriptions.class.getName());

    /** What the engine does when some channels can or cannot be heard. */
    interface Holder {
        /** The channels it accepts may miss lines from now on; called on a Lettuce or the connector thread. */
        void subscriptionLost(Predicate<String> channels);

        /** The channels it accepts are heard again (or anew): subscribe and repair them. */
        void subscriptionBack(Predicate<String> channels);
    }

    private final RedisClient client;
    private final StatefulRedisClusterConnection<String, String> commands;
    private final String probePrefix;
    private final EngineTelemetry telemetry;
    private final Holder holder;
    private final BiConsumer<String, String> received;
    /** Shards by the primary's node id. */
    private final Map<String, Shard> shards = new ConcurrentHashMap<>();
    /** Every channel this node hears, with the shard it is subscribed on. */
    private final Map<String, Shard> placed = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param client   a client for single connections, sharing the engine's resources: each shard's connection
     * @param commands the cluster connection, whose view of the topology this follows and which publishes probes
     * @param received told of every line on a channel this node hears, but for probes
     */
    ShardSubscriptions(RedisClient client, StatefulRedisClusterConnection<String, String> commands, String probePrefix,
                       EngineTelemetry telemetry, Holder holder, BiConsumer<String, String> received) {
        this.client = client;
        this.commands = commands;
        this.probePrefix = probePrefix;
        this.telemetry = telemetry;
        this.holder = holder;
        this.received = received;
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                Shard shard = shardOf(connection);
                if (shard != null && !closed) {
                    shard.wasLost = true;
                    holder.subscriptionLost(shard::carries);
                }
            }

            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                Shard shard = shardOf(connection);
                if (shard != null && shard.wasLost && !closed) {
                    shard.wasLost = false;
                    shard.probeSentAt = 0;
                    holder.subscriptionBack(shard::carries);
                }
            }
        });
    }

    /** One primary's pub/sub connection and what this node hears on it. */
    private final class Shard {
        final String nodeId;
        final String address;
        final String probeChannel;
        final Set<String> channels = ConcurrentHashMap.newKeySet();
        final CompletableFuture<StatefulRedisPubSubConnection<String, String>> connection;
        volatile boolean wasLost;
        /** When the probe now outstanding was sent ({@link System#nanoTime}), or 0. */
        volatile long probeSentAt;

        Shard(RedisClusterNode primary) {
            this.nodeId = primary.getNodeId();
            RedisURI uri = primary.getUri();
            this.address = uri.getHost() + ":" + uri.getPort();
            this.probeChannel = probeChannelIn(primary);
            this.connection = client.connectPubSubAsync(StringCodec.UTF8, uri).toCompletableFuture()
                    .thenCompose(opened -> {
                        opened.addListener(new RedisPubSubAdapter<>() {
                            @Override
                            public void smessage(String channel, String message) {
                                if (channel.equals(probeChannel)) {
                                    probeSentAt = 0;
                                } else if (placed.get(channel) == Shard.this) {
                                    received.accept(channel, message);
                                } // else: moved to another shard meanwhile, which repairs it
                            }
                        });
                        return opened.async().ssubscribe(probeChannel).toCompletableFuture()
                                .thenApply(subscribed -> opened)
                                .whenComplete((subscribed, failure) -> {
                                    if (failure != null) {
                                        opened.closeAsync(); // else it would reconnect for good, owned by nobody
                                    }
                                });
                    });
        }

        boolean carries(String channel) {
            return channels.contains(channel);
        }

        boolean open() {
            StatefulRedisPubSubConnection<String, String> opened = connection.getNow(null);
            return opened != null && opened.isOpen();
        }

        void close() {
            connection.thenAccept(StatefulRedisPubSubConnection::closeAsync);
        }
    }

    /** A probe channel of this node that the primary owns: its hash tag chosen so that its slot is one of the primary's. */
    private String probeChannelIn(RedisClusterNode primary) {
        for (int tag = 0; ; tag++) {
            String channel = probePrefix + ":{" + tag + "}";
            if (primary.hasSlot(SlotHash.getSlot(channel))) {
                return channel;
            }
        }
    }

    private Shard shardOf(RedisChannelHandler<?, ?> connection) {
        for (Shard shard : shards.values()) {
            if (shard.connection.getNow(null) == connection) {
                return shard;
            }
        }
        return null;
    }

    /** Subscribes the channel on the primary that owns its slot now. */
    CompletionStage<Void> subscribe(String channel) {
        RedisClusterNode primary = commands.getPartitions().getMasterBySlot(SlotHash.getSlot(channel));
        if (primary == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no primary owns the slot of " + channel));
        }
        // A shard whose connection could not be made (its primary was down) is tried anew.
        Shard shard = shards.compute(primary.getNodeId(), (id, existing) -> {
            if (existing == null || existing.connection.isCompletedExceptionally()) {
                if (existing != null) {
                    existing.close();
                }
                return new Shard(primary);
            }
            return existing;
        });
        Shard before = placed.put(channel, shard);
        if (before != null && before != shard) {
            before.channels.remove(channel);
        }
        shard.channels.add(channel);
        if (shards.get(shard.nodeId) != shard) {
            // The connector thread gave this shard up meanwhile (and copied its channels before this one came):
            // place the channel again, on a shard that is still followed.
            shard.channels.remove(channel);
            placed.remove(channel, shard);
            return subscribe(channel);
        }
        return shard.connection.thenCompose(opened -> opened.async().ssubscribe(channel)).thenApply(done -> null);
    }

    /** Stops hearing the channel. */
    void unsubscribe(String channel) {
        Shard shard = placed.remove(channel);
        if (shard != null) {
            shard.channels.remove(channel);
            shard.connection.thenAccept(opened -> {
                if (opened.isOpen()) {
                    opened.async().sunsubscribe(channel);
                }
            });
        }
    }

    /** Follows the topology and probes every shard; runs on the connector thread. */
    void follow() {
        if (closed) {
            return;
        }
        Partitions partitions = commands.getPartitions();
        List<String> moved = new ArrayList<>();
        placed.forEach((channel, shard) -> {
            RedisClusterNode owner = partitions.getMasterBySlot(SlotHash.getSlot(channel));
            if (owner == null || !owner.getNodeId().equals(shard.nodeId)) {
                moved.add(channel);
            }
        });
        if (!moved.isEmpty()) {
            LOG.log(Level.INFO, "{0} channels moved to another shard; subscribing them there", moved.size());
            Set<String> movedSet = Set.copyOf(moved);
            holder.subscriptionLost(movedSet::contains);
            for (String channel : moved) {
                Shard old = placed.remove(channel);
                if (old != null) {
                    old.channels.remove(channel);
                }
            }
            holder.subscriptionBack(movedSet::contains); // the repair subscribes each on the shard that owns it now
        }
        for (RedisClusterNode node : partitions) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()) {
                shards.computeIfAbsent(node.getNodeId(), id -> new Shard(node)); // probed, even with nothing to hear
            }
        }
        for (Shard shard : List.copyOf(shards.values())) {
            RedisClusterNode now = partitions.getPartitionByNodeId(shard.nodeId);
            boolean primary = now != null && !now.getSlots().isEmpty()
                    && now.is(RedisClusterNode.NodeFlag.UPSTREAM);
            if (!primary && shard.channels.isEmpty()) {
                shards.remove(shard.nodeId);
                shard.close();
            } else if (primary) {
                probe(shard);
            }
        }
    }

    private void probe(Shard shard) {
        if (shard.connection.isCompletedExceptionally()) {
            giveUp(shard); // its channels are repaired, and subscribed on a new connection when its primary answers
            return;
        }
        if (!shard.open()) {
            shard.probeSentAt = 0; // Lettuce knows it is disconnected; the shard is held and reconnects by itself
            return;
        }
        long sent = shard.probeSentAt;
        if (sent == 0) {
            shard.probeSentAt = System.nanoTime();
            commands.async().spublish(shard.probeChannel, "probe");
        } else if (System.nanoTime() - sent > RedisConnections.PROBE_DEADLINE.toNanos()) {
            LOG.log(Level.WARNING, "shard {0} looks connected but its probe did not come back within {1} s;"
                    + " subscribing its channels anew", shard.address, RedisConnections.PROBE_DEADLINE.toSeconds());
            telemetry.probeFailed();
            giveUp(shard);
        }
    }

    /** Holds the shard's channels, closes its connection, and repairs them, which subscribes them anew. */
    private void giveUp(Shard shard) {
        Set<String> carried = Set.copyOf(shard.channels);
        if (!carried.isEmpty()) {
            holder.subscriptionLost(carried::contains);
        }
        shards.remove(shard.nodeId, shard);
        carried.forEach(channel -> placed.remove(channel, shard));
        shard.close();
        if (!carried.isEmpty()) {
            holder.subscriptionBack(carried::contains);
        }
    }

    /** The shards this node hears nothing from now (connection down, or a probe overdue), as {@code host:port}. */
    List<String> unreachable() {
        List<String> out = new ArrayList<>();
        for (Shard shard : shards.values()) {
            long sent = shard.probeSentAt;
            if (!shard.open() || sent != 0 && System.nanoTime() - sent > RedisConnections.PROBE_EVERY.toNanos()) {
                out.add(shard.address);
            }
        }
        out.sort(null);
        return out;
    }

    void close() {
        closed = true;
        shards.values().forEach(Shard::close);
        shards.clear();
        placed.clear();
    }
}
