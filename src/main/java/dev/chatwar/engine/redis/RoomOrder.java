package dev.chatwar.engine.redis;

import dev.chatwar.engine.redis.RedisConnections.Commands;
import dev.chatwar.engine.Engine.Outcome;
import dev.chatwar.engine.Engine.Snapshot;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.NodeEnvelope;
import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.Remove;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.ServerEvent.Typing;
import dev.chatwar.protocol.User;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Each room's order in Redis: {@code publish.lua} takes an event's id, keeps a message in the room's history, and
 * publishes it to every node, in one atomic step; {@code snapshot.lua} reads what a newcomer's welcome is built from.
 * Ids never repeat, whatever Redis lost: see {@code publish.lua} for how. Every node, the publishing one included,
 * delivers what its subscription receives ({@link RoomChannels}), so all nodes see one order.
 */
final class RoomOrder {
    static final Script PUBLISH = Script.named("publish.lua");
    static final Script SNAPSHOT = Script.named("snapshot.lua");
    /** Welcomes being read at once, at most; see {@link Throttle}. */
    private static final int SNAPSHOTS_AT_ONCE = 16;

    private final RedisConnections connections;
    private final RedisKeys keys;
    private final RoomChannels channels;
    private final FrameCodec codec;
    private final Supplier<String> node;
    private final int historySize;
    private final long historyTtlSeconds;
    private final Duration resendWindow;
    private final Throttle snapshots = new Throttle(SNAPSHOTS_AT_ONCE);

    /** @param node this node's identity now (it changes when the node loses its lease) */
    RoomOrder(RedisConnections connections, RedisKeys keys, RoomChannels channels, FrameCodec codec,
              Supplier<String> node, int historySize, long historyTtlSeconds, Duration resendWindow) {
        this.connections = connections;
        this.keys = keys;
        this.channels = channels;
        this.codec = codec;
        this.node = node;
        this.historySize = historySize;
        this.historyTtlSeconds = historyTtlSeconds;
        this.resendWindow = resendWindow;
    }

    /** See {@code Engine#publish}. */
    CompletionStage<Outcome> publish(RoomEvent event, String senderKey) {
        return publish(event, senderKey, "");
    }

    /** See {@code Engine#announce}: a join that marks its member announced ({@code memberKey}), or any event (""). */
    CompletionStage<Outcome> publish(RoomEvent event, String senderKey, String memberKey) {
        Commands connection = connections.commands();
        if (connection == null) {
            return RedisEngine.notConnected();
        }
        String room = event.room();
        boolean keep = event.kept();
        String resendKey = event instanceof Message message && message.cid() != null
                ? senderKey + '\0' + message.cid() : "";
        String[] scriptKeys = !resendKey.isEmpty()
                ? new String[] {keys.seq(room), keys.history(room), keys.resend(room, resendKey)}
                : !memberKey.isEmpty() ? new String[] {keys.seq(room), keys.history(room), keys.announced(room)}
                : new String[] {keys.seq(room), keys.history(room)};
        String[] args = {keys.channel(room), codec.encodeForStore(event), keep ? "1" : "0",
                !resendKey.isEmpty() ? "r" : !memberKey.isEmpty() ? "j" : "",
                Integer.toString(historySize), Long.toString(historyTtlSeconds),
                Long.toString(channels.highWater(room)), Long.toString(resendWindow.toMillis()),
                NodeEnvelope.eventHead(node.get()), event instanceof Remove remove ? remove.message() : "",
                connections.publishCommand(), memberKey};
        return connections.dispatched(() -> Script.<List<Object>>run(PUBLISH, connection.async(), scriptKeys, args,
                ScriptOutputType.MULTI)).thenApply(reply -> {
            if (((Long) reply.get(0)) == 2L) {
                return Outcome.NOTHING_TO_REMOVE;
            }
            String id = String.valueOf(reply.get(1));
            if (((Long) reply.get(0)) == 1L) {
                return new Outcome(event.withId(id), false);
            }
            String original = (String) reply.get(2);
            // Past the history but within the window: the resend stands for its original, under the original's id.
            return new Outcome(original.isEmpty() ? event.withId(id) : codec.decodeFromStore(original, id), true);
            // (decodeFromStore gives back a placeholder too: the sender of a removed message learns it was removed)
        }).exceptionallyCompose(RedisEngine::unavailable);
    }

    /** See {@code Engine#signal}: published on the room's channel, never kept. */
    void signal(Typing notice) {
        connections.dispatched(() -> connections.publish(keys.channel(notice.room()),
                NodeEnvelope.signal(node.get(), codec.encode(notice).text())));
    }

    /**
     * See {@code Engine#snapshot}; at most {@link #SNAPSHOTS_AT_ONCE} are read at once. In a room this node hears, the
     * members come from the room's presence replica ({@link PresenceReplica}) and only the history is read: the
     * first welcome reads the whole presence ({@code snapshot.lua}) and starts the replica, the next ones read the
     * history up to the replica's id. Elsewhere, and for moderation and the server API, which must see a member as
     * soon as it entered, the whole snapshot is read each time.
     *
     * @param fromReplica whether a welcome asks, which may be built from the replica
     */
    CompletionStage<Snapshot> snapshot(String room, int memberLimit, boolean fromReplica) {
        Commands connection = connections.commands();
        if (connection == null) {
            return RedisEngine.notConnected();
        }
        RoomChannel channel = fromReplica ? channels.channel(room) : null;
        RoomChannel.PresenceView view = channel == null ? null : channel.presence(memberLimit);
        if (view != null) {
            if (view.at() == Long.MIN_VALUE) {
                return CompletableFuture.completedFuture(new Snapshot(view.members(), view.count(), List.of(),
                        view.at(), true));
            }
            return snapshots.run(() -> connections.dispatched(() -> connection.async().xrange(keys.history(room),
                            Range.create("-", view.at() + "-0"))))
                    .thenApply(entries -> new Snapshot(view.members(), view.count(), entries.stream()
                            .map(entry -> decodeEntry(codec, entry.getId(), entry.getBody().get("e"))).toList(),
                            view.at(), true))
                    .exceptionallyCompose(RedisEngine::unavailable);
        }
        RoomChannel.PresenceRead reading = channel == null ? null : channel.beginPresenceRead();
        if (reading != null && reading.underWay() != null) {
            // Another welcome reads the whole presence now: build on the replica it starts (or read, if it failed).
            return reading.underWay().thenCompose(read -> channel.presence(memberLimit) != null
                    ? snapshot(room, memberLimit, true) : snapshot(room, memberLimit, false));
        }
        int epoch = reading == null ? 0 : reading.epoch();
        // The replica starts from every announced member: those whose joins are ordered up to the last id read.
        int read = channel == null ? memberLimit : Integer.MAX_VALUE;
        String[] scriptKeys = {keys.seq(room), keys.members(room), keys.history(room), keys.announced(room)};
        return snapshots.run(() -> connections.dispatched(() -> Script.<List<Object>>run(SNAPSHOT,
                        connection.async(), scriptKeys, new String[] {Integer.toString(read), channel == null ? "0" : "1"},
                        ScriptOutputType.MULTI)))
                .thenApply(reply -> {
                    long lastId = reply.get(0) == null ? Long.MIN_VALUE : Long.parseLong((String) reply.get(0));
                    List<User> members = ((List<?>) reply.get(2)).stream()
                            .map(json -> codec.decodeUser((String) json)).toList();
                    int count = ((Long) reply.get(1)).intValue();
                    if (channel != null) {
                        channel.presenceRead(epoch, lastId, members);
                    }
                    List<RoomEvent> history = ((List<?>) reply.get(3)).stream()
                            .map(entry -> decodeEntry(codec, (List<?>) entry)).toList();
                    return new Snapshot(count <= memberLimit ? members : List.of(), count, history, lastId,
                            channel != null);
                })
                .whenComplete((snapshot, failure) -> {
                    if (channel != null) {
                        channel.presenceReadEnded();
                    }
                })
                .exceptionallyCompose(RedisEngine::unavailable);
    }

    /** A history entry as a script returns it: {@code {id, {field, value, ...}}}. */
    static RoomEvent decodeEntry(FrameCodec codec, List<?> entry) {
        String id = (String) entry.get(0);
        List<?> fields = (List<?>) entry.get(1);
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            if ("e".equals(fields.get(i))) {
                return decodeEntry(codec, id, (String) fields.get(i + 1));
            }
        }
        throw new IllegalArgumentException("a history entry without its event: " + id);
    }

    /** A history entry: its stream id ({@code <id>-0}) and its event's JSON. */
    static RoomEvent decodeEntry(FrameCodec codec, String streamId, String json) {
        if (json == null) {
            throw new IllegalArgumentException("a history entry without its event: " + streamId);
        }
        return codec.decodeFromStore(json, streamId.substring(0, streamId.indexOf('-')));
    }
}
