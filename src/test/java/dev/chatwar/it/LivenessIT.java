package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.Http;
import dev.chatwar.support.RawWebSocket;
import dev.chatwar.support.TestClient;
import java.net.URI;
import java.net.URL;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Connections that stop answering or stop reading are closed by policy, and the room carries on without them. */
@ExtendWith(ArquillianExtension.class)
class LivenessIT {

    @Deployment(name = "heartbeat", testable = false)
    static WebArchive fastHeartbeat() {
        return Deployments.chatWarWithSettings("chat-heartbeat.war", "CHAT_PING_SECONDS", "1",
                "CHAT_IDLE_TIMEOUT_SECONDS", "3");
    }

    /** A small queue bound and no rate limit, so a reader that stops reading overflows quickly. */
    @Deployment(name = "slow", testable = false)
    static WebArchive smallQueues() {
        return Deployments.chatWarWithSettings("chat-slow.war", "CHAT_QUEUE_MAX_BYTES", "262144",
                "CHAT_RATE_PER_SECOND", "100000", "CHAT_RATE_BURST", "100000");
    }

    @Test
    void aClientThatIgnoresPingsIsClosedAsIdleWhileOneThatAnswersStays(
            @ArquillianResource @OperateOnDeployment("heartbeat") URL base) throws Exception {
        try (TestClient answering = TestClient.join(chatUri(base, "pings", "answers")).client();
             RawWebSocket silent = RawWebSocket.open(base, "room=pings&name=silent", true)) {
            assertEquals(101, silent.status());
            int pings = 0;
            int code;
            while (true) {
                RawWebSocket.Frame frame = silent.read();
                if (frame.opcode() == 0x9) {
                    pings++; // and no pong, ever
                } else if (frame.opcode() == RawWebSocket.CLOSE || frame.opcode() == -1) {
                    code = frame.closeCode();
                    break;
                }
            }
            assertEquals(4001, code, "closed as idle");
            assertTrue(pings >= 2, "it was pinged before being given up: " + pings);
            assertEquals("silent", answering.nextMatching(f -> f.path("type").asText().equals("leave"))
                    .path("user").path("name").asText());
            answering.sendMessage("still here after " + pings + " pings");
            assertTrue(answering.nextMatching(f -> f.path("type").asText().equals("message")).path("text").asText()
                    .startsWith("still here"), "the client that answers pings is still connected");
        }
    }

    /** A one-second send timeout and a queue so big that only the timeout can catch a reader that stopped. */
    @Deployment(name = "sendTimeout", testable = false)
    static WebArchive shortSendTimeout() {
        return Deployments.chatWarWithSettings("chat-send-timeout.war", "CHAT_SEND_TIMEOUT_SECONDS", "1",
                "CHAT_QUEUE_MAX_BYTES", "67108864", "CHAT_RATE_PER_SECOND", "100000", "CHAT_RATE_BURST", "100000");
    }

    @Test
    void aReaderWhoseSendStallsPastTheSendTimeoutIsClosedThoughItsQueueHasRoom(
            @ArquillianResource @OperateOnDeployment("sendTimeout") URL base) throws Exception {
        String padding = "z".repeat(1_900);
        int messages = 3_000; // about 6 MB: more than the socket buffers hold, far less than the 64 MiB queue
        try (TestClient sender = TestClient.join(chatUri(base, "timeout", "sender")).client();
             RawWebSocket stalled = RawWebSocket.open(base, "room=timeout&name=stalled", true, 4_096)) {
            assertEquals(101, stalled.status());
            sender.nextMatching(f -> f.path("type").asText().equals("join")
                    && f.path("user").path("name").asText().equals("stalled"));
            boolean stalledLeft = false;
            for (int i = 0; i < messages && !stalledLeft; i++) {
                sender.sendMessage(i + " " + padding);
                // The sender reads its own message back, so it keeps up and only the stalled reader falls behind.
                JsonNode event = sender.nextMatching(f -> f.path("type").asText().matches("message|leave"));
                stalledLeft = event.path("type").asText().equals("leave")
                        && event.path("user").path("name").asText().equals("stalled");
            }
            if (!stalledLeft) {
                sender.nextMatching(f -> f.path("type").asText().equals("leave")
                        && f.path("user").path("name").asText().equals("stalled"));
            }
            String metrics = Http.get(URI.create(base + "metrics")).body();
            assertTrue(metrics.contains("chat_slow_consumer_disconnects_total 1.0"), "closed as a slow consumer");
        }
    }

    @Test
    void aReaderThatStopsReadingIsClosedAndTheOthersGetEverything(
            @ArquillianResource @OperateOnDeployment("slow") URL base) throws Exception {
        int messages = 3_000;
        int batchSize = 50;
        String padding = "x".repeat(1_900);
        try (TestClient sender = TestClient.join(chatUri(base, "stall", "sender")).client();
             TestClient reader = TestClient.join(chatUri(base, "stall", "reader")).client();
             RawWebSocket stalled = RawWebSocket.open(base, "room=stall&name=stalled", true, 4_096)) {
            assertEquals(101, stalled.status());
            reader.nextMatching(f -> f.path("type").asText().equals("join")
                    && f.path("user").path("name").asText().equals("stalled"));
            // Paced in batches the live clients keep up with, so only the stalled reader falls behind.
            boolean stalledLeft = false;
            int received = 0;
            for (int batch = 0; batch < messages / batchSize; batch++) {
                for (int i = batch * batchSize; i < (batch + 1) * batchSize; i++) {
                    sender.sendMessage(i + " " + padding);
                }
                while (received < (batch + 1) * batchSize) {
                    JsonNode event = reader.next();
                    if (event.path("type").asText().equals("message")) {
                        assertTrue(event.path("text").asText().startsWith(received + " "), "in order, none missing");
                        received++;
                    } else if (event.path("type").asText().equals("leave")) {
                        stalledLeft |= event.path("user").path("name").asText().equals("stalled");
                    }
                }
                String last = ((batch + 1) * batchSize - 1) + " ";
                sender.nextMatching(f -> f.path("text").asText().startsWith(last));
            }
            if (!stalledLeft) {
                reader.nextMatching(f -> f.path("type").asText().equals("leave")
                        && f.path("user").path("name").asText().equals("stalled"));
            }
            String metrics = Http.get(URI.create(base + "metrics")).body();
            assertTrue(metrics.contains("chat_slow_consumer_disconnects_total 1.0"), "one slow-consumer close counted");
        }
    }
}
