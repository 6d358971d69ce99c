package dev.chatwar.engine.redis;

import dev.chatwar.engine.redis.RedisConnections.Commands;
import dev.chatwar.engine.Engine.Subscriber;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.engine.EngineUnavailableException;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.NodeEnvelope;
import dev.chatwar.protocol.ServerEvent.Lost;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.Timestamps;
import dev.chatwar.protocol.ServerEvent.Typing;
import io.lettuce.core.ScriptOutputType;

import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * This node's subscriptions to room channels, one {@link RoomChannel} per room with subscribers here, and the reader
 * of what arrives on them: each line is opened with {@link NodeEnvelope} and handed to its room. A room's channel is
 * subscribed while it has subscribers, held when the pub/sub connection is lost, and repaired when it is back; after
 * its last subscriber left, it is kept a while for what it delivered ({@link LeftRooms}).
 *
 * <p>A line this version cannot read (a newer node's, during a rolling upgrade) is logged once per kind, counted
 * ({@link EngineTelemetry#unreadableLine}), and skipped; the lines after it are read as usual.
 */
final class RoomChannels {
    private static final System.Logger LOG = System.getLogger(RoomChannels.class.getName());
    static final Script REPAIR = Script.named("repair.lua");
    /** Kinds of unreadable line logged already; bounded, so a flood of garbage cannot grow it. */
    private static final int MAX_LOGGED_KINDS = 64;

    private final RedisConnections connections;
    private final RedisKeys keys;
    private final FrameCodec codec;
    private final int historySize;
    private final EngineTelemetry telemetry;
    private final ConcurrentHashMap<String, RoomChannel> channels = new ConcurrentHashMap<>();
    /** Channels of rooms this node no longer hears, kept for what they delivered; see {@link LeftRooms}. */
    private final LeftRooms left = new LeftRooms();
    private final RoomChannel.Link link = new ChannelLink();
    private final Set<String> loggedKinds = ConcurrentHashMap.newKeySet();
    /** Told of every place a reconnect claimed, with the room and the old member key. */
    private final BiConsumer<String, String> claimed;
    /** Publishes an event in its room's order (the engine's publish): how a loss found here is told to all. */
    private final Function<RoomEvent, CompletionStage<?>> publisher;

    RoomChannels(RedisConnections connections, RedisKeys keys, FrameCodec codec, int historySize,
                 EngineTelemetry telemetry, BiConsumer<String, String> claimed,
                 Function<RoomEvent, CompletionStage<?>> publisher) {
        this.claimed = claimed;
        this.publisher = publisher;
        this.connections = connections;
        this.keys = keys;
        this.codec = codec;
        this.historySize = historySize;
        this.telemetry = telemetry;
    }

    /** What a room's channel needs of the connections: see {@link RoomChannel.Link}. */
    private final class ChannelLink implements RoomChannel.Link {
        @Override
        public CompletionStage<Void> subscribe(String channel) {
            return connections.dispatched(() -> connections.subscribe(channel));
        }

        @Override
        public CompletionStage<List<Object>> readRepair(String room, long after, long lastMessage, int limit) {
            Commands connection = connections.commands();
            if (connection == null) {
                return notConnected();
            }
            return connections.dispatched(() -> Script.run(REPAIR, connection.async(),
                    new String[] {keys.seq(room), keys.history(room)},
                    new String[] {Long.toString(after), Long.toString(lastMessage), Integer.toString(limit)},
                    ScriptOutputType.MULTI));
        }

        @Override
        public RoomEvent decode(List<?> entry) {
            return RoomOrder.decodeEntry(codec, entry);
        }

        @Override
        public void schedule(Runnable task, long delayMillis) {
            connections.schedule(task, delayMillis);
        }

        @Override
        public CompletionStage<?> tellLost(String room, long after, long through) {
            return publisher.apply(new Lost(room, Timestamps.format(Instant.now()), null, Long.toString(after),
                    Long.toString(through)));
        }
    }

    /** Adds a subscriber to the room, subscribing its channel when it is the first; see {@code Engine#subscribe}. */
    CompletionStage<Void> subscribe(String room, Subscriber subscriber) {
        RoomChannel[] before = new RoomChannel[1];
        // compute, not computeIfAbsent then add: a concurrent unsubscribe could drop the channel in between and
        // leave this subscriber on one that no event reaches (a room emptied and joined again at once).
        RoomChannel channel = channels.compute(room, (name, existing) -> {
            RoomChannel open = existing;
            if (open == null) {
                open = new RoomChannel(name, keys.channel(name), historySize, link, telemetry);
                before[0] = left.take(name);
                if (before[0] != null) {
                    open.floor(before[0].highWater());
                }
            }
            open.subscribers.add(subscriber);
            return open;
        });
        RoomChannel previous = before[0];
        CompletionStage<Void> subscribed = connections.dispatched(() -> subscribeNow(room, channel));
        if (previous != null) {
            // The room emptied here a while ago: Redis may have lost since what this node delivered in it then.
            subscribed.whenComplete((done, failure) -> check(previous));
        }
        return subscribed;
    }

    /**
     * Checks what a channel of a room this node left had delivered ({@link RoomChannel#checkAfterLeaving}): kept
     * until a loss is found and told, or until {@link LeftRooms} lets it go; kept too when Redis could not be read.
     */
    private void check(RoomChannel leftChannel) {
        leftChannel.checkAfterLeaving().whenComplete((lossTold, failure) -> {
            if (failure != null) {
                left.remember(leftChannel); // read again at the next reconnect
            } else if (lossTold) {
                left.forget(leftChannel);
            }
        });
    }

    private CompletionStage<Void> subscribeNow(String room, RoomChannel channel) {
        Commands commands = connections.commands();
        if (commands == null) {
            return notConnected();
        }
        return connections.subscribe(channel.name).toCompletableFuture()
                .thenCompose(subscribed -> commands.async().get(keys.seq(room)))
                .thenAccept(top -> {
                    if (top != null) {
                        channel.subscribedAt(Long.parseLong(top));
                    }
                })
                .exceptionallyCompose(RedisEngine::unavailable);
    }

    /** Removes a subscriber, unsubscribing the channel when it was the last. */
    void unsubscribe(String room, Subscriber subscriber) {
        RoomChannel[] emptied = new RoomChannel[1];
        channels.computeIfPresent(room, (name, channel) -> {
            channel.subscribers.remove(subscriber);
            if (!channel.subscribers.isEmpty()) {
                return channel;
            }
            connections.unsubscribe(channel.name);
            emptied[0] = channel;
            return null;
        });
        if (emptied[0] != null) { // outside the map's lock: a channel's lock is never taken under it
            emptied[0].presenceLost(); // a kept channel holds no member list: only what it delivered is kept
            left.remember(emptied[0]);
        }
    }

    /** The room's channel here, or null when this node has no subscribers in it. */
    RoomChannel channel(String room) {
        return channels.get(room);
    }

    /** This node's members were taken out of every room's presence: each replica is read again. */
    void presenceLost() {
        channels.values().forEach(RoomChannel::presenceLost);
    }

    /** Whether this node has subscribers in the room. */
    boolean has(String room) {
        return channels.containsKey(room);
    }

    /** The highest id of the room this node knows was handed out, or 0: a floor for the next ({@code publish.lua}). */
    long highWater(String room) {
        RoomChannel channel = channels.get(room);
        return channel == null ? left.highWater(room) : channel.highWater();
    }

    /** A subscription was lost: every room whose channel it carried holds its live events until its repair. */
    void hold(Predicate<String> carried) {
        channels.values().forEach(channel -> {
            if (carried.test(channel.name)) {
                channel.hold();
            }
        });
    }

    /**
     * Subscribes every room that has subscribers here, and repairs each one's gap: on the first connection, and after
     * every reconnect (Lettuce resubscribes what it had, but not what failed while it was away). The rooms left here
     * lately are checked too: Redis may have lost what this node delivered in them.
     */
    void repair(Predicate<String> carried) {
        channels.values().forEach(channel -> {
            if (carried.test(channel.name)) {
                channel.repair();
            }
        });
        left.kept(carried).forEach(this::check); // Redis may have lost what was delivered in rooms left here
    }

    /** Tells every subscriber of every room here. */
    void forEachSubscriber(Consumer<Subscriber> tell) {
        channels.values().forEach(channel -> channel.subscribers.forEach(tell));
    }

    /** One line from a room's channel. */
    void received(String channelName, String line) {
        RoomChannel channel = channels.get(keys.roomOf(channelName));
        if (channel == null) {
            return; // unsubscribed meanwhile, or not ours
        }
        NodeEnvelope.Line read = NodeEnvelope.read(line);
        if (read instanceof NodeEnvelope.Event event) {
            RoomEvent decoded;
            try {
                decoded = codec.decodeFromStore(event.json(), event.id());
            } catch (IllegalArgumentException e) {
                unreadable("an event", e.getMessage(), channelName);
                return;
            }
            channel.deliver(decoded);
        } else if (read instanceof NodeEnvelope.Replaced replaced) {
            claimed.accept(channel.room, replaced.resumeKey());
            channel.subscribers.forEach(subscriber -> subscriber.replaced(replaced.resumeKey()));
        } else if (read instanceof NodeEnvelope.Signal signal) {
            Typing notice;
            try {
                notice = codec.decodeTyping(signal.json());
            } catch (IllegalArgumentException e) {
                unreadable("a notice", e.getMessage(), channelName);
                return;
            }
            channel.subscribers.forEach(subscriber -> subscriber.signal(notice));
        } else if (read instanceof NodeEnvelope.Unreadable unreadable) {
            unreadable("a line of kind '" + unreadable.what() + "'", unreadable.line(), channelName);
        }
    }

    /** Counts every one; logs the first of each kind, so a newer node's traffic cannot flood the log. */
    private void unreadable(String kind, String detail, String channelName) {
        telemetry.unreadableLine();
        if (loggedKinds.size() < MAX_LOGGED_KINDS && loggedKinds.add(kind)) {
            LOG.log(Level.WARNING, "skipped {0} on {1}, which this version cannot read ({2}); such lines are"
                    + " counted in chat_engine_unreadable_lines_total and this kind is not logged again", kind,
                    channelName, detail.length() <= 200 ? detail : detail.substring(0, 200) + "…");
        }
    }

    private static <T> CompletionStage<T> notConnected() {
        return CompletableFuture.failedFuture(new EngineUnavailableException("Redis is not connected", null));
    }
}
