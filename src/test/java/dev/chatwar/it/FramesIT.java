package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.RawWebSocket;
import dev.chatwar.support.TestClient;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What leaves the server, frame by frame, as a client on the wire sees it: rounds packed for {@code batch=1}, binary
 * frames for {@code binary=1}, and no compression unless the chat is told to.
 */
@ExtendWith(ArquillianExtension.class)
class FramesIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The burst test sends 300 messages at once, above the default rate limit. */
    @Deployment(testable = false)
    static WebArchive war() {
        return Deployments.chatWarWithSettings("chat.war", "CHAT_RATE_PER_SECOND", "100000", "CHAT_RATE_BURST", "100000");
    }

    @ArquillianResource
    URL base;

    /** Reads frames until a message with this text arrived; returns every event of every frame read, in order. */
    private static List<JsonNode> readUntil(RawWebSocket socket, int opcode, String text, List<Integer> lines)
            throws Exception {
        List<JsonNode> events = new ArrayList<>();
        while (true) {
            RawWebSocket.Frame frame = socket.read();
            assertEquals(opcode, frame.opcode(), "a whole frame of the expected kind, never a fragment");
            String[] parts = new String(frame.payload(), StandardCharsets.UTF_8).split("\n");
            lines.add(parts.length);
            for (String line : parts) {
                JsonNode event = JSON.readTree(line);
                events.add(event);
                if (event.path("type").asText().equals("message") && event.path("text").asText().equals(text)) {
                    return events;
                }
            }
        }
    }

    private static void awaitJoinOf(TestClient client, String name) throws Exception {
        client.nextMatching(f -> f.path("type").asText().equals("join")
                && f.path("user").path("name").asText().equals(name));
    }

    /**
     * Joins and waits for its own join. The welcome leaves before the member's join is ordered, so a client that
     * connects right after could have its join ordered first (seen on Tomcat 11 in CI: the sender's own join came
     * after the reader's, where the test expected its message).
     */
    private TestClient entered(String room, String name) throws Exception {
        TestClient client = TestClient.join(chatUri(base, room, name)).client();
        awaitJoinOf(client, name);
        return client;
    }

    @Test
    void aLoneMessageInAQuietRoomArrivesAloneInOneFrame() throws Exception {
        try (TestClient sender = entered("lone", "sender");
             RawWebSocket reader = RawWebSocket.open(base, "room=lone&name=reader&batch=1", true)) {
            awaitJoinOf(sender, "reader");
            readUntilJoin(reader, "reader");
            sender.sendMessage("alone");
            RawWebSocket.Frame frame = reader.read();
            assertEquals(RawWebSocket.TEXT, frame.opcode());
            assertFalse(frame.text().contains("\n"), "one event, not a packed round: " + frame.text());
            assertEquals("alone", JSON.readTree(frame.text()).path("text").asText(), "whole: " + frame.text());
        }
    }

    private static void readUntilJoin(RawWebSocket socket, String name) throws Exception {
        while (true) {
            for (String line : socket.readMessage().text().split("\n")) {
                JsonNode event = JSON.readTree(line);
                if (event.path("type").asText().equals("join") && event.path("user").path("name").asText().equals(name)) {
                    return;
                }
            }
        }
    }

    /**
     * A burst reaches several packing readers whole and in order; what a round packs stays within the container's
     * send buffer, so no frame is split into fragments.
     */
    @Test
    void aBurstReachesEveryPackingReaderWholeInOrderAndUnfragmented() throws Exception {
        int messages = 300;
        String padding = "z".repeat(100);
        List<RawWebSocket> readers = new ArrayList<>();
        try (TestClient sender = entered("burst", "sender")) {
            for (int i = 0; i < 5; i++) {
                RawWebSocket reader = RawWebSocket.open(base, "room=burst&name=r" + i + "&batch=1", true);
                readers.add(reader);
                awaitJoinOf(sender, "r" + i);
                readUntilJoin(reader, "r" + i);
            }
            for (int i = 0; i < messages; i++) {
                sender.sendMessage(i + " " + padding);
            }
            int frames = 0;
            for (RawWebSocket reader : readers) {
                List<Integer> lines = new ArrayList<>();
                List<JsonNode> events = readUntil(reader, RawWebSocket.TEXT, (messages - 1) + " " + padding, lines);
                List<String> texts = events.stream().filter(e -> e.path("type").asText().equals("message"))
                        .map(e -> e.path("text").asText()).toList();
                for (int i = 0; i < messages; i++) {
                    assertEquals(i + " " + padding, texts.get(i), "whole, in order, once");
                }
                assertEquals(messages, texts.size());
                frames += lines.size();
            }
            System.out.printf("FramesIT: %d messages reached 5 packing readers in %d frames%n", messages, frames);
        } finally {
            for (RawWebSocket reader : readers) {
                reader.close();
            }
        }
    }

    /** {@code binary=1}: binary frames carrying the same UTF-8 JSON, non-ASCII text intact. */
    @Test
    void aBinaryReaderGetsTheSameEventsAsUtf8InBinaryFrames() throws Exception {
        String text = "grüße ✓ 😀 日本";
        try (TestClient sender = entered("binary", "sender");
             RawWebSocket reader = RawWebSocket.open(base, "room=binary&name=reader&batch=1&binary=1", true)) {
            awaitJoinOf(sender, "reader");
            RawWebSocket.Frame welcome = reader.read();
            assertEquals(RawWebSocket.BINARY, welcome.opcode());
            assertEquals("welcome", JSON.readTree(welcome.payload()).path("type").asText());
            sender.sendMessage(text);
            List<JsonNode> events = readUntil(reader, RawWebSocket.BINARY, text, new ArrayList<>());
            JsonNode message = events.get(events.size() - 1);
            assertEquals("sender", message.path("user").path("name").asText());
            assertEquals(text, sender.next("message").path("text").asText(), "the text client got the same");
        }
    }

    /**
     * Every browser offers permessage-deflate; by default the chat negotiates no extension (each member's copy would
     * be compressed separately), so the response names none and frames arrive as plain JSON.
     */
    @Test
    void permessageDeflateOfferedAsBrowsersDoIsDeclinedByDefault() throws Exception {
        try (RawWebSocket browserLike = RawWebSocket.openWithHeaders(base, "room=deflate&name=browser",
                Map.of("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"))) {
            assertEquals(101, browserLike.status());
            assertNull(browserLike.header("Sec-WebSocket-Extensions"), "no extension negotiated");
            RawWebSocket.Frame welcome = browserLike.read();
            assertEquals(RawWebSocket.TEXT, welcome.opcode());
            assertTrue(JSON.readTree(welcome.text()).path("type").asText().equals("welcome"), welcome.text());
        }
    }
}
