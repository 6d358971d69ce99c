package dev.chatwar.engine.redis;

import dev.chatwar.engine.redis.RedisConnections.Commands;
import dev.chatwar.engine.SanctionBook;
import dev.chatwar.engine.Sanctions;
import dev.chatwar.protocol.AuditEntry;
import dev.chatwar.protocol.ControlNotice;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.NodeEnvelope;
import dev.chatwar.protocol.Sanction;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XAddArgs;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The chat's sanctions in Redis: a hash under the chat's {@code {sanctions}} tag holds every ban and mute with its end
 * and the version of its change ({@code sanction.lua} changes it and publishes the change on the control channel in
 * one step), every node keeps a copy ({@link SanctionBook}) fed by that channel and by its own replies, ordered by
 * version, and read whole again ({@code sanctions.lua}) whenever its subscription is back, and the
 * audit trail is a stream capped at {@link Sanctions#AUDIT_KEPT} entries. Redis keeps them as it keeps the rooms: a
 * Redis that persists its data keeps them over its restarts.
 */
final class RedisSanctions implements Sanctions {
    private static final System.Logger LOG = System.getLogger(RedisSanctions.class.getName());
    static final Script SANCTION = Script.named("sanction.lua");
    static final Script READ = Script.named("sanctions.lua");
    /** How soon a read of the whole copy that failed is tried again (until it succeeds, or the engine closes). */
    private static final long RELOAD_RETRY_MILLIS = 500;

    private final RedisConnections connections;
    private final RedisKeys keys;
    private final FrameCodec codec;
    private final Supplier<String> node;
    private final SanctionBook book;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Set once the first read of the sanctions succeeded, the control channel subscribed before it. */
    private volatile boolean loaded;

    RedisSanctions(RedisConnections connections, RedisKeys keys, FrameCodec codec, Supplier<String> node, Clock clock) {
        this.connections = connections;
        this.keys = keys;
        this.codec = codec;
        this.node = node;
        this.book = new SanctionBook(clock);
    }

    @Override
    public void listen(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public CompletionStage<Void> impose(Sanction sanction) {
        return change(ControlNotice.imposed(sanction), sanction.key(), codec.encodeSanction(sanction),
                sanction.until() == null ? "" : Long.toString(sanction.until()), "")
                .thenAccept(reply -> applied(version(reply), sanction)); // here at once, without the line
    }

    /** @return whether a sanction that had not ended was lifted (Redis says, so no node's copy can be behind) */
    @Override
    public CompletionStage<Boolean> lift(Sanction.Type type, String room, Sanction.Target target) {
        String key = Sanction.key(type, room, target);
        return change(ControlNotice.lifted(key), "", "", "", key).thenApply(reply -> {
            book.apply(version(reply), key, null);
            return ((Long) reply.get(0)) == 1L;
        });
    }

    @Override
    public CompletionStage<Void> kick(String room, Sanction.Target target) {
        return change(ControlNotice.kick(room, target), "", "", "", "").thenApply(reply -> null);
    }

    /**
     * An imposition reaches a node by two paths, its reply (on the node that made it) and the line (on every node),
     * in either order: whichever applies it first to the copy tells the listeners, once.
     */
    private void applied(long version, Sanction sanction) {
        if (book.apply(version, sanction.key(), sanction) == SanctionBook.Applied.NEWER) {
            listeners.forEach(listener -> listener.imposed(sanction));
        }
    }

    private static long version(List<Object> reply) {
        return Long.parseLong((String) reply.get(1));
    }

    private CompletionStage<List<Object>> change(ControlNotice notice, String setKey, String setJson, String setEnds,
                                                 String deleteKey) {
        Commands connection = connections.commands();
        if (connection == null) {
            return RedisEngine.notConnected();
        }
        String[] args = {controlChannel(), NodeEnvelope.controlHead(node.get()), codec.json(notice), setKey, setJson,
                setEnds, deleteKey, connections.publishCommand()};
        return connections.dispatched(() -> Script.<List<Object>>run(SANCTION, connection.async(),
                        new String[] {keys.sanctions(), keys.sanctionsVersion(), keys.sanctionEnds()}, args,
                        ScriptOutputType.MULTI))
                .exceptionallyCompose(RedisEngine::unavailable);
    }

    /** The control channel: plain on one Redis, sharded on a cluster, where it lives in the sanctions' slot. */
    String controlChannel() {
        return connections.sharded() ? keys.shardedControl() : keys.control();
    }

    @Override
    public SanctionBook copy() {
        return book;
    }

    @Override
    public CompletionStage<Void> audit(AuditEntry entry) {
        Commands connection = connections.commands();
        if (connection == null) {
            return RedisEngine.notConnected();
        }
        return connections.dispatched(() -> connection.async().xadd(keys.audit(),
                        XAddArgs.Builder.maxlen(AUDIT_KEPT).approximateTrimming(), Map.of("a", codec.encodeAudit(entry))))
                .<Void>thenApply(id -> null)
                .exceptionallyCompose(RedisEngine::unavailable);
    }

    @Override
    public CompletionStage<List<AuditEntry>> audit(int limit) {
        Commands connection = connections.commands();
        if (connection == null) {
            return RedisEngine.notConnected();
        }
        return connections.dispatched(() -> connection.async().xrevrange(keys.audit(), Range.create("-", "+"),
                        io.lettuce.core.Limit.from(limit)))
                .thenApply(entries -> entries.stream().map(entry -> entry.getBody().get("a"))
                        .filter(json -> json != null).map(codec::decodeAudit).toList())
                .exceptionallyCompose(RedisEngine::unavailable);
    }

    /**
     * Reads the whole hash into this node's copy: at the start, and whenever the subscription is back; the listeners
     * hear of every ban the copy did not hold (imposed while this node could not hear the control channel). A read
     * that fails (the commands connection is not back yet) is tried again until one succeeds.
     */
    void reload() {
        Commands connection = connections.commands();
        if (connection == null) {
            connections.schedule(this::reload, RELOAD_RETRY_MILLIS);
            return;
        }
        // Subscribed first (again: it is harmless), so that no change falls between the read and the channel.
        connections.dispatched(() -> connections.subscribe(controlChannel()).toCompletableFuture()
                        .thenCompose(subscribed -> Script.<List<Object>>run(READ, connection.async(),
                                new String[] {keys.sanctions(), keys.sanctionsVersion()}, new String[0],
                                ScriptOutputType.MULTI)))
                .whenComplete((reply, failure) -> {
                    if (failure != null) {
                        // The pub/sub connection may be back before the commands connection is: try again.
                        LOG.log(Level.DEBUG, "the chat''s sanctions could not be read yet: {0}", failure.toString());
                        connections.schedule(this::reload, RELOAD_RETRY_MILLIS);
                        return;
                    }
                    long version = reply.get(0) == null ? Long.MIN_VALUE : Long.parseLong((String) reply.get(0));
                    List<?> flat = (List<?>) reply.get(1);
                    List<Sanction> read = new ArrayList<>(flat.size() / 2);
                    for (int i = 1; i < flat.size(); i += 2) {
                        String entry = (String) flat.get(i);
                        try {
                            read.add(codec.decodeSanction(entry.substring(entry.indexOf(' ') + 1)));
                        } catch (IllegalArgumentException e) {
                            LOG.log(Level.WARNING, "skipped a sanction this version cannot read: {0}", e.getMessage());
                        }
                    }
                    List<Sanction> added = book.replaceAll(version, read);
                    loaded = true; // before the listeners, whose failure must not leave the node down for good
                    // Bans imposed while this node could not hear them still close what they hold here.
                    for (Sanction held : added) {
                        if (held.type() == Sanction.Type.BAN) {
                            listeners.forEach(listener -> listener.imposed(held));
                        }
                    }
                });
    }

    /**
     * Whether this node has held the chat's sanctions and heard their changes: true from the first successful
     * {@link #reload}, which subscribes to the control channel before it reads. Until then a node that just started
     * knows of no ban and would miss a kick, so it must not report itself up. Not cleared when the subscription is
     * lost: the node then reports itself down through its connections, and its copy, though behind, is still held.
     */
    boolean loaded() {
        return loaded;
    }

    /** A line on the control channel. */
    void received(String line) {
        NodeEnvelope.Line read = NodeEnvelope.read(line);
        if (!(read instanceof NodeEnvelope.Control control)) {
            LOG.log(Level.DEBUG, "skipped a line on the control channel: {0}", line);
            return;
        }
        ControlNotice notice;
        try {
            notice = codec.decodeControl(control.json());
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "skipped a control notice this version cannot read: {0}", e.getMessage());
            return;
        }
        switch (notice.op()) {
            case ControlNotice.IMPOSE -> applied(control.version(), notice.sanction());
            case ControlNotice.LIFT -> book.apply(control.version(), notice.key(), null);
            case ControlNotice.KICK -> listeners.forEach(listener -> listener.kicked(notice.room(), notice.target()));
            default -> LOG.log(Level.DEBUG, "skipped a control notice of kind {0}", notice.op());
        }
    }
}
