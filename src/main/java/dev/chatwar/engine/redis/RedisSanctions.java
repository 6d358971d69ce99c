package dev.chatwar.engine.redis;

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
import io.lettuce.core.api.StatefulRedisConnection;
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
 * ({@code sanction.lua} changes it and publishes the change on the control channel in one step), every node keeps a
 * copy ({@link SanctionBook}) fed by that channel and read whole again whenever its subscription is back, and the
 * audit trail is a stream capped at {@link Sanctions#AUDIT_KEPT} entries. Redis keeps them as it keeps the rooms: a
 * Redis that persists its data keeps them over its restarts.
 */
final class RedisSanctions implements Sanctions {
    private static final System.Logger LOG = System.getLogger(RedisSanctions.class.getName());
    static final Script SANCTION = Script.named("sanction.lua");

    private final RedisConnections connections;
    private final RedisKeys keys;
    private final FrameCodec codec;
    private final Supplier<String> node;
    private final SanctionBook book;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

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
        return change(ControlNotice.imposed(sanction), sanction.key(), codec.encodeSanction(sanction), "")
                .thenAccept(removed -> book.put(sanction)); // this node sees it at once; the others with the line
    }

    @Override
    public CompletionStage<Boolean> lift(Sanction.Type type, String room, Sanction.Target target) {
        String key = Sanction.key(type, room, target);
        return change(ControlNotice.lifted(key), "", "", key).thenApply(removed -> {
            boolean held = book.holds(key);
            book.remove(key);
            return held;
        });
    }

    @Override
    public CompletionStage<Void> kick(String room, Sanction.Target target) {
        return change(ControlNotice.kick(room, target), "", "", "").thenApply(removed -> null);
    }

    private CompletionStage<Long> change(ControlNotice notice, String setKey, String setJson, String deleteKey) {
        StatefulRedisConnection<String, String> connection = connections.commands();
        if (connection == null) {
            return RedisEngine.notConnected();
        }
        List<String> args = new ArrayList<>(List.of(keys.control(),
                NodeEnvelope.control(node.get(), codec.json(notice)), setKey, setJson, deleteKey));
        args.addAll(book.expired());
        return connections.dispatched(() -> Script.<Long>run(SANCTION, connection.async(),
                        new String[] {keys.sanctions()}, args.toArray(String[]::new), ScriptOutputType.INTEGER))
                .exceptionallyCompose(RedisEngine::unavailable);
    }

    @Override
    public SanctionBook copy() {
        return book;
    }

    @Override
    public CompletionStage<Void> audit(AuditEntry entry) {
        StatefulRedisConnection<String, String> connection = connections.commands();
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
        StatefulRedisConnection<String, String> connection = connections.commands();
        if (connection == null) {
            return RedisEngine.notConnected();
        }
        return connections.dispatched(() -> connection.async().xrevrange(keys.audit(), Range.create("-", "+"),
                        io.lettuce.core.Limit.from(limit)))
                .thenApply(entries -> entries.stream().map(entry -> entry.getBody().get("a"))
                        .filter(json -> json != null).map(codec::decodeAudit).toList())
                .exceptionallyCompose(RedisEngine::unavailable);
    }

    /** Reads the whole hash into this node's copy: at the start, and whenever the subscription is back. */
    void reload() {
        StatefulRedisConnection<String, String> connection = connections.commands();
        if (connection == null) {
            return;
        }
        connections.dispatched(() -> connection.async().hgetall(keys.sanctions())).whenComplete((held, failure) -> {
            if (failure != null) {
                LOG.log(Level.WARNING, "the chat''s sanctions could not be read: {0}", failure.toString());
                return;
            }
            List<Sanction> read = new ArrayList<>(held.size());
            for (String json : held.values()) {
                try {
                    read.add(codec.decodeSanction(json));
                } catch (IllegalArgumentException e) {
                    LOG.log(Level.WARNING, "skipped a sanction this version cannot read: {0}", e.getMessage());
                }
            }
            book.replaceAll(read);
        });
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
            case ControlNotice.IMPOSE -> {
                book.put(notice.sanction());
                listeners.forEach(listener -> listener.imposed(notice.sanction()));
            }
            case ControlNotice.LIFT -> book.remove(notice.key());
            case ControlNotice.KICK -> listeners.forEach(listener -> listener.kicked(notice.room(), notice.target()));
            default -> LOG.log(Level.DEBUG, "skipped a control notice of kind {0}", notice.op());
        }
    }
}
