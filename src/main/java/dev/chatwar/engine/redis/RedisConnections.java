package dev.chatwar.engine.redis;

import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.engine.EngineUnavailableException;
import dev.chatwar.threads.OwnedThreads;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * This node's connections to Redis: the Lettuce client, its connections, the two threads every call starts on, and
 * the probe that finds a connection that looks open but carries nothing.
 *
 * <p><b>One Redis or a cluster.</b> The first time Redis answers, the node asks it whether it is a Redis Cluster
 * ({@code INFO cluster}); the operator sets nothing else. On one Redis (with or without Sentinel) there is one pub/sub
 * connection and the chat's channels are plain ({@code SUBSCRIBE}, {@code PUBLISH}). On a cluster the commands go
 * through Lettuce's cluster client, which routes each by its key's slot, and the channels are sharded
 * ({@code SSUBSCRIBE}, {@code SPUBLISH}), one pub/sub connection per primary ({@link ShardSubscriptions}).
 *
 * <p>Connections: one for commands, one for pub/sub (or one per shard), and one for the lease (a renewal must never
 * wait behind the events and joins queued on the commands connection: under a join storm, that queue held renewals
 * past the node timeout, and the other nodes declared a live node dead). All reconnect by themselves. A command issued
 * while disconnected fails at once (Lettuce's default would queue it without bound and replay it later, out of
 * order), and one that gets no answer within {@link #COMMAND_TIMEOUT} fails too. A Redis that is unreachable at
 * startup does not stop the node: it starts down, and connects when Redis comes.
 *
 * <p>Threads: every call into Lettuce starts on the dispatcher thread ({@link #dispatched}), or on the connector
 * thread, or on Netty's; never on the container's. Netty keeps per-thread caches on any thread that writes to a
 * channel, and on Tomcat's request threads they outlived the application (Tomcat reported them as leaks on undeploy).
 * One dispatcher thread also keeps the order in which a member's events were handed over.
 */
final class RedisConnections {
    private static final System.Logger LOG = System.getLogger(RedisConnections.class.getName());
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    static final Duration PROBE_EVERY = Duration.ofSeconds(2);
    static final Duration PROBE_DEADLINE = Duration.ofSeconds(5);
    /** How often a cluster's topology is read again: how soon a replica that took over is used. */
    static final Duration TOPOLOGY_EVERY = Duration.ofSeconds(1);
    private static final Duration RETRY_CONNECT = Duration.ofSeconds(1);
    /** What each connection is called in Redis's {@code CLIENT LIST}, so an operator can tell them apart. */
    static final String COMMANDS_NAME = "chat-commands";
    static final String LEASE_NAME = "chat-lease";
    static final String PUBSUB_NAME = "chat-pubsub";

    /**
     * What the engine does when the connections change; called on the connector thread unless said otherwise. Its
     * {@code subscriptionLost} comes when the pub/sub connection, or a shard's, was lost (on a Lettuce thread, before
     * Lettuce resubscribes by itself), and {@code subscriptionBack} when it is up, first or again.
     */
    interface Listener extends ShardSubscriptions.Holder {
        /** The lease's connection was lost; called on a Lettuce thread. */
        void leaseConnectionLost();

        /** The lease's connection is up again after a loss; called on a Lettuce thread. */
        void leaseConnectionBack();

        /** Every connection is up: at the start, and after the probe made them anew. */
        void connected();

        /** A line on one of the subscribed channels; called on a Lettuce thread. */
        void received(String channel, String line);
    }

    /**
     * A connection for commands, on one Redis or a cluster: its asynchronous and blocking APIs (on a cluster, each
     * command goes to the primary that owns its key's slot).
     */
    record Commands(StatefulConnection<String, String> connection, RedisClusterAsyncCommands<String, String> async,
                    RedisClusterCommands<String, String> sync) {
        static Commands of(StatefulRedisConnection<String, String> connection) {
            return new Commands(connection, connection.async(), connection.sync());
        }

        static Commands of(StatefulRedisClusterConnection<String, String> connection) {
            return new Commands(connection, connection.async(), connection.sync());
        }

        boolean isOpen() {
            return connection.isOpen();
        }
    }

    private final List<RedisURI> targets;
    private final List<Script> scripts;
    private final EngineTelemetry telemetry;
    private final Listener listener;
    private final OwnedThreads owned = new OwnedThreads("chat-redis-");
    private final ScheduledExecutorService connector = Executors.newSingleThreadScheduledExecutor(owned);
    private final ExecutorService dispatcher = Executors.newSingleThreadExecutor(owned);
    private final ClientResources resources;
    /** For one Redis; on a cluster, for each shard's pub/sub connection. */
    private final RedisClient client;
    /** On a cluster only, once known. */
    private volatile RedisClusterClient clusterClient;
    /** Whether Redis said it is a cluster; null until it answered. */
    private volatile Boolean clustered;
    private volatile Commands commands;
    private volatile Commands leaseCommands;
    /** On one Redis: the pub/sub connection. */
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
    /** On a cluster: the sharded subscriptions. */
    private volatile ShardSubscriptions shards;
    private volatile boolean closed;
    private final String probePrefix;
    /** This node's probe channel on one Redis; see {@link #probe}. */
    private final String probeChannel;
    /** The chat's control channel on one Redis, heard for as long as the node runs. */
    private final String controlChannel;
    /** When the probe now outstanding was sent ({@link System#nanoTime}), or 0. */
    private volatile long probeSentAt;
    /** When the current streak of failed connection attempts began, or 0; only the connector thread uses it. */
    private long unreachableSince;

    /** Checks a {@code CHAT_REDIS_URL} value as Lettuce reads it. @throws IllegalArgumentException saying what */
    static void checkUri(String uri) {
        RedisTargets.parse(uri);
    }

    /** @param scripts loaded on every (re)connect of the commands connection */
    RedisConnections(String uri, RedisKeys keys, List<Script> scripts, EngineTelemetry telemetry, Listener listener) {
        this.targets = RedisTargets.parse(uri);
        this.scripts = scripts;
        this.telemetry = telemetry;
        this.listener = listener;
        this.probePrefix = keys.probe(UUID.randomUUID().toString());
        this.probeChannel = probePrefix;
        this.controlChannel = keys.control();
        // Built on the connector thread: Netty's start-up leaves per-thread caches on the thread that runs it.
        try {
            Lettuce built = connector.submit(this::createClient).get(30, TimeUnit.SECONDS);
            this.resources = built.resources();
            this.client = built.client();
        } catch (Exception e) {
            connector.shutdownNow();
            throw new IllegalStateException("the Redis client could not be created", e);
        }
    }

    /** Starts connecting, and probing every {@link #PROBE_EVERY}. */
    void start() {
        connector.execute(this::establish);
        every(PROBE_EVERY, this::probe);
    }

    private record Lettuce(ClientResources resources, RedisClient client) {
    }

    private Lettuce createClient() {
        ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(resources, targets.get(0));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(100_000)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (connection == pubsub) { // before Lettuce resubscribes: see RoomChannel
                    listener.subscriptionLost(channel -> true);
                } else if (leaseCommands != null && connection == leaseCommands.connection()) {
                    listener.leaseConnectionLost();
                }
            }

            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (connection == pubsub) {
                    connector.execute(RedisConnections.this::subscriptionBack);
                } else if (leaseCommands != null && connection == leaseCommands.connection()) {
                    listener.leaseConnectionBack();
                }
            }
        });
        return new Lettuce(resources, client);
    }

    /** The cluster's client: the same reconnects and timeouts, and a topology read again often and on every sign. */
    private RedisClusterClient createClusterClient() {
        RedisClusterClient cluster = RedisClusterClient.create(resources, targets);
        cluster.setOptions(ClusterClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(100_000)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(TOPOLOGY_EVERY)
                        .enableAllAdaptiveRefreshTriggers()
                        .adaptiveRefreshTriggersTimeout(TOPOLOGY_EVERY)
                        .refreshTriggersReconnectAttempts(2)
                        .build())
                .build());
        cluster.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (leaseCommands != null && connection == leaseCommands.connection()) {
                    listener.leaseConnectionLost();
                }
            }

            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (leaseCommands != null && connection == leaseCommands.connection()) {
                    listener.leaseConnectionBack();
                }
            }
        });
        return cluster;
    }

    /** The commands connection, or null while there is none. */
    Commands commands() {
        return commands;
    }

    /** The lease's connection, or null while there is none. */
    Commands leaseCommands() {
        return leaseCommands;
    }

    /** Whether the chat runs on a Redis Cluster (false until Redis first answered). */
    boolean sharded() {
        return Boolean.TRUE.equals(clustered);
    }

    /** {@code SPUBLISH} on a cluster, {@code PUBLISH} on one Redis: what a script publishes a room's line with. */
    String publishCommand() {
        return sharded() ? "SPUBLISH" : "PUBLISH";
    }

    /** Starts hearing a channel; call on the dispatcher thread. */
    CompletionStage<Void> subscribe(String channel) {
        ShardSubscriptions sharded = shards;
        if (sharded != null) {
            return sharded.subscribe(channel);
        }
        StatefulRedisPubSubConnection<String, String> connection = pubsub;
        if (connection == null || !connection.isOpen()) {
            return notConnected();
        }
        return connection.async().subscribe(channel).thenApply(subscribed -> (Void) null);
    }

    /** Stops hearing a channel. */
    void unsubscribe(String channel) {
        dispatch(() -> {
            ShardSubscriptions sharded = shards;
            StatefulRedisPubSubConnection<String, String> connection = pubsub;
            if (sharded != null) {
                sharded.unsubscribe(channel);
            } else if (connection != null && connection.isOpen()) {
                connection.async().unsubscribe(channel);
            }
        });
    }

    /** Publishes a line that is not kept (a typing notice) on a channel; call on the dispatcher thread. */
    CompletionStage<Long> publish(String channel, String line) {
        Commands connection = commands;
        if (connection == null) {
            return notConnected();
        }
        return sharded() ? connection.async().spublish(channel, line) : connection.async().publish(channel, line);
    }

    /** Whether the commands connection and every subscription are open. */
    boolean open() {
        Commands connection = commands;
        if (connection == null || !connection.isOpen()) {
            return false;
        }
        ShardSubscriptions sharded = shards;
        if (sharded != null) {
            return sharded.unreachable().isEmpty();
        }
        StatefulRedisPubSubConnection<String, String> subscription = pubsub;
        return subscription != null && subscription.isOpen();
    }

    /** On a cluster, the shards this node hears nothing from now, as {@code host:port}; else empty. */
    List<String> unreachableShards() {
        ShardSubscriptions sharded = shards;
        return sharded == null ? List.of() : sharded.unreachable();
    }

    /** Starts a call into Lettuce on the dispatcher thread; see the class comment for why. */
    <T> CompletableFuture<T> dispatched(Supplier<? extends CompletionStage<T>> call) {
        try {
            return CompletableFuture.supplyAsync(call, dispatcher).thenCompose(started -> started);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new EngineUnavailableException("the chat is stopping", e));
        }
    }

    /** Runs a task on the dispatcher thread, in the order handed over. */
    void dispatch(Runnable task) {
        try {
            dispatcher.execute(task);
        } catch (RejectedExecutionException stopping) {
            // the engine is closing
        }
    }

    /** Runs a task on the connector thread after a delay; nothing once closing. */
    void schedule(Runnable task, long delayMillis) {
        if (!closed) {
            try {
                connector.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                // the engine is closing: nothing is delivered any more
            }
        }
    }

    /** Runs a task on the connector thread now and then. */
    void every(Duration period, Runnable task) {
        connector.scheduleWithFixedDelay(task, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Connects the connections, retrying each second until Redis answers; runs on the connector thread. */
    private void establish() {
        if (closed) {
            return;
        }
        try {
            probeSentAt = 0;
            if (clustered == null) {
                clustered = isCluster();
                if (clustered) {
                    clusterClient = createClusterClient();
                    LOG.log(Level.INFO, "Redis is a cluster: rooms are spread over its shards");
                }
            }
            if (clustered) {
                establishCluster();
            } else {
                establishSingle();
            }
            LOG.log(Level.INFO, "connected to Redis");
            unreachableSince = 0;
            listener.connected();
        } catch (RuntimeException e) {
            if (unreachableSince == 0) {
                unreachableSince = System.nanoTime();
                LOG.log(Level.WARNING, "Redis is not reachable ({0}); trying again every {1} s", e.getMessage(),
                        RETRY_CONNECT.toSeconds());
            }
            if (!closed) {
                connector.schedule(this::establish, RETRY_CONNECT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Asks the first Redis that answers whether it is a cluster node; Sentinel serves one Redis. */
    private boolean isCluster() {
        RuntimeException last = null;
        for (RedisURI target : targets) {
            if (!target.getSentinels().isEmpty()) {
                return false;
            }
            try (StatefulRedisConnection<String, String> connection = client.connect(target)) {
                return connection.sync().info("cluster").contains("cluster_enabled:1");
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw last;
    }

    private void establishSingle() {
        if (commands == null) {
            StatefulRedisConnection<String, String> connection = client.connect();
            connection.sync().clientSetname(COMMANDS_NAME);
            loadScripts(Commands.of(connection));
            commands = Commands.of(connection);
        }
        if (leaseCommands == null) {
            StatefulRedisConnection<String, String> connection = client.connect();
            connection.sync().clientSetname(LEASE_NAME);
            leaseCommands = Commands.of(connection);
        }
        if (pubsub == null) {
            StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub();
            connection.sync().clientSetname(PUBSUB_NAME);
            connection.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    if (connection != pubsub) {
                        return; // a connection given up on may still bring a stale line
                    }
                    if (channel.equals(probeChannel)) {
                        probeSentAt = 0;
                    } else {
                        listener.received(channel, message);
                    }
                }
            });
            pubsub = connection;
            connection.async().subscribe(probeChannel, controlChannel);
            subscriptionBack();
        }
    }

    private void establishCluster() {
        if (commands == null) {
            StatefulRedisClusterConnection<String, String> connection = clusterClient.connect();
            warm(connection).join();
            loadScripts(Commands.of(connection)); // on every primary
            commands = Commands.of(connection);
        }
        if (leaseCommands == null) {
            StatefulRedisClusterConnection<String, String> connection = clusterClient.connect();
            warm(connection).join();
            leaseCommands = Commands.of(connection);
        }
        if (shards == null) {
            StatefulRedisClusterConnection<String, String> cluster = cluster(commands);
            shards = new ShardSubscriptions(client, cluster, probePrefix, telemetry, listener, listener::received);
            every(TOPOLOGY_EVERY, () -> {
                ShardSubscriptions sharded = shards;
                if (sharded != null && !closed) {
                    try {
                        warm(cluster);
                        warm(cluster(leaseCommands));
                        sharded.follow();
                    } catch (RuntimeException e) { // one failure must not end the task, and with it every probe
                        LOG.log(Level.WARNING, "following the cluster''s topology failed; trying again", e);
                    }
                }
            });
            listener.subscriptionBack(channel -> true);
        }
    }

    @SuppressWarnings("unchecked")
    private static StatefulRedisClusterConnection<String, String> cluster(Commands commands) {
        return (StatefulRedisClusterConnection<String, String>) commands.connection();
    }

    /**
     * Opens the connection to every primary ahead of its first command: a command for a primary whose connection is
     * still being made is refused, since commands are never queued (see the class comment). At the start, and as
     * the topology changes (a replica that took over), so that only the commands of that moment fail.
     *
     * @return completes when every one is open or could not be opened
     */
    private static CompletableFuture<Void> warm(StatefulRedisClusterConnection<String, String> connection) {
        List<CompletableFuture<?>> opening = new java.util.ArrayList<>();
        for (RedisClusterNode node : connection.getPartitions()) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()) {
                opening.add(connection.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort())
                        .exceptionally(failure -> null));
            }
        }
        return CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new))
                .orTimeout(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).exceptionally(failure -> null);
    }

    private void loadScripts(Commands connection) {
        for (Script script : scripts) {
            script.load(connection.sync());
        }
    }

    private void subscriptionBack() {
        probeSentAt = 0; // a probe sent before the reconnect may have been lost with the old connection
        if (pubsub != null) {
            listener.subscriptionBack(channel -> true);
        }
    }

    /**
     * On one Redis, every {@link #PROBE_EVERY} the node publishes to a channel of its own and expects it back within
     * {@link #PROBE_DEADLINE}. A connection can look open and carry nothing (a Redis that failed over to a replica
     * that knows nothing of this subscription, a network path that silently drops): then both connections are
     * dropped and made anew, and the rooms' gaps are repaired from history as after any reconnect. On a cluster,
     * each shard is probed the same way ({@link ShardSubscriptions}).
     */
    private void probe() {
        Commands connection = commands;
        StatefulRedisPubSubConnection<String, String> subscription = pubsub;
        if (closed || connection == null || subscription == null) {
            return;
        }
        if (!connection.isOpen() || !subscription.isOpen()) {
            probeSentAt = 0; // Lettuce knows it is disconnected and reconnects by itself; nothing to probe
            return;
        }
        long sent = probeSentAt;
        if (sent == 0) {
            probeSentAt = System.nanoTime();
            connection.async().publish(probeChannel, "probe");
        } else if (System.nanoTime() - sent > PROBE_DEADLINE.toNanos()) {
            LOG.log(Level.WARNING, "Redis looks connected but its probe did not come back within {0} s;"
                    + " reconnecting", PROBE_DEADLINE.toSeconds());
            telemetry.probeFailed();
            listener.subscriptionLost(channel -> true);
            subscription.closeAsync();
            connection.connection().closeAsync();
            pubsub = null;
            commands = null;
            establish();
        }
    }

    /**
     * Closes on the dispatcher thread (Netty's shutdown also leaves per-thread caches behind), then ends the threads.
     *
     * @param last what to do on the dispatcher thread before the connections close (the lease's drop)
     */
    void close(Runnable last) {
        closed = true;
        connector.shutdownNow();
        try {
            dispatcher.submit(() -> closeNow(last)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "closing the Redis connections did not finish cleanly", e);
        }
        dispatcher.shutdownNow();
        try {
            owned.awaitEnded(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean closed() {
        return closed;
    }

    private void closeNow(Runnable last) {
        RedisClusterClient refreshing = clusterClient;
        if (refreshing != null) {
            refreshing.suspendTopologyRefresh(); // a refresh that runs while the threads end fails noisily
        }
        last.run();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (refreshing != null && refreshing.isTopologyRefreshInProgress() && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // at most a second: the refresh under way ends on Lettuce's threads
        }
        ShardSubscriptions sharded = shards;
        if (sharded != null) {
            sharded.close();
        }
        Commands connection = commands;
        Commands lease = leaseCommands;
        for (AutoCloseable open : new AutoCloseable[] {pubsub, connection == null ? null : connection.connection(),
                lease == null ? null : lease.connection()}) {
            if (open != null) {
                try {
                    open.close();
                } catch (Exception e) {
                    LOG.log(Level.DEBUG, "closing a Redis connection", e);
                }
            }
        }
        RedisClusterClient cluster = clusterClient;
        if (cluster != null) {
            cluster.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    private static <T> CompletableFuture<T> notConnected() {
        return CompletableFuture.failedFuture(new EngineUnavailableException("Redis is not connected", null));
    }
}
