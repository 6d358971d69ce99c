package dev.chatwar.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.protocol.Frame;
import dev.chatwar.room.Telemetry;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SessionTransportTest {

    /**
     * The API's ping blocks until the peer takes it. Written on the writer thread it would hold up every connection
     * that thread serves; the transport writes it on the control-frame executor, and the queue's next frame follows
     * once the ping is out.
     */
    @Test
    void aPingThatWaitsForThePeerHoldsUpNeitherTheWriterNorTheFramesBehindIt() throws Exception {
        CountDownLatch peerTakesPing = new CountDownLatch(1);
        BlockingQueue<String> written = new LinkedBlockingQueue<>();
        java.util.Map<String, Object> properties = new java.util.concurrent.ConcurrentHashMap<>();
        BlockingQueue<Object> budgetDuringPing = new LinkedBlockingQueue<>();
        RemoteEndpoint.Async remote = proxy(RemoteEndpoint.Async.class, (method, args) -> {
            switch (method.getName()) {
                case "sendPing" -> {
                    budgetDuringPing.add(properties.get(SessionTransport.TOMCAT_BLOCKING_SEND_TIMEOUT));
                    peerTakesPing.await();
                    written.add("ping");
                }
                case "sendText" -> {
                    written.add((String) args[0]);
                    ((SendHandler) args[1]).onResult(new SendResult());
                }
                default -> {
                }
            }
            return null;
        });
        Session session = proxy(Session.class, (method, args) -> switch (method.getName()) {
            case "getAsyncRemote" -> remote;
            case "getUserProperties" -> properties;
            default -> null;
        });
        ScheduledExecutorService controlFrames = Executors.newSingleThreadScheduledExecutor();
        try {
            OutboundQueue queue = new OutboundQueue(10, 10_000, Telemetry.NONE,
                    q -> new SessionTransport(session, q, controlFrames, Telemetry.NONE, 5_000, false, null));

            assertTimeoutPreemptively(Duration.ofSeconds(10), queue::ping, "the writer came back while the ping waits");
            queue.send(new Frame("{\"type\":\"message\"}", 18));
            assertNull(written.poll(), "nothing overtakes the ping in flight");

            peerTakesPing.countDown();
            assertEquals("ping", written.poll(10, TimeUnit.SECONDS));
            assertEquals("{\"type\":\"message\"}", written.poll(10, TimeUnit.SECONDS));
            assertEquals(5_000L, budgetDuringPing.poll(10, TimeUnit.SECONDS), "a ping may wait its own budget");
            assertEquals(SessionTransport.CLOSE_REPLY_MILLIS, properties.get(SessionTransport.TOMCAT_BLOCKING_SEND_TIMEOUT),
                    "outside a ping, the container's reply to a close gets only the short budget");
        } finally {
            controlFrames.shutdownNow();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Answer answer) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (self, method, args) -> answer.apply(method, args));
    }

    private interface Answer {
        Object apply(java.lang.reflect.Method method, Object[] args) throws Exception;
    }

    @Test
    void utf8LengthIsExact() {
        for (String text : new String[] {"", "x", "é", "字", "😀", "a字😀é\u0000", "\uffff"}) {
            assertEquals(text.getBytes(StandardCharsets.UTF_8).length, Frame.utf8Length(text), text);
        }
    }

    @Test
    void closeReasonsAreCutToOneHundredTwentyThreeBytesOnACharacterBoundary() {
        String reason = "名".repeat(100);
        String clipped = SessionTransport.clip(reason);
        assertTrue(clipped.getBytes(StandardCharsets.UTF_8).length <= 123);
        assertEquals(41, clipped.length());
        assertEquals("short", SessionTransport.clip("short"));
    }
}
