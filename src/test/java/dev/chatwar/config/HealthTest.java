package dev.chatwar.config;

import dev.chatwar.endpoint.Writers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.engine.redis.RedisEngine;
import dev.chatwar.ops.ChatMetrics;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.ops.HealthServlet.Health;
import dev.chatwar.room.ChatService;
import dev.chatwar.support.Chats;
import dev.chatwar.support.RedisServer;
import java.time.Instant;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** What {@code /health} reports through a chat's life: starting, up, stopping. */
class HealthTest {

    private static ChatRuntime runtime() {
        return runtime(Chats.inMemory(1));
    }

    private static ChatRuntime runtime(Engine engine) {
        ChatService chat = Chats.node(engine, 1000);
        return new ChatRuntime(ChatConfig.defaults(), chat, Executors.newSingleThreadScheduledExecutor(), new Writers(1),
                new ChatMetrics());
    }

    private static void stop(ChatRuntime runtime) {
        runtime.heartbeat().close();
        runtime.controlFrames().shutdown();
        runtime.metrics().close();
    }

    @Test
    void startingIsNotUp() {
        Health health = Health.of(null, Instant.now());
        assertEquals("STARTING", health.status());
        assertFalse(health.up());
    }

    @Test
    void runningIsUpWithUptime() {
        ChatRuntime runtime = runtime();
        Health health = Health.of(runtime, runtime.startedAt().plusSeconds(90));
        assertTrue(health.up());
        assertEquals(90, health.uptimeSeconds());
        assertEquals(0, health.connections());
        assertEquals("OFF", health.redis(), "no Redis configured");
        stop(runtime);
    }

    @Test
    void aNodeWhoseRedisIsUnreachableStartsAndSaysDegraded() throws Exception {
        RedisEngine engine = new RedisEngine("redis://127.0.0.1:" + RedisServer.freePort(), "chat", 10, 3600,
                    RedisServer.NODE_TIMEOUT, Chats.RESEND_WINDOW,
                new FrameCodec(), EngineTelemetry.NONE); // nothing listens there: the node starts all the same
        ChatRuntime runtime = runtime(engine);
        try {
            Health health = Health.of(runtime, Instant.now());
            assertEquals("DEGRADED", health.status());
            assertEquals("DOWN", health.redis());
            assertFalse(health.up(), "a load balancer prefers nodes that can reach Redis");
        } finally {
            stop(runtime);
            engine.close();
        }
    }

    @Test
    void stoppingIsNotUp() {
        ChatRuntime runtime = runtime();
        runtime.beginStopping();
        Health health = Health.of(runtime, Instant.now());
        assertEquals("STOPPING", health.status());
        assertFalse(health.up());
        stop(runtime);
    }
}
