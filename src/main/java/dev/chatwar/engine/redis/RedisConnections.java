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
import io.lettuce.core.api.StatefulRedisConnection;
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
 * This node's connections to Redis: the Lettuce client, its three connections, the two threads every call starts on,
 * and the probe that finds a connection that looks open but carries nothing.
 *
 * <p>Connections: one for commands, one for pub/sub, and one for the lease (a renewal must never wait behind the events
 * and joins queued on the commands connection: under a join storm, that queue held renewals past the node timeout,
 * and the other nodes declared a live node dead). All reconnect by themselves. A command issued while disconnected
 * fails at once (Lettuce's default would queue it without bound and replay it later, out of order), and one that gets
 * no answer within {@link #COMMAND_TIMEOUT} fails too. A Redis that is unreachable at startup does not stop the node:
 * it starts down, and connects when Redis comes.
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
    private static final Duration RETRY_CONNECT = Duration.ofSeconds(1);
    /** What each connection is called in Redis's {@code CLIENT LIST}, so an operator can tell them apart. */
    static final String COMMANDS_NAME = "chat-commands";
    static final String LEASE_NAME = "chat-lease";
    static final String PUBSUB_NAME = "chat-pubsub";

    /** What the engine does when the connections change; called on the connector thread unless said otherwise. */
    interface Listener {
        /** The pub/sub connection was lost: called on a Lettuce thread, before Lettuce resubscribes by itself. */
        void subscriptionLost();

        /** The pub/sub connection is up (first, or again): subscribe every room and repair what it missed. */
        void subscriptionBack();

        /** The lease's connection was lost; called on a Lettuce thread. */
        void leaseConnectionLost();

        /** The lease's connection is up again after a loss; called on a Lettuce thread. */
        void leaseConnectionBack();

        /** Every connection is up: at the start, and after the probe made them anew. */
        void connected();

        /** A line on one of the subscribed channels; called on a Lettuce thread. */
        void received(String channel, String line);
    }

    private final List<Script> scripts;
    private final EngineTelemetry telemetry;
    private final Listener listener;
    private final OwnedThreads owned = new OwnedThreads("chat-redis-");
    private final ScheduledExecutorService connector = Executors.newSingleThreadScheduledExecutor(owned);
    private final ExecutorService dispatcher = Executors.newSingleThreadExecutor(owned);
    private final ClientResources resources;
    private final RedisClient client;
    private volatile StatefulRedisConnection<String, String> commands;
    private volatile StatefulRedisConnection<String, String> leaseCommands;
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
    private volatile boolean closed;
    /** This node's probe channel; see {@link #probe}. */
    private final String probeChannel;
    /** The chat's control channel, heard for as long as the node runs (Lettuce resubscribes it after a loss). */
    private final String controlChannel;
    /** When the probe now outstanding was sent ({@link System#nanoTime}), or 0. */
    private volatile long probeSentAt;
    /** When the current streak of failed connection attempts began, or 0; only the connector thread uses it. */
    private long unreachableSince;

    /** Checks a {@code CHAT_REDIS_URL} value as Lettuce reads it. @throws IllegalArgumentException saying what */
    static void checkUri(String uri) {
        RedisURI.create(uri);
    }

    /** @param scripts loaded on every (re)connect of the commands connection */
    RedisConnections(String uri, RedisKeys keys, List<Script> scripts, EngineTelemetry telemetry, Listener listener) {
        this.scripts = scripts;
        this.telemetry = telemetry;
        this.listener = listener;
        this.probeChannel = keys.probe(UUID.randomUUID().toString());
        this.controlChannel = keys.control();
        // Built on the connector thread: Netty's start-up leaves per-thread caches on the thread that runs it.
        try {
            Lettuce built = connector.submit(() -> createClient(uri)).get(30, TimeUnit.SECONDS);
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

    private Lettuce createClient(String uri) {
        ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(COMMAND_TIMEOUT);
        RedisClient client = RedisClient.create(resources, redisUri);
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
                    listener.subscriptionLost();
                } else if (connection == leaseCommands) {
                    listener.leaseConnectionLost();
                }
            }

            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (connection == pubsub) {
                    connector.execute(RedisConnections.this::subscriptionBack);
                } else if (connection == leaseCommands) {
                    listener.leaseConnectionBack();
                }
            }
        });
        return new Lettuce(resources, client);
    }

    /** The commands connection, or null while there is none. */
    StatefulRedisConnection<String, String> commands() {
        return commands;
    }

    /** The lease's connection, or null while there is none. */
    StatefulRedisConnection<String, String> leaseCommands() {
        return leaseCommands;
    }

    /** The pub/sub connection, or null while there is none. */
    StatefulRedisPubSubConnection<String, String> pubsub() {
        return pubsub;
    }

    /** Whether the commands and pub/sub connections are both open. */
    boolean open() {
        StatefulRedisConnection<String, String> connection = commands;
        StatefulRedisPubSubConnection<String, String> subscription = pubsub;
        return connection != null && connection.isOpen() && subscription != null && subscription.isOpen();
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
            if (commands == null) {
                StatefulRedisConnection<String, String> connection = client.connect();
                connection.sync().clientSetname(COMMANDS_NAME);
                for (Script script : scripts) {
                    script.load(connection.sync());
                }
                commands = connection;
            }
            if (leaseCommands == null) {
                StatefulRedisConnection<String, String> connection = client.connect();
                connection.sync().clientSetname(LEASE_NAME);
                leaseCommands = connection;
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

    private void subscriptionBack() {
        probeSentAt = 0; // a probe sent before the reconnect may have been lost with the old connection
        if (pubsub != null) {
            listener.subscriptionBack();
        }
    }

    /**
     * Every {@link #PROBE_EVERY} the node publishes to a channel of its own and expects it back within
     * {@link #PROBE_DEADLINE}. A connection can look open and carry nothing (a Redis that failed over to a replica
     * that knows nothing of this subscription, a network path that silently drops): then both connections are
     * dropped and made anew, and the rooms' gaps are repaired from history as after any reconnect.
     */
    private void probe() {
        StatefulRedisConnection<String, String> connection = commands;
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
            listener.subscriptionLost();
            subscription.closeAsync();
            connection.closeAsync();
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
        last.run();
        for (AutoCloseable connection : new AutoCloseable[] {pubsub, commands, leaseCommands}) {
            if (connection != null) {
                try {
                    connection.close();
                } catch (Exception e) {
                    LOG.log(Level.DEBUG, "closing a Redis connection", e);
                }
            }
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
