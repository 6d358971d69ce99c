package dev.chatwar.room;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.engine.redis.RedisEngine;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.support.Chats;
import dev.chatwar.support.RedisServer;
import dev.chatwar.support.TcpProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A randomized fault test: two chat nodes on one real {@code redis-server}, six pages chatting in one room as the
 * real page does ({@link ChatPage}), and faults at random moments: Redis killed and restarted, Redis restarted from
 * an older copy of its data, every pub/sub connection killed, a node killed (cut off from Redis and dropped, without
 * a word to anyone, as {@code kill -9} leaves it; its pages reconnect to the other node, which takes its place).
 * Then everything heals, each page says a last word, and {@link DeliveryChecker} judges what every page was shown.
 *
 * <p>Bounded: {@code -Dchaos.seconds} (default 30) of faults, then at most two minutes to settle. A failure prints
 * its seed; {@code -Dchaos.seed=N} replays the same choices (the timing of the machine still varies).
 */
class RedisChaosTest {
    private static final Duration RUN = Duration.ofSeconds(Long.getLong("chaos.seconds", 30));
    private static final Duration SETTLE = Duration.ofSeconds(45);
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final int HISTORY = 50;
    private static final String ROOM = "chaos";

    /** One chat node: its own path to Redis (so it can be cut off), its engine and its chat. */
    private record Node(TcpProxy path, RedisEngine engine, ChatService chat) {
    }

    /** A copy of Redis's data directory, and when it was taken ({@link System#nanoTime}). */
    private record Copy(Path path, long takenAt) {
    }

    /** Counts what the engines report of rollbacks and repairs. */
    private static final class Counts implements EngineTelemetry {
        final AtomicInteger rollbacks = new AtomicInteger();
        final AtomicInteger retries = new AtomicInteger();
        final AtomicInteger givenUp = new AtomicInteger();

        @Override
        public void rollbackDetected() {
            rollbacks.incrementAndGet();
        }

        @Override
        public void repairRetried() {
            retries.incrementAndGet();
        }

        @Override
        public void repairGivenUp() {
            givenUp.incrementAndGet();
        }
    }

    private final Counts counts = new Counts();
    private RedisServer redis;
    private final Node[] nodes = new Node[2];
    private final List<Node> dead = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Node node : nodes) {
            if (node != null) {
                node.engine().close();
                node.path().close();
            }
        }
        for (Node node : dead) {
            node.path().close();
        }
        redis.close();
    }

    private Node start() throws Exception {
        TcpProxy path = new TcpProxy("127.0.0.1", redis.port());
        RedisEngine engine = new RedisEngine("redis://127.0.0.1:" + path.port(), "chaos", HISTORY, 3600,
                RedisServer.NODE_TIMEOUT, Chats.RESEND_WINDOW, new FrameCodec(), counts);
        return new Node(path, engine, Chats.node(engine, 1000));
    }

    /** The node a page reconnects to: its own, as a balancer that keeps it there would. */
    private ChatService nodeFor(int home) {
        return nodes[home].chat();
    }

    @Test
    void underRandomFaultsEveryMessageIsShownOnceInOrderOrItsGapIsTold() throws Exception {
        long seed = Long.getLong("chaos.seed", new Random().nextLong());
        System.out.println("RedisChaosTest seed " + seed + " (replay with -Dchaos.seed=" + seed + ")");
        Random random = new Random(seed);
        redis = RedisServer.start();
        nodes[0] = start();
        nodes[1] = start();
        awaitThat(() -> Arrays.stream(nodes).allMatch(node -> node.engine().status() == Engine.Status.UP),
                Duration.ofSeconds(10), () -> "both nodes up", seed);
        List<ChatPage> pages = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ChatPage page = new ChatPage(ROOM, "p" + i, "10.0.0." + (i + 1));
            page.connect(nodeFor(i % 2));
            pages.add(page);
        }
        awaitThat(() -> pump(pages) && pages.stream().allMatch(ChatPage::settled), Duration.ofSeconds(10),
                () -> "every page welcomed: " + pages, seed);

        List<String> faults = new ArrayList<>();
        List<Long> rollbacks = new ArrayList<>();
        Deque<Copy> copies = new ArrayDeque<>();
        long end = System.nanoTime() + RUN.toNanos();
        long nextFault = System.nanoTime() + millis(1_000 + random.nextInt(2_000));
        long nextCopy = System.nanoTime() + millis(500);
        long redisBackAt = 0;
        boolean backOlder = false;
        while (System.nanoTime() < end) {
            for (ChatPage page : pages) {
                if (random.nextInt(25) == 0) { // about two messages a second per page
                    page.type();
                }
            }
            pump(pages);
            long now = System.nanoTime();
            if (redisBackAt != 0 && now >= redisBackAt) {
                if (backOlder && !copies.isEmpty()) {
                    Copy oldest = copies.removeFirst(); // up to a few seconds back
                    redis.restartFrom(oldest.path());
                    rollbacks.add(System.currentTimeMillis() * 1000); // every id handed out before is below this
                    faults.add("  (the copy was " + TimeUnit.NANOSECONDS.toMillis(now - oldest.takenAt()) + " ms old)");
                } else {
                    redis.restart();
                }
                redisBackAt = 0;
            } else if (redisBackAt == 0 && now >= nextCopy) {
                copies.addLast(new Copy(redis.copyData(), now));
                if (copies.size() > 3) {
                    RedisServer.discard(copies.removeFirst().path());
                }
                nextCopy = now + millis(700);
            }
            if (now >= nextFault && redisBackAt == 0) {
                int fault = random.nextInt(4);
                int victim = random.nextInt(2); // drawn every time, so a seed replays the same choices
                faults.add(System.currentTimeMillis() * 1000 + ": " + switch (fault) {
                    case 0 -> "Redis killed, restarted with its data";
                    case 1 -> "Redis killed, restarted from an older copy";
                    case 2 -> "every pub/sub connection killed";
                    default -> "node " + victim + " killed";
                });
                if (fault <= 1) {
                    redis.kill();
                    redisBackAt = now + millis(200 + random.nextInt(1_500));
                    backOlder = fault == 1;
                } else if (fault == 2) {
                    redis.killPubSubConnections();
                } else {
                    kill(victim, pages);
                }
                nextFault = now + millis(1_500 + random.nextInt(3_000));
            }
            LockSupport.parkNanos(TICK_NANOS); // the pace of the load, not a wait for an outcome
        }
        for (Copy copy : copies) {
            RedisServer.discard(copy.path());
        }

        if (!redis.isRunning()) {
            redis.restart();
        }
        awaitThat(() -> pump(pages) && Arrays.stream(nodes).allMatch(n -> n.engine().status() == Engine.Status.UP)
                && pages.stream().allMatch(ChatPage::settled), SETTLE,
                () -> "every page settled (faults " + faults + "): " + pages, seed);
        for (ChatPage page : pages) {
            page.type("last word from " + page.name);
        }
        awaitThat(() -> pump(pages) && pages.stream().allMatch(page -> pages.stream()
                .allMatch(other -> page.hasShown("last word from " + other.name))), SETTLE,
                () -> "every page saw every last word: " + pages, seed);

        DeliveryChecker checker = new DeliveryChecker(pages, rollbacks);
        String summary = "seed " + seed + "; faults " + faults + "; messages confirmed "
                + pages.stream().mapToInt(page -> page.confirmed.size()).sum() + "; connections "
                + pages.stream().mapToInt(page -> page.connections).sum() + "; gaps told "
                + pages.stream().mapToInt(page -> page.gaps.size()).sum() + "; rollbacks detected "
                + counts.rollbacks + "; repairs retried " + counts.retries + ", given up " + counts.givenUp
                + "; repeats after a rollback, hidden by cid " + checker.excusedRepeats();
        System.out.println("RedisChaosTest: " + summary);
        assertTrue(checker.violations().isEmpty(), summary + "\n" + String.join("\n", checker.violations()));
    }

    /** Kills a node as {@code kill -9} does: cut off, then dropped; its pages reconnect to the node in its place. */
    private void kill(int slot, List<ChatPage> pages) throws Exception {
        Node victim = nodes[slot];
        victim.path().cut(); // Redis hears nothing more from it: no leave, no lease given back
        nodes[slot] = start();
        victim.engine().close();
        dead.add(victim);
        for (ChatPage page : pages) {
            if (page.node() == victim.chat()) {
                page.dropped(() -> nodeFor(slot));
            }
        }
    }

    /** Pumps every page once; true, so it can lead a condition. */
    private boolean pump(List<ChatPage> pages) {
        for (int i = 0; i < pages.size(); i++) {
            int home = i % 2;
            pages.get(i).pump(() -> nodeFor(home));
        }
        return true;
    }

    /** Polls the condition (which pumps the pages) until it holds, for at most {@code timeout}. */
    private static void awaitThat(BooleanSupplier condition, Duration timeout, Supplier<String> what, long seed) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not " + what.get() + " within " + timeout + " (seed " + seed + ")");
            }
            LockSupport.parkNanos(TICK_NANOS); // polling pages that are pumped, not told
        }
    }

    private static long millis(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
