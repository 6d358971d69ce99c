package dev.chatwar.engine.redis;

import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.User;
import dev.chatwar.support.Chats;
import dev.chatwar.support.Poll;
import dev.chatwar.support.RedisCluster;
import dev.chatwar.support.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A primary of a real Redis Cluster killed ({@code SIGKILL}) while rooms on every shard chat: the rooms on the other
 * shards never pause, the dead shard's rooms come back once its replica took over, and a checker finds, for every room,
 * ids that only grow, nothing delivered twice, and every acknowledged message delivered unless its room was told
 * that events were lost.
 */
class RedisClusterFailoverTest {
    /** How long a publish on a live shard may take, at most, while another shard is dead: "never pause". */
    private static final Duration LIVE_SHARD_LIMIT = Duration.ofMillis(500);
    private static final long SEED = Long.getLong("chat.seed", System.nanoTime());
    private RedisCluster cluster;
    private final List<Engine> engines = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        cluster = RedisCluster.start();
    }

    @AfterEach
    void stop() throws Exception {
        engines.forEach(Engine::close);
        cluster.close();
    }

    private Engine node() {
        RedisEngine engine = new RedisEngine(cluster.uri(), "test", 1000, 3600, RedisServer.NODE_TIMEOUT,
                Chats.RESEND_WINDOW, new FrameCodec(), EngineTelemetry.NONE);
        engines.add(engine);
        Poll.until(Duration.ofSeconds(10), "the engine is up", engine::status, Engine.Status.UP);
        return engine;
    }

    /** What a subscriber was given, in order, and whether it was told of a loss. */
    private static final class Record implements Engine.Subscriber {
        final BlockingQueue<RoomEvent> events = new LinkedBlockingQueue<>();
        final AtomicBoolean lost = new AtomicBoolean();

        @Override
        public void deliver(RoomEvent event) {
            events.add(event);
        }

        @Override
        public void lost() {
            lost.set(true);
        }
    }

    /** One publish: what was sent, when, and what came of it. */
    private record Sent(String room, String text, long sentAt, long doneAt, String id, Throwable failure) {
    }

    @Test
    void aKilledPrimaryStopsOnlyItsRoomsUntilItsReplicaTakesOverAndNothingIsSilentlyLost() throws Exception {
        Random random = new Random(SEED);
        Map<Integer, List<String>> onEach = RedisClusterEngineTest.roomsOnEachPrimary(cluster, 1);
        List<Integer> primaries = new ArrayList<>(onEach.keySet());
        int doomed = primaries.get(random.nextInt(primaries.size()));
        String doomedRoom = onEach.get(doomed).get(0);
        Engine east = node();
        Engine west = node();
        List<String> rooms = onEach.values().stream().map(list -> list.get(0)).toList();
        Map<String, Record> atWest = new java.util.HashMap<>();
        for (String room : rooms) {
            atWest.put(room, new Record());
            east.subscribe(room, new Record()).toCompletableFuture().get(5, TimeUnit.SECONDS);
            west.subscribe(room, atWest.get(room)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        long start = System.nanoTime();
        long killAt = start + TimeUnit.SECONDS.toNanos(1);
        boolean killed = false;
        boolean sawPartial = false;
        long backAt = 0;
        int n = 0;
        // Bounded: at most 40 s, and 2 s after the dead shard's room took messages again.
        while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(40)
                && (backAt == 0 || System.nanoTime() - backAt < TimeUnit.SECONDS.toNanos(2))) {
            if (!killed && System.nanoTime() >= killAt) {
                cluster.node(doomed).kill();
                killed = true;
            }
            for (String room : rooms) {
                String text = room + "#" + n;
                long at = System.nanoTime();
                pending.add(east.publish(new Message(room, "2026-12-06T00:00:00Z", null, new User("ann", "10.0.0.1"),
                                text, null), "ann").toCompletableFuture()
                        .whenComplete((outcome, failure) -> sent.add(new Sent(room, text, at, System.nanoTime(),
                                failure == null ? outcome.event().id() : null, failure))));
            }
            n++;
            if (killed && east.status() == Engine.Status.PARTIAL
                    && east.unreachable().contains("127.0.0.1:" + doomed)) {
                sawPartial = true;
            }
            if (killed && backAt == 0 && sent.stream().anyMatch(s -> s.room().equals(doomedRoom) && s.id() != null
                    && s.sentAt() > killAt + TimeUnit.SECONDS.toNanos(1))) {
                backAt = System.nanoTime();
            }
            Thread.sleep(20); // the pace of the chat: about fifty messages a second in each room
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally(failure -> null)
                .get(15, TimeUnit.SECONDS);
        String seed = " (seed " + SEED + ", killed the primary at " + doomed + ")";
        System.out.printf("failover: %s, on the killed primary, took messages again %d ms after the kill%s%n",
                doomedRoom, TimeUnit.NANOSECONDS.toMillis(backAt - killAt), seed);
        assertTrue(backAt != 0, "the dead shard's room never took messages again" + seed);
        assertTrue(sawPartial, "the node never reported the dead shard" + seed);
        Poll.until(Duration.ofSeconds(10), "the node is up again", east::status, Engine.Status.UP);

        for (String room : rooms) {
            List<Sent> ofRoom = sent.stream().filter(s -> s.room().equals(room)).toList();
            if (!room.equals(doomedRoom)) {
                for (Sent one : ofRoom) {
                    assertTrue(one.failure() == null, room + " is on a live shard, but " + one.text() + " failed: "
                            + one.failure() + seed);
                    long took = one.doneAt() - one.sentAt();
                    assertTrue(took < LIVE_SHARD_LIMIT.toNanos(), room + " paused: " + one.text() + " took "
                            + TimeUnit.NANOSECONDS.toMillis(took) + " ms" + seed);
                }
            }
            List<String> acknowledged = ofRoom.stream().filter(s -> s.id() != null).map(Sent::id).toList();
            Record record = atWest.get(room);
            Poll.until(Duration.ofSeconds(10), room + ": every acknowledged message delivered, or a loss told", () -> {
                List<String> delivered = record.events.stream().map(RoomEvent::id).toList();
                long missing = acknowledged.stream().filter(id -> !delivered.contains(id)).count();
                return missing == 0 || record.lost.get() ? null : missing + " acknowledged, not delivered";
            });
            List<Long> ids = record.events.stream().map(event -> Long.parseLong(event.id())).toList();
            for (int i = 1; i < ids.size(); i++) {
                assertTrue(ids.get(i) > ids.get(i - 1), room + ": ids go back or repeat at " + i + ": " + ids.get(i - 1)
                        + " then " + ids.get(i) + seed);
            }
            if (!room.equals(doomedRoom)) {
                assertEquals(false, record.lost.get(), room + " on a live shard was told of a loss" + seed);
            }
        }
    }
}
