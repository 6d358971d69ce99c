package dev.chatwar.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.glassfish.tyrus.client.ClientManager;
import org.junit.jupiter.api.Test;

/**
 * The rules of {@link ReceiveBuffers}, on a real container of another kind (Tyrus's; Tomcat's own is kept off the
 * tests' classpath). What the sizes do inside Tomcat is proven by the container tests (the longest message arrives
 * whole) and measured by the benchmark's {@code connections} scenario (README, Performance).
 */
class ReceiveBuffersTest {

    @Test
    void onlyTomcatsContainersAreFitted() {
        assertTrue(ReceiveBuffers.isTomcats("org.apache.tomcat.websocket.server.WsServerContainer"));
        assertFalse(ReceiveBuffers.isTomcats("io.undertow.websockets.jsr.ServerWebSocketContainer"));
        assertFalse(ReceiveBuffers.isTomcats("org.glassfish.tyrus.client.ClientManager"));
    }

    @Test
    void anotherContainerIsLeftAsItIs() {
        ClientManager other = ClientManager.createClient();
        other.setDefaultMaxTextMessageBufferSize(1024); // above what fitting would set, so a lowering would show
        other.setDefaultMaxBinaryMessageBufferSize(1024);
        assertFalse(ReceiveBuffers.fit(other));
        assertFalse(ReceiveBuffers.fit(null));
        assertEquals(1024, other.getDefaultMaxTextMessageBufferSize());
        assertEquals(1024, other.getDefaultMaxBinaryMessageBufferSize());
    }

    @Test
    void theBuffersAreLoweredToAPartOfText() {
        ClientManager container = ClientManager.createClient();
        container.setDefaultMaxTextMessageBufferSize(1024);
        container.setDefaultMaxBinaryMessageBufferSize(1024);
        ReceiveBuffers.lower(container);
        assertEquals(ReceiveBuffers.TEXT_PART_CHARS, container.getDefaultMaxTextMessageBufferSize());
        assertEquals(ReceiveBuffers.STAGING_BYTES, container.getDefaultMaxBinaryMessageBufferSize());
    }

    @Test
    void smallerBuffersSetByTheOperatorStand() {
        ClientManager container = ClientManager.createClient();
        container.setDefaultMaxTextMessageBufferSize(100);
        container.setDefaultMaxBinaryMessageBufferSize(200);
        ReceiveBuffers.lower(container);
        assertEquals(100, container.getDefaultMaxTextMessageBufferSize());
        assertEquals(200, container.getDefaultMaxBinaryMessageBufferSize());
    }
}
