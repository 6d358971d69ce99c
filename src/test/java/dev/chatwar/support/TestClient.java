package dev.chatwar.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.glassfish.tyrus.client.ClientManager;

/**
 * A real WebSocket client (Tyrus) for the tests. Frames land in a queue and the test thread polls it with a timeout:
 * nothing is asserted in a callback and nothing sleeps.
 */
public final class TestClient implements AutoCloseable {
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ClientManager CONTAINER = ClientManager.createClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final Session session;

    private TestClient(URI uri, ClientEndpointConfig config) throws DeploymentException, IOException {
        this.session = CONTAINER.connectToServer(new Endpoint() {
            @Override
            public void onOpen(Session session, EndpointConfig config) {
                session.setMaxTextMessageBufferSize(4 * 1024 * 1024);
                session.addMessageHandler(String.class, (MessageHandler.Whole<String>) frame -> {
                    bytesReceived.addAndGet(frame.getBytes(StandardCharsets.UTF_8).length);
                    frames.addAll(List.of(frame.split("\n"))); // batch=1 packs events one per line
                });
            }

            @Override
            public void onClose(Session session, CloseReason reason) {
                closed.complete(reason);
            }
        }, config, uri);
    }

    /** Connects with Tyrus's default {@code Origin}, which is the server's own origin. */
    public static TestClient connect(URI uri) throws DeploymentException, IOException {
        return new TestClient(uri, ClientEndpointConfig.Builder.create().build());
    }

    /** Connects with the given {@code Origin} header, or none at all when {@code origin} is null. */
    public static TestClient connect(URI uri, String origin) throws DeploymentException, IOException {
        return connectWithHeaders(uri, origin == null ? Map.of() : Map.of("Origin", origin), true);
    }

    /**
     * Connects with extra handshake headers (e.g. {@code X-Forwarded-For}, {@code Authorization}).
     *
     * @param dropOrigin true to remove Tyrus's default {@code Origin} unless {@code headers} sets one
     */
    public static TestClient connectWithHeaders(URI uri, Map<String, String> headers, boolean dropOrigin)
            throws DeploymentException, IOException {
        ClientEndpointConfig config = ClientEndpointConfig.Builder.create()
                .configurator(new ClientEndpointConfig.Configurator() {
                    @Override
                    public void beforeRequest(Map<String, List<String>> request) {
                        if (dropOrigin) {
                            request.remove("Origin");
                        }
                        headers.forEach((name, value) -> request.put(name, List.of(value)));
                    }
                }).build();
        return new TestClient(uri, config);
    }

    /** Connects and reads the {@code welcome}, so the server has registered this member when it returns. */
    public static Joined join(URI uri) throws DeploymentException, IOException, InterruptedException {
        TestClient client = connect(uri);
        return new Joined(client, client.next("welcome"));
    }

    public record Joined(TestClient client, JsonNode welcome) {
        public String name() {
            return welcome.path("you").path("name").asText();
        }
    }

    public synchronized void send(String text) throws IOException {
        session.getBasicRemote().sendText(text);
    }

    public void sendMessage(String text) throws IOException {
        try {
            send(JSON.writeValueAsString(Map.of("type", "message", "text", text)));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public synchronized void sendBinary(byte[] data) throws IOException {
        session.getBasicRemote().sendBinary(ByteBuffer.wrap(data));
    }

    /** The next frame, which must arrive within {@link #TIMEOUT}. */
    public JsonNode next() throws InterruptedException {
        String frame = frames.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(frame, () -> "no frame within " + TIMEOUT + stateForFailure());
        try {
            return JSON.readTree(frame);
        } catch (JsonProcessingException e) {
            return fail("the server sent a frame that is not JSON: " + frame);
        }
    }

    /** The next frame, which must be of the given type. */
    public JsonNode next(String type) throws InterruptedException {
        JsonNode frame = next();
        assertEquals(type, frame.path("type").asText(), () -> "expected a " + type + " frame, got " + frame);
        return frame;
    }

    /** Skips frames until one matches; fails if none does within {@link #TIMEOUT}. */
    public JsonNode nextMatching(Predicate<JsonNode> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            String frame = frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertNotNull(frame, () -> "no matching frame within " + TIMEOUT + stateForFailure());
            try {
                JsonNode node = JSON.readTree(frame);
                if (wanted.test(node)) {
                    return node;
                }
            } catch (JsonProcessingException e) {
                fail("the server sent a frame that is not JSON: " + frame);
            }
        }
    }

    /** Whether this client is still connected, and what the server's threads are doing. */
    private String stateForFailure() {
        return "; client session " + (session.isOpen() ? "open" : "closed: " + closed.getNow(null))
                + ServerThreads.describe();
    }

    /** Every frame received so far without waiting. */
    public List<String> drain() {
        List<String> out = new ArrayList<>();
        frames.drainTo(out);
        return out;
    }

    /** How the server closed this connection; fails if it stays open past {@link #TIMEOUT}. */
    public CloseReason awaitClose() throws InterruptedException {
        try {
            return closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return fail("the server did not close the connection within " + TIMEOUT);
        }
    }

    /** UTF-8 bytes of every text frame received so far. */
    public long bytesReceived() {
        return bytesReceived.get();
    }

    public boolean isOpen() {
        return session.isOpen();
    }

    @Override
    public void close() throws IOException {
        if (session.isOpen()) {
            session.close();
        }
    }
}
