package dev.chatwar.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.engine.redis.RedisEngine;
import dev.chatwar.ops.HealthServlet.Health;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.room.ChatService;
import dev.chatwar.support.Chats;
import dev.chatwar.support.RedisServer;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What {@code /health} reports through a chat's life: up, degraded, stopping. */
class HealthTest {
    private static final Instant STARTED = Instant.parse("2026-12-06T10:00:00Z");

    private static HealthServlet health(Engine engine) {
        ChatService chat = Chats.node(engine, 1000);
        return new HealthServlet(chat, engine, STARTED);
    }

    @Test
    void runningIsUpWithUptime() {
        Health health = health(Chats.inMemory(1)).health(STARTED.plusSeconds(90));
        assertTrue(health.up());
        assertEquals(90, health.uptimeSeconds());
        assertEquals(0, health.connections());
        assertEquals("OFF", health.redis(), "no Redis configured");
    }

    @Test
    void aNodeWhoseRedisIsUnreachableStartsAndSaysDegraded() throws Exception {
        RedisEngine engine = new RedisEngine("redis://127.0.0.1:" + RedisServer.freePort(), "chat", 10, 3600,
                RedisServer.NODE_TIMEOUT, Chats.RESEND_WINDOW,
                new FrameCodec(), EngineTelemetry.NONE); // nothing listens there: the node starts all the same
        try {
            Health health = health(engine).health(Instant.now());
            assertEquals("DEGRADED", health.status());
            assertEquals("DOWN", health.redis());
            assertFalse(health.up(), "a load balancer prefers nodes that can reach Redis");
        } finally {
            engine.close();
        }
    }

    @Test
    void stoppingIsNotUp() {
        HealthServlet servlet = health(Chats.inMemory(1));
        servlet.beginStopping();
        Health health = servlet.health(Instant.now());
        assertEquals("STOPPING", health.status());
        assertFalse(health.up());
    }
}
