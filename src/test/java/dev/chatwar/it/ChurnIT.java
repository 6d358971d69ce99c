package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.support.Crowd;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.Http;
import dev.chatwar.support.RawWebSocket;
import dev.chatwar.support.TestClient;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Many members leaving at once, the two ways a crowd leaves: sockets that vanish without a close frame (reset), and
 * a wave of polite closes. Either way nobody may stay behind (in {@code /health}, in a room's member list, in the
 * per-address limits), and the node must go on welcoming newcomers at once.
 */
@ExtendWith(ArquillianExtension.class)
class ChurnIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROOMS = 50;
    private static final int PER_ADDRESS = 10;
    /** Ping 1 s, idle 3 s: two idle timeouts bound how long anything may linger. */
    private static final Duration SETTLE = Duration.ofSeconds(6);

    @Deployment(name = "churn", testable = false)
    static WebArchive fastHeartbeat() {
        return Deployments.chatWarWithSettings("chat-churn.war", "CHAT_PING_SECONDS", "1",
                "CHAT_IDLE_TIMEOUT_SECONDS", "3");
    }

    /**
     * The wave's members never answer a ping (they read nothing until the wave is over), and joining 2,000 takes
     * longer than 3 s on WildFly: with the churn deployment's idle timeout the server itself closed the early ones
     * (4001) before they said goodbye, and a wave of polite closes was no longer what was tested. Polite closes need
     * no heartbeat, so the default one serves.
     */
    @Deployment(name = "wave", testable = false)
    static WebArchive defaultHeartbeat() {
        return Deployments.chatWarWithSettings("chat-wave.war");
    }

    @Test
    void membersWhoseSocketsAreResetAllLeaveAndFreeTheirPlaces(
            @ArquillianResource @OperateOnDeployment("churn") URL base) throws Exception {
        int block = 31;
        for (int round = 0; round < 2; round++) {
            try (Crowd crowd = Crowd.join(base, 1_000, ROOMS, "reset", block, PER_ADDRESS)) {
                crowd.sayOneThingEach();
                crowd.vanish();
            }
        }
        assertNobodyLeft(base);
        for (int room = 0; room < ROOMS; room++) {
            TestClient.Joined newcomer = TestClient.join(chatUri(base, "reset-" + room, "newcomer"));
            try (TestClient client = newcomer.client()) {
                assertEquals(1, newcomer.welcome().path("count").asInt(), "alone in reset-" + room + ": "
                        + newcomer.welcome().path("members"));
            }
        }
        // The churned addresses hold no slots: the full per-address allowance (20) is welcomed again.
        List<RawWebSocket> again = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                RawWebSocket member = RawWebSocket.open(base, "room=reset-0&name=again" + i, true, 0,
                        Crowd.address(block, 0));
                again.add(member);
                assertEquals(101, member.status(), "connection " + (i + 1) + " from a churned address");
                Crowd.welcome(member);
            }
        } finally {
            for (RawWebSocket member : again) {
                member.close();
            }
        }
    }

    @Test
    void aWaveOfPoliteClosesLeavesNobodyAndTheNodeWelcomesANewcomerAtOnce(
            @ArquillianResource @OperateOnDeployment("wave") URL base) throws Exception {
        try (Crowd crowd = Crowd.join(base, 2_000, ROOMS, "wave", 32, PER_ADDRESS)) {
            crowd.sayGoodbye();
            long start = System.nanoTime();
            try (TestClient newcomer = TestClient.join(chatUri(base, "elsewhere", "newcomer")).client()) {
                Duration waited = Duration.ofNanos(System.nanoTime() - start);
                assertTrue(waited.compareTo(Duration.ofSeconds(1)) < 0,
                        "a newcomer right after the wave waited " + waited.toMillis() + " ms for its welcome");
            }
            // Each one's connection ends; Tomcat echoes a close only when no send to it is in flight (see README).
            Crowd.Goodbyes goodbyes = crowd.awaitServerCloses();
            assertEquals(0, goodbyes.hung(), "connections the server left open: " + goodbyes);
        }
        assertNobodyLeft(base);
    }

    /** Polls {@code /health} until it reports no connection and no room, for at most {@link #SETTLE}. */
    private static void assertNobodyLeft(URL base) throws Exception {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        JsonNode health;
        do {
            health = JSON.readTree(Http.get(URI.create(base + "health")).body());
            if (health.path("connections").asInt() == 0 && health.path("rooms").asInt() == 0) {
                return;
            }
            Thread.sleep(100); // polling an HTTP endpoint; no message to wait for
        } while (System.nanoTime() < deadline);
        throw new AssertionError(SETTLE.toSeconds() + " s after the last member left, /health still says " + health);
    }
}
