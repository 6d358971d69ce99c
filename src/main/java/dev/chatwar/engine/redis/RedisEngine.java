package dev.chatwar.engine.redis;

import dev.chatwar.endpoint.OwnedThreads;
import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.engine.EngineUnavailableException;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.ServerEvent.Leave;
import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.ServerEvent.Typing;
import dev.chatwar.protocol.Timestamps;
import dev.chatwar.protocol.User;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The engine of a chat served by many nodes: Redis orders each room's events, keeps its history and its presence,
 * and carries its events to every node. With {@link NodeLease} and {@link Script}, the only code that talks to Redis.
 *
 * <p>Per room, under {@code <prefix>:{<room>}} (one hash slot): its last id {@code :seq}, the history stream
 * {@code :history}, the resend index {@code :resends} with the time of each resend key in {@code :resent}, and the
 * presence: members {@code :members}, names in use {@code :names}, members per node {@code :nodes}. Events travel
 * on the channel {@code <prefix>:{<room>}}, with control lines that reach the nodes and no client
 * ({@code ctl replaced <key>} from {@code claim.lua}, and
 * {@code ctl signal} for typing, never kept). For the whole chat: the nodes' leases {@code <prefix>:nodes}, each
 * node's rooms and connection counts ({@code <prefix>:node:<node>:rooms|clients}), the connection counts per client
 * {@code <prefix>:clients}, the verified names {@code <prefix>:verified} and the member count
 * {@code <prefix>:population}. The presence scripts touch those chat-wide keys too, so the chat needs one Redis
 * primary (with replicas or Sentinel), not a Redis Cluster. Every change is one Lua script, atomic: {@code publish.lua}
 * takes the id, keeps a message and publishes; {@code enter.lua} chooses and takes a name. Every node, the publishing
 * one included, delivers what its subscription receives, so all nodes see one order.
 *
 * <p>Connections: one for commands, one for pub/sub, one for the lease, all reconnecting by themselves. A command
 * issued while disconnected fails at once (Lettuce's default would queue it without bound and replay it later, out of
 * order), and one that gets no answer within {@link #COMMAND_TIMEOUT} fails too. A Redis that is unreachable at
 * startup does not stop the node: it starts {@linkplain Status#DOWN down} and connects when Redis comes.
 *
 * <p>Threads: every call into Lettuce starts on this engine's own dispatcher thread (or on Netty's), never on the
 * container's: Netty keeps per-thread caches on any thread that writes to a channel, and on Tomcat's request threads
 * they outlived the application (Tomcat reported them as leaks on undeploy). One dispatcher thread also keeps the
 * order in which a member's events were handed over.
 *
 * <p>Gaps and rollbacks: each room's {@link RoomChannel} remembers the last id it delivered. From the moment the
 * pub/sub connection is lost it holds live events; once subscribed again it reads the history after that id and
 * delivers it before anything live, so what other nodes published meanwhile reaches its members in order and once.
 * Joins and leaves are not kept, so those of the outage are not repeated. Ids never repeat, whatever Redis lost
 * ({@code publish.lua}); what Redis lost of what a node delivered is detected and makes that room's members resync.
 */
public final class RedisEngine implements Engine {
    private static final System.Logger LOG = System.getLogger(RedisEngine.class.getName());
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    static final Duration PROBE_EVERY = Duration.ofSeconds(2);
    static final Duration PROBE_DEADLINE = Duration.ofSeconds(5);
    private static final Duration RETRY_CONNECT = Duration.ofSeconds(1);
    private static final Script PUBLISH = Script.named("publish.lua");
    private static final Script ENTER = Script.named("enter.lua");
    private static final Script LEAVE = Script.named("leave.lua");
    private static final Script CLAIM = Script.named("claim.lua");
    private static final Script SNAPSHOT = Script.named("snapshot.lua");
    private static final Script EVICT = Script.named("evict.lua");
    private static final Script PRUNE = Script.named("prune.lua");
    private static final Script CONNECT = Script.named("connect.lua");
    private static final Script DISCONNECT = Script.named("disconnect.lua");
    private static final Script FORGET = Script.named("forget.lua");
    private static final Script REPAIR = Script.named("repair.lua");
    private static final List<Script> SCRIPTS = List.of(PUBLISH, REPAIR, ENTER, LEAVE, CLAIM, SNAPSHOT, EVICT, PRUNE,
            CONNECT, DISCONNECT, FORGET);
    private static final String CONTROL_REPLACED = "ctl replaced ";
    private static final String CONTROL_SIGNAL = "ctl signal ";

    private final FrameCodec codec;
    private final EngineTelemetry telemetry;
    private final String prefix;
    private final int historySize;
    private final long historyTtlSeconds;
    private final Duration resendWindow;
    private final ClientResources resources;
    private final RedisClient client;
    private final OwnedThreads owned = new OwnedThreads("chat-redis-");
    private final ScheduledExecutorService connector = Executors.newSingleThreadScheduledExecutor(owned);
    private final ExecutorService dispatcher = Executors.newSingleThreadExecutor(owned);
    private final ConcurrentHashMap<String, RoomChannel> channels = new ConcurrentHashMap<>();
    private final RoomChannel.Link link = new ChannelLink();
    private final NodeLease lease;
    /** Welcomes being read at once, at most; see {@link Throttle}. */
    private final Throttle snapshots = new Throttle(16);
    /** The key of the chat's member count over all rooms and nodes, and its value as last read. */
    private final String population;
    /** The key of the chat's open connections per client (see {@code connect.lua}). */
    private final String clients;
    private volatile long clusterMembers;
    /** Leaves that failed while Redis was unreachable; finished after the next renewal of the lease. */
    private final Set<Place> unfinishedLeaves = ConcurrentHashMap.newKeySet();
    /** Connections whose end could not be counted while Redis was unreachable: client, then receipt. */
    private final Set<Counted> unfinishedDisconnects = ConcurrentHashMap.newKeySet();
    private volatile StatefulRedisConnection<String, String> commands;
    /**
     * The lease's own connection: a renewal must never wait behind the events and joins queued on {@link #commands}
     * (under a join storm, that queue held renewals past the node timeout, and the other nodes declared a live node
     * dead).
     */
    private volatile StatefulRedisConnection<String, String> leaseCommands;
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
     * @param nodeTimeout       how long a node may fail to renew its lease before it is declared dead
     * @param resendWindow      how long a message's {@code cid} is recognised in a resend from the same sender
     */
    public RedisEngine(String uri, String prefix, int historySize, long historyTtlSeconds, Duration nodeTimeout,
                       Duration resendWindow, FrameCodec codec, EngineTelemetry telemetry) {
        this.codec = codec;
        this.telemetry = telemetry;
        this.prefix = prefix;
        this.historySize = historySize;
        this.historyTtlSeconds = historyTtlSeconds;
        this.resendWindow = resendWindow;
        this.probeChannel = prefix + ":probe:" + UUID.randomUUID();
        this.population = prefix + ":population";
        this.clients = prefix + ":clients";
        this.lease = new NodeLease(() -> leaseCommands, prefix, nodeTimeout, new LeaseOwner());
        // Built on the connector thread: Netty's start-up leaves per-thread caches on the thread that runs it.
        try {
            Lettuce built = connector.submit(() -> createClient(uri)).get(30, TimeUnit.SECONDS);
            this.resources = built.resources();
            this.client = built.client();
        } catch (Exception e) {
            connector.shutdownNow();
            throw new IllegalStateException("the Redis client could not be created", e);
        }
        connector.execute(this::establish);
        connector.scheduleWithFixedDelay(this::probe, PROBE_EVERY.toMillis(), PROBE_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
        connector.scheduleWithFixedDelay(lease::tick, lease.every().toMillis(), lease.every().toMillis(),
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
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (connection == pubsub) { // before Lettuce resubscribes: see RoomChannel
                    channels.values().forEach(RoomChannel::hold);
                }
            }

            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (connection == pubsub) {
                    connector.execute(RedisEngine.this::resubscribe);
                } else if (connection == leaseCommands) {
                    lease.reconnected();
                    connector.execute(lease::tick);
                }
            }
        });
        return new Lettuce(resources, client);
    }

    /** What a room's channel needs of this engine: see {@link RoomChannel.Link}. */
    private final class ChannelLink implements RoomChannel.Link {
        @Override
        public CompletionStage<Void> subscribe(String channel) {
            StatefulRedisPubSubConnection<String, String> connection = pubsub;
            if (connection == null || !connection.isOpen()) {
                return CompletableFuture.failedFuture(new EngineUnavailableException("Redis is not connected", null));
            }
            return dispatched(() -> connection.async().subscribe(channel).thenApply(subscribed -> null));
        }

        @Override
        public CompletionStage<List<Object>> readRepair(String room, long after, long lastMessage, int limit) {
            StatefulRedisConnection<String, String> connection = commands;
            if (connection == null) {
                return CompletableFuture.failedFuture(new EngineUnavailableException("Redis is not connected", null));
            }
            return dispatched(() -> Script.run(REPAIR, connection.async(),
                    new String[] {key(room, "seq"), key(room, "history")},
                    new String[] {Long.toString(after), Long.toString(lastMessage), Integer.toString(limit)},
                    ScriptOutputType.MULTI));
        }

        @Override
        public RoomEvent decode(List<?> entry) {
            return RedisEngine.this.decode(entry);
        }

        @Override
        public void schedule(Runnable task, long delayMillis) {
            if (!closed) {
                try {
                    connector.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException stopping) {
                    // the engine is closing: nothing is delivered any more
                }
            }
        }
    }

    @Override
    public CompletionStage<Void> subscribe(String room, Subscriber subscriber) {
        // compute, not computeIfAbsent then add: a concurrent unsubscribe could drop the channel in between and
        // leave this subscriber on one that no event reaches (a room emptied and joined again at once).
        RoomChannel channel = channels.compute(room, (name, existing) -> {
            RoomChannel open = existing != null ? existing
                    : new RoomChannel(name, channelOf(name), historySize, link, telemetry);
            open.subscribers.add(subscriber);
            return open;
        });
        return dispatched(() -> subscribeNow(room, channel));
    }

    private CompletionStage<Void> subscribeNow(String room, RoomChannel channel) {
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
                    if (top != null) {
                        channel.subscribedAt(Long.parseLong(top));
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
        String[] keys = {key(room, "seq"), key(room, "history"), key(room, "resends"), key(room, "resent")};
        RoomChannel channel = channels.get(room);
        String[] args = {channelOf(room), codec.encodeForStore(event), keep ? "1" : "0", resendKey,
                Integer.toString(historySize), Long.toString(historyTtlSeconds),
                Long.toString(channel == null ? 0 : channel.highWater()), Long.toString(resendWindow.toMillis())};
        return dispatched(() -> Script.<List<Object>>run(PUBLISH, connection.async(), keys, args,
                ScriptOutputType.MULTI)).thenApply(reply -> {
            String id = String.valueOf(reply.get(1));
            if (((Long) reply.get(0)) == 1L) {
                return new Outcome(event.withId(id), false);
            }
            String original = (String) reply.get(2);
            // Past the history but within the window: the resend stands for its original, under the original's id.
            return new Outcome(original.isEmpty() ? event.withId(id) : codec.decodeFromStore(original, id), true);
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

    @Override
    public CompletionStage<Entered> enter(String room, String memberKey, Arrival arrival) {
        StatefulRedisConnection<String, String> connection = commands;
        if (connection == null) {
            return CompletableFuture.failedFuture(new EngineUnavailableException("Redis is not connected", null));
        }
        String node = lease.node();
        String[] keys = {key(room, "members"), key(room, "names"), key(room, "nodes"), prefix + ":verified",
                nodeRooms(node), population};
        String[] args = {memberKey, node, arrival.name(), arrival.nameKey(), arrival.verified() ? "1" : "0",
                arrival.address(), room};
        return dispatched(() -> Script.<List<Object>>run(ENTER, connection.async(), keys, args,
                ScriptOutputType.MULTI))
                .thenApply(reply -> new Entered(new User((String) reply.get(0), arrival.address(),
                        arrival.verified() ? Boolean.TRUE : null), ((Long) reply.get(1)).intValue()))
                .exceptionallyCompose(RedisEngine::unavailable);
    }

    /**
     * A leave that fails (Redis unreachable) is not lost: the member stays in the room's presence until this node
     * reconnects, takes it out then and announces its leave itself; the caller sees -1 and announces nothing.
     */
    @Override
    public CompletionStage<Integer> leave(String room, String memberKey) {
        return leaveNow(room, memberKey).thenApply(Departure::count).exceptionally(failure -> {
            unfinishedLeaves.add(new Place(room, memberKey));
            return -1;
        });
    }

    /** A member's place in a room's presence. */
    private record Place(String room, String memberKey) {
    }

    /** A connection counted for a client, with the receipt that gives it back. */
    private record Counted(String client, String receipt) {
    }

    /** What taking a member out left: the room's count after, and the member as it was; or -1 and null. */
    private record Departure(int count, User user) {
        static final Departure NONE = new Departure(-1, null);
    }

    private CompletableFuture<Departure> leaveNow(String room, String memberKey) {
        StatefulRedisConnection<String, String> connection = commands;
        if (connection == null) {
            return CompletableFuture.failedFuture(new EngineUnavailableException("Redis is not connected", null));
        }
        String[] keys = {key(room, "members"), key(room, "names"), key(room, "nodes"), population};
        return dispatched(() -> Script.<List<Object>>run(LEAVE, connection.async(), keys, new String[] {memberKey},
                ScriptOutputType.MULTI))
                .thenApply(reply -> reply.isEmpty() ? Departure.NONE
                        : new Departure(((Long) reply.get(0)).intValue(), codec.decodeUser((String) reply.get(1))));
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

    /** Orders the leave of a member that its own node could not announce (a dead node's, or one left over). */
    private void announceLeave(String room, User user, int count) {
        publish(new Leave(room, Timestamps.format(Instant.now()), null, user, count), "")
                .whenComplete((outcome, failure) -> {
                    if (failure != null) {
                        LOG.log(Level.WARNING, "room {0}: the leave of {1} could not be announced: {2}", room,
                                user.name(), failure.toString());
                    }
                });
    }

    @Override
    public CompletionStage<Entered> claim(String room, String memberKey, String newKey, Arrival claimant) {
        StatefulRedisConnection<String, String> connection = commands;
        if (connection == null) {
            return CompletableFuture.completedFuture(null);
        }
        String node = lease.node();
        String[] keys = {key(room, "members"), key(room, "nodes"), nodeRooms(node)};
        // Names never hold ':', so "v:<name>" cannot be mistaken for a guest's "g:"
        String[] args = {memberKey, newKey, channelOf(room),
                claimant.verified() ? "v:" + claimant.name() : "g:", node, claimant.address(), room};
        return dispatched(() -> Script.<List<Object>>run(CLAIM, connection.async(), keys, args,
                ScriptOutputType.MULTI))
                // No place to claim: the script's false arrives as nothing, or as a list holding a null.
                .thenApply(reply -> reply == null || reply.isEmpty() || reply.get(0) == null ? null
                        : new Entered(codec.decodeUser((String) reply.get(0)), ((Long) reply.get(1)).intValue()))
                .exceptionally(failure -> {
                    LOG.log(Level.INFO, "room {0}: a resume token could not be claimed: {1}", room, failure);
                    return null;
                });
    }

    @Override
    public CompletionStage<Snapshot> snapshot(String room, int memberLimit) {
        StatefulRedisConnection<String, String> connection = commands;
        if (connection == null) {
            return CompletableFuture.failedFuture(new EngineUnavailableException("Redis is not connected", null));
        }
        String[] keys = {key(room, "seq"), key(room, "members"), key(room, "history")};
        return snapshots.run(() -> dispatched(() -> Script.<List<Object>>run(SNAPSHOT, connection.async(), keys,
                new String[] {Integer.toString(memberLimit)}, ScriptOutputType.MULTI)))
                .thenApply(reply -> {
                    long lastId = reply.get(0) == null ? Long.MIN_VALUE : Long.parseLong((String) reply.get(0));
                    List<User> members = ((List<?>) reply.get(2)).stream()
                            .map(json -> codec.decodeUser((String) json)).toList();
                    List<Message> history = ((List<?>) reply.get(3)).stream()
                            .map(entry -> (Message) decode((List<?>) entry)).toList();
                    return new Snapshot(members, ((Long) reply.get(1)).intValue(), history, lastId);
                })
                .exceptionallyCompose(RedisEngine::unavailable);
    }

    @Override
    public void signal(Typing notice) {
        StatefulRedisConnection<String, String> connection = commands;
        if (connection != null) {
            dispatched(() -> connection.async().publish(channelOf(notice.room()),
                    CONTROL_SIGNAL + codec.encode(notice).text()));
        }
    }

    @Override
    public CompletionStage<String> connect(String client, int limit) {
        StatefulRedisConnection<String, String> connection = commands;
        if (connection == null) {
            return CompletableFuture.failedFuture(new EngineUnavailableException("Redis is not connected", null));
        }
        String node = lease.node();
        return dispatched(() -> Script.<Long>run(CONNECT, connection.async(), new String[] {clients, nodeClients(node)},
                new String[] {client, Integer.toString(limit)}, ScriptOutputType.INTEGER))
                .thenApply(counted -> counted == 1L ? node : null);
    }

    /** The receipt is the node that counted the connection: after a lost lease, a later identity's are not its. */
    @Override
    public void disconnect(String client, String receipt) {
        StatefulRedisConnection<String, String> connection = commands;
        if (connection == null) {
            unfinishedDisconnects.add(new Counted(client, receipt));
            return;
        }
        dispatched(() -> Script.<Long>run(DISCONNECT, connection.async(), new String[] {clients,
                nodeClients(receipt)}, new String[] {client}, ScriptOutputType.INTEGER))
                .exceptionally(failure -> {
                    unfinishedDisconnects.add(new Counted(client, receipt));
                    return null;
                });
    }

    private String nodeClients(String node) {
        return prefix + ":node:" + node + ":clients";
    }

    @Override
    public String node() {
        return lease.node();
    }

    /** As of this node's last lease renewal. */
    @Override
    public long clusterMembers() {
        return clusterMembers;
    }

    /** The lease's side: what this engine does when its node lost its lease, or another node died. */
    private final class LeaseOwner implements NodeLease.Owner {
        @Override
        public void lost(String oldNode, String node) {
            unfinishedLeaves.clear(); // those members were taken out with the old identity
            channels.values().forEach(channel -> channel.subscribers.forEach(Subscriber::lost));
        }

        @Override
        public void reap(RedisCommands<String, String> redis, String dead) {
            // Its connections first: whoever hears a leave below finds the dead node's counts gone already.
            Script.run(FORGET, redis, new String[] {clients, nodeClients(dead)}, new String[0],
                    ScriptOutputType.INTEGER);
            int members = 0;
            for (String room : redis.smembers(nodeRooms(dead))) {
                String[] keys = {key(room, "members"), key(room, "names"), key(room, "nodes"), nodeRooms(dead),
                        population};
                List<Object> reply = Script.run(EVICT, redis, keys, new String[] {dead, room},
                        ScriptOutputType.MULTI);
                int count = ((Long) reply.get(0)).intValue();
                List<?> gone = (List<?>) reply.get(1);
                for (int i = 0; i < gone.size(); i++) { // each leave counts those still to go after it
                    announceLeave(room, codec.decodeUser((String) gone.get(i)), count + gone.size() - 1 - i);
                }
                members += gone.size();
            }
            redis.del(nodeRooms(dead));
            telemetry.nodeExpired(members);
        }

        @Override
        public void prune(RedisCommands<String, String> redis, String node) {
            for (String room : redis.smembers(nodeRooms(node))) {
                if (!channels.containsKey(room)) {
                    Script.run(PRUNE, redis, new String[] {key(room, "nodes"), nodeRooms(node)},
                            new String[] {node, room}, ScriptOutputType.INTEGER);
                }
            }
        }

        @Override
        public void renewed(RedisCommands<String, String> redis) {
            String count = redis.get(population);
            clusterMembers = count == null ? 0 : Long.parseLong(count);
            telemetry.leaseRenewed();
            if (!unfinishedLeaves.isEmpty()) {
                dispatcher.execute(RedisEngine.this::finishLeaves);
            }
            for (Counted pending : List.copyOf(unfinishedDisconnects)) {
                unfinishedDisconnects.remove(pending);
                disconnect(pending.client(), pending.receipt());
            }
        }
    }

    private String nodeRooms(String node) {
        return prefix + ":node:" + node + ":rooms";
    }

    @Override
    public Status status() {
        StatefulRedisConnection<String, String> connection = commands;
        StatefulRedisPubSubConnection<String, String> subscription = pubsub;
        return connection != null && connection.isOpen() && subscription != null && subscription.isOpen()
                && lease.held() ? Status.UP : Status.DOWN;
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
        lease.drop();
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

    /** Connects the connections, retrying each second until Redis answers; runs on the connector thread. */
    private void establish() {
        if (closed) {
            return;
        }
        try {
            probeSentAt = 0;
            if (commands == null) {
                StatefulRedisConnection<String, String> connection = client.connect();
                for (Script script : SCRIPTS) {
                    script.load(connection.sync());
                }
                commands = connection;
            }
            if (leaseCommands == null) {
                leaseCommands = client.connect();
            }
            if (pubsub == null) {
                StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub();
                connection.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        if (connection == pubsub) { // a connection given up on may still bring a stale line
                            receive(channel, message);
                        }
                    }
                });
                pubsub = connection;
                connection.async().subscribe(probeChannel);
                resubscribe();
            }
            LOG.log(Level.INFO, "connected to Redis");
            unreachableSince = 0;
            lease.tick();
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
        channels.values().forEach(RoomChannel::repair); // each subscribes its channel again, then reads its gap
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
            channels.values().forEach(RoomChannel::hold);
            pubsub.closeAsync();
            connection.closeAsync();
            pubsub = null;
            commands = null;
            establish();
        }
    }

    private void receive(String channelName, String message) {
        if (channelName.equals(probeChannel)) {
            probeSentAt = 0;
            return;
        }
        RoomChannel channel = channels.get(roomOf(channelName));
        if (channel == null) {
            return; // unsubscribed meanwhile, or not ours
        }
        if (message.startsWith(CONTROL_REPLACED)) {
            String resumeKey = message.substring(CONTROL_REPLACED.length());
            channel.subscribers.forEach(subscriber -> subscriber.replaced(resumeKey));
            return;
        }
        if (message.startsWith(CONTROL_SIGNAL)) {
            try {
                Typing notice = codec.decodeTyping(message.substring(CONTROL_SIGNAL.length()));
                channel.subscribers.forEach(subscriber -> subscriber.signal(notice));
            } catch (IllegalArgumentException e) {
                LOG.log(Level.DEBUG, "dropped a notice this version cannot read: {0}", e.getMessage());
            }
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

    /** A history entry as a script returns it: {@code {id, {field, value, ...}}}. */
    private RoomEvent decode(List<?> entry) {
        String id = (String) entry.get(0);
        List<?> fields = (List<?>) entry.get(1);
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            if ("e".equals(fields.get(i))) {
                return codec.decodeFromStore((String) fields.get(i + 1), id.substring(0, id.indexOf('-')));
            }
        }
        throw new IllegalArgumentException("a history entry without its event: " + id);
    }

    private String key(String room, String what) {
        return channelOf(room) + ":" + what;
    }

    /** The room's channel, and the stem of its keys: {@code <prefix>:{<room>}}, one hash slot. */
    private String channelOf(String room) {
        return prefix + ":{" + room + "}";
    }

    private static <T> CompletionStage<T> unavailable(Throwable failure) {
        Throwable cause = Script.unwrap(failure);
        return CompletableFuture.failedFuture(cause instanceof EngineUnavailableException ? cause
                : new EngineUnavailableException("Redis: " + cause.getMessage(), cause));
    }
}
