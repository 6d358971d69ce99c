package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.RawWebSocket;
import dev.chatwar.support.ServerLog;
import dev.chatwar.support.TestClient;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A battery of hostile input over a raw socket. Each case gets its documented answer, a bystander in the same room
 * still chats afterwards and sees nothing of it, and the server logs no stack trace for any of it.
 */
@ExtendWith(ArquillianExtension.class)
class HostileInputIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Deployment(testable = false)
    static WebArchive war() {
        return Deployments.chatWar();
    }

    @ArquillianResource
    URL base;

    private ServerLog log;
    private TestClient bystander;
    private String room;

    @BeforeEach
    void bystanderJoins(org.junit.jupiter.api.TestInfo test) throws Exception {
        log = ServerLog.fromNow();
        room = "hostile-" + test.getTestMethod().orElseThrow().getName().length() + "-" + System.nanoTime() % 100_000;
        bystander = TestClient.join(chatUri(base, room, "bystander")).client();
        bystander.next("join");
    }

    @AfterEach
    void roomCarriesOnAndNothingWasLoggedAsAFault() throws Exception {
        bystander.sendMessage("still here");
        for (JsonNode event = bystander.next(); ; event = bystander.next()) {
            String type = event.path("type").asText();
            if (type.equals("message")) {
                assertEquals("still here", event.path("text").asText(), "the bystander saw nothing of the attack");
                assertEquals("bystander", event.path("user").path("name").asText());
                break;
            }
            assertTrue(Set.of("join", "leave").contains(type), "only join and leave reach the bystander: " + event);
        }
        bystander.close();
        List<String> stackFrames = log.text().lines().filter(line -> line.startsWith("\tat ")
                || line.contains(" SEVERE ")).toList();
        assertEquals(List.of(), stackFrames, "no stack trace or SEVERE line in the server log");
    }

    /**
     * An attacker in the room, once its own join has reached it, so that no send to it is in flight when it attacks.
     * A close for a protocol error is sent only if the send in flight ends within Tomcat's 50 ms for an abnormal close
     * (bug 68884's fix); past that, the connection ends without a close frame (a client sees 1006). Under CI's load the
     * attacker's own join, sent right after its welcome, was once still in flight: Tomcat 11 logged the 1007 and the
     * client read no close frame. The close code is what these tests are about, not that race.
     */
    private RawWebSocket attacker() throws IOException, InterruptedException {
        RawWebSocket socket = RawWebSocket.open(base, "room=" + room + "&name=attacker", true);
        assertEquals(101, socket.status());
        assertEquals("welcome", JSON.readTree(socket.read().text()).path("type").asText());
        JsonNode join = JSON.readTree(socket.read().text());
        assertEquals(List.of("join", "attacker"), List.of(join.path("type").asText(),
                join.path("user").path("name").asText()), "its own join, next after its welcome");
        return socket;
    }

    @Test
    void invalidUtf8InATextFrameClosesWith1007() throws Exception {
        try (RawWebSocket attacker = attacker()) {
            attacker.send(RawWebSocket.TEXT, new byte[] {'h', 'i', (byte) 0xC3, (byte) 0x28, (byte) 0xFF});
            assertEquals(1007, attacker.awaitClose());
        }
    }

    @Test
    void aFrameOverTheLimitClosesWith1009() throws Exception {
        try (RawWebSocket attacker = attacker()) {
            attacker.send(RawWebSocket.TEXT, "x".repeat(70_000).getBytes(StandardCharsets.US_ASCII));
            assertEquals(1009, attacker.awaitClose());
        }
    }

    @Test
    void aBinaryFrameClosesWith1003() throws Exception {
        try (RawWebSocket attacker = attacker()) {
            attacker.send(RawWebSocket.BINARY, new byte[] {0, 1, 2, 3});
            assertEquals(1003, attacker.awaitClose());
        }
    }

    @Test
    void aThousandFramesOfRandomBytesEndTheConnection() throws Exception {
        Random random = new Random(42);
        try (RawWebSocket attacker = attacker()) {
            try {
                for (int i = 0; i < 1_000; i++) {
                    byte[] garbage = new byte[1 + random.nextInt(64)];
                    random.nextBytes(garbage);
                    attacker.sendRaw(garbage);
                }
            } catch (IOException closedOnUs) {
                // The server hung up mid-flood: that is the expected outcome.
            }
            int code = attacker.awaitClose();
            assertTrue(code == 1002 || code == 1007 || code == 1009 || code == -1, "closed as a protocol error: " + code);
        }
    }

    @Test
    void deeplyNestedJsonIsABadRequestAndTheConnectionStays() throws Exception {
        try (RawWebSocket attacker = attacker()) {
            attacker.sendText("{\"type\":\"message\",\"text\":\"x\",\"n\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}");
            JsonNode error = JSON.readTree(attacker.read().text());
            assertEquals("bad_request", error.path("code").asText(), error.toString());
            attacker.sendText("after the attack");
            assertEquals("after the attack", JSON.readTree(attacker.read().text()).path("text").asText());
            bystander.nextMatching(f -> f.path("text").asText().equals("after the attack"));
        }
    }

    @Test
    void jsonWithAHundredThousandKeysIsOverTheFrameLimit() throws Exception {
        StringBuilder json = new StringBuilder("{\"type\":\"message\",\"text\":\"x\"");
        for (int i = 0; i < 100_000; i++) {
            json.append(",\"k").append(i).append("\":0");
        }
        try (RawWebSocket attacker = attacker()) {
            attacker.sendText(json.append('}').toString());
            assertEquals(1009, attacker.awaitClose());
        }
    }

    @Test
    void aNameWithBidiControlsIsRefusedWith1008() throws Exception {
        try (RawWebSocket attacker = RawWebSocket.open(base, "room=" + room + "&name=admin%E2%80%AEnimda", true)) {
            assertEquals(101, attacker.status());
            assertEquals(1008, attacker.awaitClose());
        }
    }

    @Test
    void aHandshakeWithoutAKeyIsRefusedWithoutAnUpgrade() throws Exception {
        try (RawWebSocket attacker = RawWebSocket.open(base, "room=" + room + "&name=attacker", false)) {
            int status = attacker.status();
            assertTrue(status >= 400 && status < 500, "a 4xx answer, got " + status);
        }
    }
}
