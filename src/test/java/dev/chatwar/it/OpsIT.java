package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.Http;
import dev.chatwar.support.RawWebSocket;
import dev.chatwar.support.TestClient;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Health and metrics as an operator sees them. Each test works on its own deployment, so counters start at zero and
 * the expected values are exact.
 */
@ExtendWith(ArquillianExtension.class)
class OpsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "s3cret-token";

    @Deployment(name = "health", testable = false)
    static WebArchive forHealth() {
        return Deployments.chatWarWithSettings("chat-health.war");
    }

    @Deployment(name = "counters", testable = false)
    static WebArchive forCounters() {
        return Deployments.chatWarWithSettings("chat-counters.war");
    }

    @Deployment(name = "cardinality", testable = false)
    static WebArchive forCardinality() {
        return Deployments.chatWarWithSettings("chat-cardinality.war");
    }

    @Deployment(name = "token", testable = false)
    static WebArchive withToken() {
        return Deployments.chatWarWithSettings("chat-token.war", "CHAT_METRICS_TOKEN", TOKEN);
    }

    @Test
    void healthIsUpWithVersionUptimeConnectionsAndRooms(@ArquillianResource @OperateOnDeployment("health") URL base)
            throws Exception {
        JsonNode idle = health(base, 200);
        assertEquals("UP", idle.path("status").asText());
        assertTrue(idle.path("version").asText().matches("\\d+\\.\\d+\\.\\d+.*"), idle.toString());
        assertTrue(idle.path("uptimeSeconds").canConvertToLong());
        assertEquals(0, idle.path("connections").asInt());
        assertEquals(0, idle.path("rooms").asInt());

        try (TestClient a = TestClient.join(chatUri(base, "one", "a")).client();
             TestClient b = TestClient.join(chatUri(base, "one", "b")).client();
             TestClient c = TestClient.join(chatUri(base, "two", "c")).client()) {
            JsonNode busy = health(base, 200);
            assertEquals(3, busy.path("connections").asInt());
            assertEquals(2, busy.path("rooms").asInt());
        }
    }

    @Test
    void countersHaveExactValuesAfterAScriptedExchange(@ArquillianResource @OperateOnDeployment("counters") URL base)
            throws Exception {
        // Alice is in the room before Bob connects, so the frames each receives are fixed: 3 and 2.
        try (TestClient alice = TestClient.join(chatUri(base, "ops", "alice")).client();
             TestClient bob = connectAfter(alice, chatUri(base, "ops", "bob"))) {
            assertEquals("bob", alice.next("join").path("user").path("name").asText());
            bob.next("welcome");
            bob.next("join");
            for (int i = 0; i < 3; i++) {
                alice.sendMessage("m" + i + " 字");
                alice.next("message");
                bob.next("message");
            }
            bob.send("x".repeat(2001));
            bob.next("error");
            bob.send("{\"type\":\"nope\"}");
            bob.next("error");
            long bytesReceived;
            try (TestClient binary = TestClient.connect(chatUri(base, "elsewhere", "bin"))) {
                binary.next("welcome");
                binary.next("join");
                binary.sendBinary(new byte[] {1});
                assertEquals(1003, binary.awaitClose().getCloseCode().getCode());
                bytesReceived = alice.bytesReceived() + bob.bytesReceived() + binary.bytesReceived();
            }
            assertRefused(base);

            // 5 + 6 + 2 + 2 frames reached clients: welcomes, joins, messages, errors, the binary client's two.
            awaitMetric(base, "chat_deliveries_total", 15);
            awaitMetric(base, "chat_sent_bytes_total", bytesReceived);
            awaitMetric(base, "chat_messages_received_total", 3);
            awaitMetric(base, "chat_connections_opened_total", 3);
            awaitMetric(base, "chat_errors_total{code=\"too_long\"}", 1);
            awaitMetric(base, "chat_errors_total{code=\"bad_request\"}", 1);
            awaitMetric(base, "chat_errors_total{code=\"empty\"}", 0);
            awaitMetric(base, "chat_server_closes_total{code=\"1003\",name=\"binary_not_supported\"}", 1);
            awaitMetric(base, "chat_server_closes_total{code=\"4008\",name=\"slow_consumer\"}", 0);
            awaitMetric(base, "chat_handshakes_refused_total{reason=\"origin\"}", 1);
            awaitMetric(base, "chat_connections_open", 2);
            awaitMetric(base, "chat_rooms", 1);
            // The 15 frames went in 15 sends (these clients take no packed frames). On Tomcat the suite runs the
            // image's executor: each completed on the writer that sent it, with no hand-off to another thread.
            if ("tomcat".equals(System.getProperty("arquillian.launch"))) {
                awaitMetric(base, "chat_sends_completed_total{where=\"on_writer\"}", 15);
                awaitMetric(base, "chat_sends_completed_total{where=\"handed_off\"}", 0);
                // ... and went straight to the socket, past Tomcat's send path (CHAT_DIRECT_WRITE, plain TCP).
                awaitMetric(base, "chat_sends_direct_total", 15);
            } else { // the portable path: whichever thread the container completes on, every send is counted
                awaitMetric(base, "sends completed, on the writer or handed off",
                        scrape -> value(scrape, "chat_sends_completed_total{where=\"on_writer\"}")
                                + value(scrape, "chat_sends_completed_total{where=\"handed_off\"}"), 15);
                awaitMetric(base, "chat_sends_direct_total", 0); // only Tomcat's insides are known to allow it
            }
            String metrics = scrape(base);
            assertTrue(metrics.contains("chat_broadcast_duration_seconds_bucket"), "broadcast duration is a histogram");
            assertTrue(metrics.contains("chat_outbound_queue_depth_frames_bucket"), "queue depth is a distribution");
            assertTrue(metrics.contains("jvm_memory_used_bytes"), "JVM metrics are included");
        }
    }

    @Test
    void athousandRoomsAddNoLabelValues(@ArquillianResource @OperateOnDeployment("cardinality") URL base)
            throws Exception {
        try (TestClient warmUp = TestClient.join(chatUri(base, "warm-up", "w")).client()) {
            warmUp.sendMessage("hello");
            warmUp.next("join");
            warmUp.next("message");
        }
        Set<String> before = chatSeries(scrape(base));
        // A plain blocking client keeps a thousand short connections cheap and independent of each other.
        for (int i = 0; i < 1_000; i++) {
            try (RawWebSocket client = RawWebSocket.open(base, "room=room-" + i + "&name=user-" + i, true)) {
                assertEquals(101, client.status());
                client.read(); // welcome
                client.read(); // join
                client.sendText(i % 2 == 0 ? "hi" : " ");
                client.read(); // the message, or an empty error
                client.send(RawWebSocket.CLOSE, new byte[] {0x03, (byte) 0xE8});
                // The server has let go of it either way: Tomcat echoes the close, or cuts a reply that would have
                // waited for a send still completing (see README, "When many leave at once").
                int closed = client.awaitClose();
                assertTrue(closed == 1000 || closed == -1, "closed with " + closed);
            }
        }
        Set<String> after = chatSeries(scrape(base));
        assertEquals(before, after, "no series appeared for rooms or names");
        assertFalse(after.stream().anyMatch(series -> series.contains("room-")));
    }

    @Test
    void metricsNeedTheBearerTokenWhenOneIsSet(@ArquillianResource @OperateOnDeployment("token") URL base)
            throws Exception {
        URI metrics = URI.create(base + "metrics");
        assertEquals(401, Http.get(metrics).statusCode());
        assertEquals(401, Http.get(metrics, "Authorization", "Bearer wrong").statusCode());
        HttpResponse<String> ok = Http.get(metrics, "Authorization", "Bearer " + TOKEN);
        assertEquals(200, ok.statusCode());
        assertTrue(ok.body().contains("chat_connections_opened_total"));
        assertEquals(200, Http.get(URI.create(base + "health")).statusCode(), "health stays open");
    }

    /** Connects once {@code first}'s own join has arrived, i.e. once the server has registered it. */
    private static TestClient connectAfter(TestClient first, URI uri) throws Exception {
        JsonNode join = first.next("join");
        assertEquals("alice", join.path("user").path("name").asText());
        return TestClient.connect(uri);
    }

    private static JsonNode health(URL base, int status) throws Exception {
        HttpResponse<String> response = Http.get(URI.create(base + "health"));
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        return JSON.readTree(response.body());
    }

    private static String scrape(URL base) throws Exception {
        HttpResponse<String> response = Http.get(URI.create(base + "metrics"));
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        return response.body();
    }

    /** Polls until the series has the value (deliveries are counted when the write completes), then asserts it. */
    private static void awaitMetric(URL base, String series, double expected) throws Exception {
        awaitMetric(base, series, scrape -> value(scrape, series), expected);
    }

    /** Polls until what {@code reading} takes from a scrape has the value, then asserts it. */
    private static void awaitMetric(URL base, String what, ToDoubleFunction<String> reading, double expected)
            throws Exception {
        long deadline = System.nanoTime() + TestClient.TIMEOUT.toNanos();
        double value;
        do {
            value = reading.applyAsDouble(scrape(base));
        } while (value != expected && System.nanoTime() < deadline);
        assertEquals(expected, value, what);
    }

    private static double value(String scrape, String series) {
        Matcher match = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        return match.find() ? Double.parseDouble(match.group(1)) : Double.NaN;
    }

    private static Set<String> chatSeries(String scrape) {
        Set<String> series = new TreeSet<>();
        scrape.lines().filter(line -> line.startsWith("chat_"))
                .forEach(line -> series.add(line.substring(0, line.lastIndexOf(' '))));
        return series;
    }

    private static void assertRefused(URL base) {
        try {
            TestClient.connect(chatUri(base, "ops", "evil"), "http://evil.example").close();
        } catch (Exception refused) {
            return;
        }
        throw new AssertionError("a foreign origin was let in");
    }
}
