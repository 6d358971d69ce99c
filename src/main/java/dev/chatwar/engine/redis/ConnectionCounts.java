package dev.chatwar.engine.redis;

import dev.chatwar.engine.redis.RedisConnections.Commands;
import io.lettuce.core.ScriptOutputType;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Open connections per client over every node ({@code connect.lua}, {@code disconnect.lua}): the chat-wide half of
 * the connection limits. Each node also counts its own connections per client, so that when it dies the others take
 * its counts back ({@code forget.lua}). An end that could not be counted while Redis was unreachable is counted after
 * the next renewal of the lease.
 */
final class ConnectionCounts {
    static final Script CONNECT = Script.named("connect.lua");
    static final Script DISCONNECT = Script.named("disconnect.lua");
    static final Script FORGET = Script.named("forget.lua");

    private final RedisConnections connections;
    private final RedisKeys keys;
    private final Supplier<String> node;
    /** Connections whose end could not be counted while Redis was unreachable. */
    private final Set<Counted> unfinished = ConcurrentHashMap.newKeySet();

    ConnectionCounts(RedisConnections connections, RedisKeys keys, Supplier<String> node) {
        this.connections = connections;
        this.keys = keys;
        this.node = node;
    }

    /** A connection counted for a client, with the receipt that gives it back. */
    private record Counted(String client, String receipt) {
    }

    /** See {@code Engine#connect}: the receipt is the node that counted it. */
    CompletionStage<String> connect(String client, int limit) {
        Commands connection = connections.commands();
        if (connection == null) {
            return RedisEngine.notConnected();
        }
        String here = node.get();
        return connections.dispatched(() -> Script.<Long>run(CONNECT, connection.async(),
                        new String[] {keys.clients(), keys.nodeClients(here)},
                        new String[] {client, Integer.toString(limit)}, ScriptOutputType.INTEGER))
                .thenApply(counted -> counted == 1L ? here : null);
    }

    /** The receipt is the node that counted the connection: after a lost lease, a later identity's are not its. */
    void disconnect(String client, String receipt) {
        Commands connection = connections.commands();
        if (connection == null) {
            unfinished.add(new Counted(client, receipt));
            return;
        }
        connections.dispatched(() -> Script.<Long>run(DISCONNECT, connection.async(),
                        new String[] {keys.clients(), keys.nodeClients(receipt)}, new String[] {client},
                        ScriptOutputType.INTEGER))
                .exceptionally(failure -> {
                    unfinished.add(new Counted(client, receipt));
                    return null;
                });
    }

    /** After a renewal of the lease: counts the ends that could not be counted before. */
    void renewed() {
        for (Counted pending : List.copyOf(unfinished)) {
            unfinished.remove(pending);
            disconnect(pending.client(), pending.receipt());
        }
    }

    /** A dead node's connections stop counting. */
    void forget(RedisClusterCommands<String, String> redis, String dead) {
        Script.run(FORGET, redis, new String[] {keys.clients(), keys.nodeClients(dead)}, new String[0],
                ScriptOutputType.INTEGER);
    }
}
