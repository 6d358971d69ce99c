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
import dev.chatwar.support.Http;
import java.net.URI;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The broadcast core under concurrent senders: nothing lost, each sender's order kept, no server fault. */
@ExtendWith(ArquillianExtension.class)
class ConcurrencyIT {
    static final int CLIENTS = 20;
    static final int MESSAGES_EACH = 200;

    /**
     * Rate and connection limits far above what 20 clients sending at once from one address need, and queues that hold
     * what a reader that pauses lets pile up (64 MiB).
     */
    @Deployment(testable = false)
    static WebArchive war() {
        return Deployments.chatWarWithSettings("chat.war", "CHAT_RATE_PER_SECOND", "100000", "CHAT_RATE_BURST", "100000",
                "CHAT_MAX_CONNECTIONS_PER_ADDRESS", "1000", "CHAT_QUEUE_MAX_BYTES", "67108864",
                "CHAT_QUEUE_MAX_FRAMES", "100000");
    }

    @ArquillianResource
    URL base;

    @Test
    void twentyClientsSendingAtOnceEachReceiveAllMessagesInEachSendersOrder() throws Exception {
        ServerLog log = ServerLog.fromNow();
        List<TestClient> clients = new ArrayList<>();
        ExecutorService senders = Executors.newFixedThreadPool(CLIENTS);
        try {
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(TestClient.join(chatUri(base, "crowd", "c" + i)).client());
            }
            // Everyone has seen the last join, so everyone is registered before the first message.
            for (TestClient client : clients) {
                client.nextMatching(f -> f.path("type").asText().equals("join")
                        && f.path("user").path("name").asText().equals("c" + (CLIENTS - 1)));
            }

            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                TestClient sender = clients.get(i);
                String name = "c" + i;
                sent.add(senders.submit(() -> {
                    for (int n = 0; n < MESSAGES_EACH; n++) {
                        sender.sendMessage(name + ":" + n);
                    }
                    return null;
                }));
            }
            for (Future<?> future : sent) {
                future.get(60, TimeUnit.SECONDS);
            }

            for (TestClient receiver : clients) {
                Map<String, Integer> nextFromSender = new HashMap<>();
                for (int received = 0; received < CLIENTS * MESSAGES_EACH; received++) {
                    JsonNode message = receiver.next("message");
                    String sender = message.path("user").path("name").asText();
                    String expected = sender + ":" + nextFromSender.getOrDefault(sender, 0);
                    assertEquals(expected, message.path("text").asText(), "each sender's messages arrive in order");
                    nextFromSender.merge(sender, 1, Integer::sum);
                }
                assertEquals(CLIENTS, nextFromSender.size());
                assertTrue(nextFromSender.values().stream().allMatch(count -> count == MESSAGES_EACH));
            }
            assertEquals(List.of(), log.exceptions(), "the server logged no exception");
        } finally {
            senders.shutdownNow();
            for (TestClient client : clients) {
                client.close();
            }
        }
    }

    /**
     * {@code batch=1}: a reader that fell behind gets what piled up packed into few frames, one event per line, every
     * event whole and in order. (The raw socket's small receive buffer makes the pile-up certain.) On Tomcat, where
     * the chat writes its frames whole itself, a packed text frame grows past Tomcat's buffer (512 bytes in the suite,
     * as in the image) and past 1 KiB, unsplit: {@code read} takes single frames, so a fragment would fail the opcode
     * check.
     */
    @Test
    void aBatchingReaderThatFellBehindGetsEveryEventInOrderInFewerFrames() throws Exception {
        int messages = 400;
        String padding = "y".repeat(200);
        try (TestClient sender = TestClient.join(chatUri(base, "packed", "sender")).client();
             RawWebSocket packer = RawWebSocket.open(base, "room=packed&name=packer&batch=1", true, 2_048)) {
            assertEquals(101, packer.status());
            sender.nextMatching(f -> f.path("type").asText().equals("join")
                    && f.path("user").path("name").asText().equals("packer"));
            for (int i = 0; i < messages; i++) {
                sender.sendMessage(i + " " + padding);
            }
            String last = (messages - 1) + " ";
            sender.nextMatching(f -> f.path("text").asText().startsWith(last)); // all broadcast; packer read nothing

            int received = 0;
            int frames = 0;
            int largest = 0;
            while (received < messages) {
                RawWebSocket.Frame frame = packer.read();
                assertEquals(RawWebSocket.TEXT, frame.opcode());
                frames++;
                largest = Math.max(largest, frame.payload().length);
                for (String line : frame.text().split("\n")) {
                    JsonNode event = JSON.readTree(line);
                    if (event.path("type").asText().equals("message")) {
                        assertEquals(received + " " + padding, event.path("text").asText(), "whole, in order");
                        received++;
                    }
                }
            }
            assertTrue(frames < messages, "what piled up came packed: " + frames + " frames for " + messages);
            if ("tomcat".equals(System.getProperty("arquillian.launch"))) {
                assertTrue(largest > 1_024, "a packed text frame past Tomcat's buffer, whole: largest " + largest);
            }
        }
    }

    /**
     * A reader that stops reading until the server's socket is full, then reads again, gets every event whole and in
     * order: what the socket did not take at once is written when the peer reads. On Tomcat that rest goes through
     * the direct write's hand-over to Tomcat's poller, whose completion comes on another thread (counted as handed
     * off), so the test also shows that this path ran. 3,000 messages of 2,000 characters (about 6 MB) are more than
     * Linux lets a socket's send buffer grow to (4 MiB by default, {@code tcp_wmem}), and less than the queue holds.
     */
    @Test
    void aReaderThatPausedUntilTheSocketWasFullGetsEveryEventWholeAndInOrder() throws Exception {
        int messages = 3_000;
        String padding = "z".repeat(1_990);
        String handedOff = "chat_sends_completed_total{where=\"handed_off\"}";
        double handedOffBefore = metric(handedOff);
        try (TestClient sender = TestClient.join(chatUri(base, "paused", "sender")).client();
             RawWebSocket paused = RawWebSocket.open(base, "room=paused&name=paused", true, 2_048)) {
            assertEquals(101, paused.status());
            sender.nextMatching(f -> f.path("type").asText().equals("join")
                    && f.path("user").path("name").asText().equals("paused"));
            for (int i = 0; i < messages; i++) {
                sender.sendMessage(String.format("%04d %s", i, padding));
            }
            String last = String.format("%04d ", messages - 1);
            sender.nextMatching(f -> f.path("text").asText().startsWith(last)); // all broadcast; paused read nothing

            int received = 0;
            while (received < messages) {
                RawWebSocket.Frame frame = paused.read();
                assertEquals(RawWebSocket.TEXT, frame.opcode(), "a whole text frame, never a close");
                JsonNode event = JSON.readTree(frame.text());
                if (event.path("type").asText().equals("message")) {
                    assertEquals(String.format("%04d %s", received, padding), event.path("text").asText(),
                            "whole, in order");
                    received++;
                }
            }
        }
        if ("tomcat".equals(System.getProperty("arquillian.launch"))) {
            assertTrue(metric(handedOff) > handedOffBefore, "the socket filled, and a send completed when it drained");
        }
    }

    /** One series of the chat's metrics, as scraped now. */
    private double metric(String series) throws Exception {
        String scrape = Http.get(URI.create(base + "metrics")).body();
        Matcher match = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        assertTrue(match.find(), () -> series + " in " + scrape);
        return Double.parseDouble(match.group(1));
    }

    private static final ObjectMapper JSON = new ObjectMapper();
}
