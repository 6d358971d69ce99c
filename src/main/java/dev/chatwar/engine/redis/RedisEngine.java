package dev.chatwar.engine.redis;

import dev.chatwar.endpoint.OwnedThreads;
import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.engine.EngineUnavailableException;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.Range;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The engine of a chat served by many nodes: Redis orders each room's events, keeps its history and carries its
 * events to every node. The only class that talks to Redis.
 *
 * <p>Per room, under {@code <prefix>:{<room>}} (one hash slot, so a Redis Cluster runs each script on one node): a
 * counter {@code :seq}, the history stream {@code :history}, the resend index {@code :resends} and the filed resume
 * tokens {@code :resume}; events travel on the channel {@code <prefix>:{<room>}}, with control lines
 * ({@code ctl replaced <key>}, from {@code claim.lua}) that reach the nodes and no client. One Lua script ({@code publish.lua}) takes the id, keeps a message and
 * publishes, atomically; every node, the publishing one included, delivers what its subscription receives, so all
 * nodes see one order.
 *
 * <p>Connections: one for commands, one for pub/sub, both reconnecting by themselves. A command issued while
 * disconnected fails at once (Lettuce's default would queue it without bound and replay it later, out of order), and
 * one that gets no answer within {@link #COMMAND_TIMEOUT} fails too. A Redis that is unreachable at startup does not
 * stop the node: it starts {@linkplain Status#DOWN down} and connects when Redis comes.
 *
 * <p>Threads: every call into Lettuce starts on this engine's own dispatcher thread (or on Netty's), never on the
 * container's: Netty keeps per-thread caches on any thread that writes to a channel, and on Tomcat's request threads
 * they outlived the application (Tomcat reported them as leaks on undeploy). One dispatcher thread also keeps the
 * order in which a member's events were handed over.
 *
 * <p>Gaps: each room remembers the last id it delivered. When the pub/sub connection comes back after a loss, each
 * room reads the history after that id before it delivers anything live, so what other nodes published meanwhile
 * reaches its members in order and once. Joins and leaves are not kept, so those of the outage are not repeated.
 */
public final class RedisEngine implements Engine {
    private static final System.Logger LOG = System.getLogger(RedisEngine.class.getName());
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    static final Duration PROBE_EVERY = Duration.ofSeconds(2);
    static final Duration PROBE_DEADLINE = Duration.ofSeconds(5);
    private static final Duration RETRY_CONNECT = Duration.ofSeconds(1);
    private static final Script PUBLISH = new Script(readScript("publish.lua"));
    private static final Script CLAIM = new Script(readScript("claim.lua"));
    private static final String CONTROL_REPLACED = "ctl replaced ";

    private final FrameCodec codec;
    private final EngineTelemetry telemetry;
    private final String prefix;
    private final int historySize;
    private final long historyTtlSeconds;
    private final ClientResources resources;
    private final RedisClient client;
    private final OwnedThreads owned = new OwnedThreads("chat-redis-");
    private final ScheduledExecutorService connector = Executors.newSingleThreadScheduledExecutor(owned);
    private final ExecutorService dispatcher = Executors.newSingleThreadExecutor(owned);
    private final ConcurrentHashMap<String, Channel> channels = new ConcurrentHashMap<>();
    private volatile StatefulRedisConnection<String, String> commands;
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
    private volatile boolean closed;
    /** This node's probe channel; see {@link #probe}. */
    private final String probeChannel;
    /** When the probe now outstanding was sent ({@link System#nanoTime}), or 0. */
    private volatile long probeSentAt;
    /** When the current streak of failed connection attempts began, or 0; only the connector thread uses it. */
    private long unreachableSince;

    /** Checks a {@code CHAT_REDIS_URL} value. @throws IllegalArgumentException saying what is wrong */
    public static void checkUri(String uri) {
        RedisURI.create(uri);
    }

    /**
     * @param historySize       messages kept per room
     * @param historyTtlSeconds how long a room's keys live after its last event
     */
    public RedisEngine(String uri, String prefix, int historySize, long historyTtlSeconds, FrameCodec codec,
                       EngineTelemetry telemetry) {
        this.codec = codec;
        this.telemetry = telemetry;
        this.prefix = prefix;
        this.historySize = historySize;
        this.historyTtlSeconds = historyTtlSeconds;
        this.probeChannel = prefix + ":probe:" + UUID.randomUUID();
        // Built on the connector thread: Netty's start-up leaves per-thread caches on the thread that runs it.
        try {
            Lettuce built = connector.submit(() -> createClient(uri)).get(30, TimeUnit.SECONDS);
            this.resources = built.resources();
            this.client = built.client();
        } catch (Exception e) {
            connector.shutdownNow();
            throw new IllegalStateException("the Redis client could not be created", e);
        }
        connector.execute(this::connect);
        connector.scheduleWithFixedDelay(this::probe, PROBE_EVERY.toMillis(), PROBE_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
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
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (connection == pubsub) {
                    connector.execute(RedisEngine.this::resubscribe);
                }
            }
        });
        return new Lettuce(resources, client);
    }

    /** One room's subscription on this node, and the order of what it has delivered. */
    private final class Channel {
        final String room;
        final String name;
        final Set<Subscriber> subscribers = new CopyOnWriteArraySet<>();
        /** The last id delivered; later events only. Guarded by this. */
        long lastDelivered = Long.MIN_VALUE;
        /** The room's last id when this node subscribed: where a repair starts if nothing was delivered since. */
        volatile long subscribedAt = Long.MIN_VALUE;
        /** While the gap after a reconnect is read: live events wait here. Guarded by this. */
        List<RoomEvent> held;

        Channel(String room) {
            this.room = room;
            this.name = prefix + ":{" + room + "}";
        }

        synchronized void deliver(RoomEvent event) {
            if (held != null) {
                held.add(event);
            } else {
                deliverInOrder(event);
            }
        }

        /** Must hold the lock. */
        private void deliverInOrder(RoomEvent event) {
            long id = Long.parseLong(event.id());
            if (id <= lastDelivered) {
                return; // had it already
            }
            lastDelivered = id;
            for (Subscriber subscriber : subscribers) {
                subscriber.deliver(event);
            }
        }

        /** After a reconnect: what was published meanwhile, from the history, then what waited. */
        void repair() {
            long after;
            synchronized (this) {
                after = Math.max(lastDelivered, subscribedAt);
                if (after == Long.MIN_VALUE || held != null) {
                    return; // not subscribed before, so nothing to miss; or a repair is running
                }
                held = new ArrayList<>();
            }
            StatefulRedisConnection<String, String> connection = commands;
            CompletionStage<List<StreamMessage<String, String>>> read = connection == null
                    ? CompletableFuture.failedFuture(new EngineUnavailableException("not connected", null))
                    : connection.async().xrange(key(room, "history"), Range.create(after + 1 + "-0", "+"));
            read.whenComplete((missed, failure) -> {
                synchronized (this) {
                    if (failure != null) {
                        LOG.log(Level.WARNING, "room {0}: could not read what was missed during the outage: {1}",
                                room, failure.toString());
                    } else if (historySize > 0 && missed.size() >= historySize) {
                        // Everything kept is newer than what was delivered: older ones may have been trimmed.
                        LOG.log(Level.WARNING, "room {0}: the history no longer reaches back to {1}; members resync",
                                room, after);
                        lastDelivered = Math.max(lastDelivered, lastId(missed));
                        subscribers.forEach(Subscriber::lost);
                    } else {
                        for (StreamMessage<String, String> entry : missed) {
                            deliverInOrder(decode(entry));
                        }
                        telemetry.gapRepaired(missed.size());
                    }
                    List<RoomEvent> waited = held;
                    held = null;
                    waited.forEach(this::deliverInOrder);
                }
            });
        }
    }

    @Override
    public CompletionStage<Void> subscribe(String room, Subscriber subscriber) {
        // compute, not computeIfAbsent then add: a concurrent unsubscribe could drop the channel in between and
        // leave this subscriber on one that no event reaches (a room emptied and joined again at once).
        Channel channel = channels.compute(room, (name, existing) -> {
            Channel open = existing != null ? existing : new Channel(name);
            open.subscribers.add(subscriber);
            return open;
        });
        return dispatched(() -> subscribeNow(room, channel));
    }

    private CompletionStage<Void> subscribeNow(String room, Channel channel) {
        StatefulRedisPubSubConnection<String, String> connection = pubsub;
        if (connection == null || !connection.isOpen()) {
            return CompletableFuture.failedFuture(new EngineUnavailableException("Redis is not connected", null));
        }
        if (commands == null) {
            return CompletableFuture.failedFuture(new EngineUnavailableException("Redis is not connected", null));
        }
        return connection.async().subscribe(channel.name).toCompletableFuture()
                .thenCompose(subscribed -> commands.async().get(key(room, "seq")))
                .thenAccept(top -> {
                    if (top != null && channel.subscribedAt == Long.MIN_VALUE) {
                        channel.subscribedAt = Long.parseLong(top);
                    }
                })
                .exceptionallyCompose(RedisEngine::unavailable);
    }

    @Override
    public void unsubscribe(String room, Subscriber subscriber) {
        channels.computeIfPresent(room, (name, channel) -> {
            channel.subscribers.remove(subscriber);
            if (!channel.subscribers.isEmpty()) {
                return channel;
            }
            StatefulRedisPubSubConnection<String, String> connection = pubsub;
            if (connection != null && connection.isOpen()) {
                dispatched(() -> connection.async().unsubscribe(channel.name));
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Outcome> publish(RoomEvent event, String senderKey) {
        StatefulRedisConnection<String, String> connection = commands;
        if (connection == null) {
            return CompletableFuture.failedFuture(new EngineUnavailableException("Redis is not connected", null));
        }
        String room = event.room();
        boolean keep = event instanceof Message;
        String resendKey = event instanceof Message message && message.cid() != null
                ? senderKey + '\0' + message.cid() : "";
        String[] keys = {key(room, "seq"), key(room, "history"), key(room, "resends")};
        String[] args = {prefix + ":{" + room + "}", codec.encodeForStore(event), keep ? "1" : "0", resendKey,
                Integer.toString(historySize), Long.toString(historyTtlSeconds)};
        return dispatched(() -> RedisEngine.<List<Object>>run(PUBLISH, connection.async(), keys, args,
                ScriptOutputType.MULTI)).thenApply(reply -> {
            String id = String.valueOf(reply.get(1));
            if (((Long) reply.get(0)) == 1L) {
                return new Outcome(event.withId(id), false);
            }
            return new Outcome(codec.decodeFromStore((String) reply.get(2), id), true);
        }).exceptionallyCompose(RedisEngine::unavailable);
    }

    /** Starts a call into Lettuce on the dispatcher thread; see the class comment for why. */
    private <T> CompletableFuture<T> dispatched(Supplier<? extends CompletionStage<T>> call) {
        try {
            return CompletableFuture.supplyAsync(call, dispatcher).thenCompose(started -> started);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new EngineUnavailableException("the chat is stopping", e));
        }
    }

    /** A Lua script and, once loaded, its digest. */
    private static final class Script {
        final String text;
        volatile String sha;

        Script(String text) {
            this.text = text;
        }
    }

    /** Runs a script by its digest, loading it again where Redis does not know it (a restarted Redis). */
    private static <T> CompletableFuture<T> run(Script script, RedisAsyncCommands<String, String> redis,
                                                String[] keys, String[] args, ScriptOutputType type) {
        String sha = script.sha;
        CompletableFuture<T> byDigest = sha == null
                ? CompletableFuture.failedFuture(new RedisNoScriptException("not loaded yet"))
                : redis.<T>evalsha(sha, type, keys, args).toCompletableFuture();
        return byDigest.exceptionallyCompose(failure -> {
            if (!(unwrap(failure) instanceof RedisNoScriptException)) {
                return CompletableFuture.failedFuture(failure);
            }
            return redis.<T>eval(script.text, type, keys, args).toCompletableFuture()
                    .whenComplete((reply, error) -> {
                        if (error == null) {
                            redis.scriptLoad(script.text).thenAccept(loaded -> script.sha = loaded);
                        }
                    });
        });
    }

    @Override
    public void file(String room, String resumeKey, Place place) {
        StatefulRedisConnection<String, String> connection = commands;
        if (connection == null) {
            return; // best effort: that member's reconnect to another node will join as a newcomer
        }
        String filed = (place.verified() ? "v:" : "g:") + place.name();
        dispatched(() -> connection.async().hset(key(room, "resume"), resumeKey, filed)
                .thenCompose(added -> connection.async().expire(key(room, "resume"), historyTtlSeconds)));
    }

    @Override
    public void withdraw(String room, String resumeKey) {
        StatefulRedisConnection<String, String> connection = commands;
        if (connection != null) {
            dispatched(() -> connection.async().hdel(key(room, "resume"), resumeKey));
        }
    }

    @Override
    public CompletionStage<Place> claim(String room, String resumeKey, Place claimant) {
        StatefulRedisConnection<String, String> connection = commands;
        if (connection == null) {
            return CompletableFuture.completedFuture(null);
        }
        String[] keys = {key(room, "resume")};
        // Filed as "g:<name>" for a guest, "v:<name>" for a verified user (names never hold ':'); the script checks
        // the claimant's kind before it takes anything.
        String[] args = {resumeKey, prefix + ":{" + room + "}", claimant.verified() ? "v:" + claimant.name() : "g:"};
        return dispatched(() -> RedisEngine.<String>run(CLAIM, connection.async(), keys, args,
                ScriptOutputType.VALUE))
                .thenApply(filed -> filed == null ? null : new Place(filed.substring(2), filed.startsWith("v:")))
                .exceptionally(failure -> {
                    LOG.log(Level.INFO, "room {0}: a resume token could not be claimed: {1}", room, failure);
                    return null;
                });
    }

    @Override
    public CompletionStage<List<Message>> history(String room) {
        StatefulRedisConnection<String, String> connection = commands;
        if (connection == null) {
            return CompletableFuture.failedFuture(new EngineUnavailableException("Redis is not connected", null));
        }
        return dispatched(() -> connection.async().xrange(key(room, "history"), Range.create("-", "+")))
                .thenApply(entries -> entries.stream().map(entry -> (Message) decode(entry)).toList())
                .exceptionallyCompose(RedisEngine::unavailable);
    }

    @Override
    public Status status() {
        StatefulRedisConnection<String, String> connection = commands;
        StatefulRedisPubSubConnection<String, String> subscription = pubsub;
        return connection != null && connection.isOpen() && subscription != null && subscription.isOpen()
                ? Status.UP : Status.DOWN;
    }

    /** Closes on the dispatcher thread too (Netty's shutdown also leaves per-thread caches behind), then ends it. */
    @Override
    public void close() {
        closed = true;
        connector.shutdownNow();
        try {
            dispatcher.submit(this::closeNow).get(10, TimeUnit.SECONDS);
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

    private void closeNow() {
        for (AutoCloseable connection : new AutoCloseable[] {pubsub, commands}) {
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

    /** Connects both connections, retrying each second until Redis answers; runs on the connector thread. */
    private void connect() {
        if (closed) {
            return;
        }
        try {
            probeSentAt = 0;
            if (commands == null) {
                StatefulRedisConnection<String, String> connection = client.connect();
                for (Script script : List.of(PUBLISH, CLAIM)) {
                    script.sha = connection.sync().scriptLoad(script.text);
                }
                commands = connection;
            }
            if (pubsub == null) {
                StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub();
                connection.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        receive(channel, message);
                    }
                });
                pubsub = connection;
                connection.async().subscribe(probeChannel);
                resubscribe();
            }
            LOG.log(Level.INFO, "connected to Redis");
            unreachableSince = 0;
        } catch (RuntimeException e) {
            if (unreachableSince == 0) {
                unreachableSince = System.nanoTime();
                LOG.log(Level.WARNING, "Redis is not reachable ({0}); trying again every {1} s", e.getMessage(),
                        RETRY_CONNECT.toSeconds());
            }
            if (!closed) {
                connector.schedule(this::connect, RETRY_CONNECT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * Subscribes every room that has subscribers here, and repairs each one's gap: on the first connection, and
     * after every reconnect (Lettuce resubscribes what it had, but not what failed while it was away).
     */
    private void resubscribe() {
        probeSentAt = 0; // a probe sent before the reconnect may have been lost with the old connection
        StatefulRedisPubSubConnection<String, String> connection = pubsub;
        if (connection == null || channels.isEmpty()) {
            return;
        }
        String[] names = channels.values().stream().map(channel -> channel.name).toArray(String[]::new);
        connection.async().subscribe(names).thenRun(() -> channels.values().forEach(Channel::repair));
    }

    /**
     * Every {@link #PROBE_EVERY} the node publishes to a channel of its own and expects it back within
     * {@link #PROBE_DEADLINE}. A connection can look open and carry nothing (a Redis that failed over to a replica
     * that knows nothing of this subscription, a network path that silently drops): then both connections are
     * dropped and made anew, and the rooms' gaps are repaired from history as after any reconnect.
     */
    private void probe() {
        StatefulRedisConnection<String, String> connection = commands;
        if (closed || connection == null || pubsub == null) {
            return;
        }
        if (!connection.isOpen() || !pubsub.isOpen()) {
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
            pubsub.closeAsync();
            connection.closeAsync();
            pubsub = null;
            commands = null;
            connect();
        }
    }

    private void receive(String channelName, String message) {
        if (channelName.equals(probeChannel)) {
            probeSentAt = 0;
            return;
        }
        Channel channel = channels.get(roomOf(channelName));
        if (channel == null) {
            return; // unsubscribed meanwhile, or not ours
        }
        if (message.startsWith(CONTROL_REPLACED)) {
            String resumeKey = message.substring(CONTROL_REPLACED.length());
            channel.subscribers.forEach(subscriber -> subscriber.replaced(resumeKey));
            return;
        }
        int space = message.indexOf(' ');
        if (space < 0) {
            return;
        }
        try {
            channel.deliver(codec.decodeFromStore(message.substring(space + 1), message.substring(0, space)));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "dropped an event this version cannot read on {0}: {1}", channelName,
                    e.getMessage());
        }
    }

    private String roomOf(String channelName) {
        int open = channelName.indexOf('{', prefix.length());
        int close = channelName.lastIndexOf('}');
        return open < 0 || close < open ? "" : channelName.substring(open + 1, close);
    }

    private RoomEvent decode(StreamMessage<String, String> entry) {
        String id = entry.getId();
        return codec.decodeFromStore(entry.getBody().get("e"), id.substring(0, id.indexOf('-')));
    }

    private static long lastId(List<StreamMessage<String, String>> entries) {
        String id = entries.get(entries.size() - 1).getId();
        return Long.parseLong(id.substring(0, id.indexOf('-')));
    }

    private String key(String room, String what) {
        return prefix + ":{" + room + "}:" + what;
    }

    private static <T> CompletionStage<T> unavailable(Throwable failure) {
        Throwable cause = unwrap(failure);
        return CompletableFuture.failedFuture(cause instanceof EngineUnavailableException ? cause
                : new EngineUnavailableException("Redis: " + cause.getMessage(), cause));
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String readScript(String name) {
        try (InputStream in = RedisEngine.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the WAR");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
