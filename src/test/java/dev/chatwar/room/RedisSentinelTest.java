package dev.chatwar.room;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.engine.redis.RedisEngine;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.support.Chats;
import dev.chatwar.support.RedisSentinelGroup;
import dev.chatwar.support.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two chat nodes on a {@code redis-sentinel://} URL: a real primary, replica and Sentinel (Debian's), the primary
 * killed with {@code SIGKILL} while members on both nodes chat as the page does. After the failover, every message its
 * sender saw delivered reaches every member once, or that member is told of a gap; ids only grow
 * ({@link DeliveryChecker}). The time from the kill until every page has everything it typed confirmed is printed:
 * the README quotes it.
 */
class RedisSentinelTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private RedisSentinelGroup redis;
    private final List<RedisEngine> engines = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        engines.forEach(RedisEngine::close);
        redis.close();
    }

    private ChatService node() {
        RedisEngine engine = new RedisEngine(redis.uri(), "chat", 100, 3600, RedisServer.NODE_TIMEOUT,
                Chats.RESEND_WINDOW, new FrameCodec(), EngineTelemetry.NONE);
        engines.add(engine);
        return Chats.node(engine, 1000);
    }

    @Test
    void afterThePrimaryIsKilledEveryDeliveredMessageReachesEveryMemberOnceOrAGapIsTold() throws Exception {
        redis = RedisSentinelGroup.start("chat");
        List<ChatService> nodes = List.of(node(), node());
        awaitThat(() -> engines.stream().allMatch(engine -> engine.status() == Engine.Status.UP),
                () -> "both nodes up");
        List<ChatPage> pages = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ChatPage page = new ChatPage("failover", "p" + i, "10.0.0." + (i + 1));
            page.connect(nodes.get(i % 2));
            pages.add(page);
        }
        Supplier<Boolean> pump = () -> {
            for (int i = 0; i < pages.size(); i++) {
                ChatService home = nodes.get(i % 2);
                pages.get(i).pump(() -> home);
            }
            return true;
        };
        awaitThat(() -> pump.get() && pages.stream().allMatch(ChatPage::settled),
                () -> "every page welcomed: " + pages);

        chat(pages, pump, 50); // a second of chat on both nodes
        long killedAt = System.nanoTime();
        long rollback = System.currentTimeMillis() * 1000; // what the old primary handed out is below this
        redis.killPrimary();
        chat(pages, pump, 50); // typed during the failover: pending, then sent again
        int promoted = redis.awaitFailover(Duration.ofSeconds(30));
        awaitThat(() -> pump.get() && pages.stream().allMatch(ChatPage::settled), () -> "every page settled: " + pages);
        long settledMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);

        for (ChatPage page : pages) {
            page.type("after, from " + page.name);
        }
        awaitThat(() -> pump.get() && pages.stream().allMatch(page -> pages.stream()
                .allMatch(other -> page.hasShown("after, from " + other.name))), () -> "every last word: " + pages);
        DeliveryChecker checker = new DeliveryChecker(pages, List.of(rollback));
        String summary = "primary killed, replica on port " + promoted + " promoted; every page had everything it"
                + " typed confirmed " + settledMillis + " ms after the kill; messages confirmed "
                + pages.stream().mapToInt(page -> page.confirmed.size()).sum() + "; gaps told "
                + pages.stream().mapToInt(page -> page.gaps.size()).sum() + "; repeats hidden by cid "
                + checker.excusedRepeats();
        System.out.println("RedisSentinelTest: " + summary);
        assertTrue(checker.violations().isEmpty(), summary + "\n" + String.join("\n", checker.violations()));
    }

    /** Each page types now and then for {@code ticks} ticks of 20 ms, while every page is pumped. */
    private static void chat(List<ChatPage> pages, Supplier<Boolean> pump, int ticks) {
        for (int tick = 0; tick < ticks; tick++) {
            for (ChatPage page : pages) {
                if ((tick + page.name.hashCode()) % 10 == 0) {
                    page.type();
                }
            }
            pump.get();
            LockSupport.parkNanos(TICK_NANOS); // the pace of the chat, not a wait for an outcome
        }
    }

    private static void awaitThat(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not " + what.get() + " within " + WAIT);
            }
            LockSupport.parkNanos(TICK_NANOS); // polling pages that are pumped, not told
        }
    }
}
