package dev.chatwar.config;

import dev.chatwar.endpoint.Writers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.ops.ChatMetrics;
import dev.chatwar.ops.HealthServlet.Health;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.room.ChatService;
import dev.chatwar.support.Chats;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** What {@code /health} reports through a chat's life: starting, up, stopping. */
class HealthTest {

    private static ChatRuntime runtime() {
        ChatService chat = Chats.node(Chats.inMemory(1), 1000);
        return new ChatRuntime(ChatConfig.defaults(), chat, Executors.newSingleThreadExecutor(), new Writers(1),
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
        stop(runtime);
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
