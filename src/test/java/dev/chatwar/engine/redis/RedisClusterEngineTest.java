package dev.chatwar.engine.redis;

import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EngineContract;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.support.Chats;
import dev.chatwar.support.Poll;
import dev.chatwar.support.RedisCluster;
import dev.chatwar.support.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine contract on a real Redis Cluster (three primaries, three replicas), and what only a cluster has: rooms
 * spread over the shards, each node subscribed only where its rooms are. The death of a primary is
 * {@link RedisClusterFailoverTest}'s.
 */
class RedisClusterEngineTest extends EngineContract {
    private static RedisCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisCluster.start();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    @BeforeEach
    void empty() throws Exception {
        cluster.flushAll();
    }

    @Override
    protected Engine newNode() {
        RedisEngine engine = new RedisEngine(cluster.uri(), "test", HISTORY, 3600, RedisServer.NODE_TIMEOUT,
                Chats.RESEND_WINDOW, new FrameCodec(), EngineTelemetry.NONE);
        awaitStatus(engine, Engine.Status.UP);
        return engine;
    }

    /** A cluster loses its data shard by shard; here all at once. */
    @Override
    protected void wipe() throws Exception {
        cluster.flushAll();
    }

    /** Room names whose keys fall on each primary: {@code perPrimary} for each, by the primary's port. */
    static Map<Integer, List<String>> roomsOnEachPrimary(RedisCluster cluster, int perPrimary) throws Exception {
        Map<Integer, List<String>> rooms = new HashMap<>();
        for (int port : cluster.primaries().keySet()) {
            rooms.put(port, new ArrayList<>());
        }
        for (int i = 0; rooms.values().stream().anyMatch(list -> list.size() < perPrimary); i++) {
            String room = "room-" + i;
            List<String> onIt = rooms.get(cluster.primaryOf("test:{" + room + "}"));
            if (onIt.size() < perPrimary) {
                onIt.add(room);
            }
        }
        return rooms;
    }

    /** What a primary's sharded channels are ({@code PUBSUB SHARDCHANNELS}), as rooms. */
    private static Set<String> heardOn(int port) throws java.io.IOException {
        Set<String> rooms = new TreeSet<>();
        for (String channel : cluster.node(port).reply("PUBSUB", "SHARDCHANNELS", "test:{room-*}").split("\n")) {
            if (!channel.isBlank()) {
                rooms.add(channel.substring("test:{".length(), channel.length() - 1));
            }
        }
        return rooms;
    }

    @Test
    void eachRoomLivesOnTheShardOfItsSlotAndNodesSubscribeOnlyWhereTheirRoomsAre() throws Exception {
        Map<Integer, List<String>> rooms = roomsOnEachPrimary(cluster, 2);
        Engine east = node();
        Engine west = node();
        List<Inbox> inboxes = new ArrayList<>();
        for (Map.Entry<Integer, List<String>> primary : rooms.entrySet()) {
            String eastsRoom = primary.getValue().get(0);
            String westsRoom = primary.getValue().get(1);
            inboxes.add(subscribed(east, eastsRoom));
            inboxes.add(subscribed(west, westsRoom));
            await(east.enter(eastsRoom, "k-" + eastsRoom, guest("ann")));
            await(east.publish(say(eastsRoom, "ann", "hello", "c1"), "ann"));
            await(west.publish(say(westsRoom, "bob", "hello", null), "bob"));
        }
        for (Map.Entry<Integer, List<String>> primary : rooms.entrySet()) {
            int port = primary.getKey();
            for (String room : primary.getValue()) {
                for (String key : List.of(":seq", ":history")) {
                    assertEquals(":1", cluster.node(port).command("EXISTS", "test:{" + room + "}" + key),
                            room + key + " is on the primary of its slot, " + port);
                }
            }
            String entered = primary.getValue().get(0);
            assertEquals(":1", cluster.node(port).command("EXISTS", "test:{" + entered + "}:members"),
                    "the presence of " + entered + " is on its room's shard");
            assertEquals(new TreeSet<>(primary.getValue()), heardOn(port),
                    "the rooms subscribed on the primary at " + port);
        }
        for (Inbox inbox : inboxes) {
            assertEquals("hello", ((dev.chatwar.protocol.ServerEvent.Message) inbox.next()).text());
        }
        // A node that has nobody left in a room stops hearing it there.
        int port = rooms.keySet().iterator().next();
        String westsRoom = rooms.get(port).get(1);
        west.unsubscribe(westsRoom, inboxes.get(1));
        Set<String> stays = new TreeSet<>(List.of(rooms.get(port).get(0)));
        Poll.until(Duration.ofSeconds(5), "the room left unsubscribed on its shard",
                () -> heardOn(port).equals(stays) ? null : heardOn(port).toString());
    }

    @Test
    void theControlChannelIsShardedInTheSanctionsSlot() throws Exception {
        Engine node = node();
        int port = cluster.primaryOf("test:{sanctions}");
        Poll.until(Duration.ofSeconds(5), "the control channel subscribed on the sanctions' shard", () -> {
            String heard = cluster.node(port).reply("PUBSUB", "SHARDCHANNELS", "test:{sanctions}:control");
            return heard.equals("test:{sanctions}:control") ? null : heard;
        });
        assertTrue(node.unreachable().isEmpty(), node.unreachable().toString());
    }
}
