package dev.chatwar.engine.redis;

import dev.chatwar.engine.redis.RedisConnections.Commands;
import io.lettuce.core.ScriptOutputType;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * This node's lease in the chat, and the watch over everyone else's ({@code lease.lua}, {@code expired.lua}).
 *
 * <p>Rules:
 * <ul>
 *   <li>A node takes a lease under a fresh identity when it starts, and renews it every third of the node timeout.
 *   <li>A renewal that finds its lease gone (the node was cut off for longer than the timeout and declared dead, or
 *       Redis lost its data) means the node's members are no longer in any room's presence: the node tells
 *       its owner, which sends them back to join again, and takes a new lease under a new identity. An identity is
 *       never used again, so a node cannot resurrect entries that others took out.
 *   <li>A node declares others dead only after its own connection has been up for a whole node timeout: after an
 *       outage of Redis every node had no way to renew, and each gets that long to do it before anyone is reaped.
 *   <li>The lease is <em>held</em> from a renewal that went through until the connection is lost or a renewal
 *       fails. After a reconnect it is renewed at once, and until then the node does not report itself up: a
 *       member that joined in between would be sent away again if the lease turned out gone.
 * </ul>
 * Runs on the engine's connector thread only (it uses Lettuce's blocking API there, which is the engine's own
 * thread, not the container's), over a connection of its own.
 */
final class NodeLease {
    private static final System.Logger LOG = System.getLogger(NodeLease.class.getName());
    private static final Script LEASE = Script.named("lease.lua");
    private static final Script EXPIRED = Script.named("expired.lua");

    /** What the engine does for the lease. */
    interface Owner {
        /** This node's members were declared gone with its old identity; it now acts as {@code node}. */
        void lost(String oldNode, String node);

        /** {@code node} is dead: take its members out of every room and announce their leaves. */
        void reap(RedisClusterCommands<String, String> redis, String node);

        /** Rooms this node no longer has members in may be forgotten for it. */
        void prune(RedisClusterCommands<String, String> redis, String node);

        /** A renewal went through. */
        void renewed(RedisClusterCommands<String, String> redis);
    }

    private final Supplier<Commands> commands;
    private final String nodesKey;
    private final Duration timeout;
    private final Owner owner;
    private volatile String node = newIdentity();
    private boolean taken;
    private volatile boolean held;
    /** Since when ({@link System#nanoTime}) the connection has been up without a break seen, or 0. */
    private volatile long upSince;

    NodeLease(Supplier<Commands> commands, RedisKeys keys, Duration timeout,
              Owner owner) {
        this.commands = commands;
        this.nodesKey = keys.leases();
        this.timeout = timeout;
        this.owner = owner;
    }

    /** How often {@link #tick} should run. */
    Duration every() {
        return timeout.dividedBy(3);
    }

    String node() {
        return node;
    }

    boolean held() {
        return held;
    }

    /**
     * The connection broke: not held from now until a renewal goes through. Without this, a node whose other
     * connections came back before this one reported itself up on the strength of a lease that Redis may have lost
     * (a chat test caught it: a member admitted in that window was sent to resync a moment later).
     */
    void disconnected() {
        held = false;
        upSince = 0;
    }

    /** The connection came back: not held until the next {@link #tick}, which the caller runs at once. */
    void reconnected() {
        disconnected(); // any break since may have lost the lease: the same state until a renewal
    }

    /** Takes or renews the lease, then reaps the nodes whose leases ran out. */
    void tick() {
        Commands connection = commands.get();
        if (connection == null || !connection.isOpen()) {
            upSince = 0;
            held = false;
            return;
        }
        if (upSince == 0) {
            upSince = System.nanoTime();
        }
        try {
            RedisClusterCommands<String, String> redis = connection.sync();
            if (!taken) {
                lease(redis, "take");
                taken = true;
                LOG.log(Level.INFO, "node {0} took its lease (node timeout {1} s)", node, timeout.toSeconds());
            } else if (lease(redis, "renew") == 0) {
                String old = node;
                node = newIdentity();
                LOG.log(Level.WARNING, "node {0} lost its lease (cut off longer than the node timeout, or Redis lost"
                        + " its data): its members must join again; it goes on as node {1}", old, node);
                lease(redis, "take");
                owner.lost(old, node);
            }
            held = true;
            owner.renewed(redis);
            owner.prune(redis, node);
            if (System.nanoTime() - upSince >= timeout.toNanos()) {
                List<String> expired = Script.run(EXPIRED, redis, new String[] {nodesKey}, new String[0],
                        ScriptOutputType.MULTI);
                for (String dead : expired) {
                    if (!dead.equals(node)) {
                        LOG.log(Level.WARNING, "node {0} did not renew its lease: its members leave", dead);
                        owner.reap(redis, dead);
                        redis.zrem(nodesKey, dead);
                    }
                }
            }
        } catch (RuntimeException e) {
            upSince = 0;
            held = false;
            LOG.log(Level.DEBUG, "lease of node {0} not renewed now: {1}", node, e.toString());
        }
    }

    /** A graceful stop: the lease runs out now, so any member left behind is reaped at once. */
    void drop() {
        Commands connection = commands.get();
        if (connection != null && connection.isOpen() && taken) {
            try {
                lease(connection.sync(), "drop");
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "lease of node {0} not dropped: {1}", node, e.toString());
            }
        }
    }

    private long lease(RedisClusterCommands<String, String> redis, String what) {
        Long reply = Script.run(LEASE, redis, new String[] {nodesKey},
                new String[] {node, what, Long.toString(timeout.toMillis())}, ScriptOutputType.INTEGER);
        return reply;
    }

    private static String newIdentity() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }
}
