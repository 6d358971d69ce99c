package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.support.Browser;
import dev.chatwar.support.Crowd;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.Http;
import dev.chatwar.support.RawWebSocket;
import dev.chatwar.support.RedisServer;
import dev.chatwar.support.TestClient;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Two nodes of one chat through a real {@code redis-server}: the same WAR deployed twice into the container, under
 * two context paths, each with the same {@code CHAT_REDIS_URL}. Two web applications share nothing in the JVM (each
 * has its own class loader, its own chat and its own Redis connections), so they meet only through Redis, as two
 * machines would. Runs on every container of the suite: the WAR carries Lettuce and Netty, and each must deploy it.
 * (Separate Tomcat processes, and restarting them, are {@code ClusterIT}'s.)
 */
@ExtendWith(ArquillianExtension.class)
class RedisIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PROMPT = Duration.ofSeconds(10);
    private static RedisServer redis;

    /** Redis must be running before the deployments name it: started by the first deployment method. */
    private static synchronized String redisUri() {
        try {
            if (redis == null) {
                redis = RedisServer.start();
            }
            return redis.uri();
        } catch (Exception e) {
            throw new IllegalStateException("redis-server did not start (scripts/test.sh installs it)", e);
        }
    }

    @Deployment(name = "east", testable = false)
    static WebArchive east() {
        return Deployments.chatWarWithSettings("chat-east.war", "CHAT_REDIS_URL", redisUri(),
                "CHAT_HISTORY_SIZE", "5");
    }

    @Deployment(name = "west", testable = false)
    static WebArchive west() {
        return Deployments.chatWarWithSettings("chat-west.war", "CHAT_REDIS_URL", redisUri(),
                "CHAT_HISTORY_SIZE", "5");
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    /** Enters once both nodes report Redis up (a node connects to it in the background after its start). */
    private static TestClient entered(URL node, String room, String name) throws Exception {
        awaitHealth(node, "UP");
        TestClient client = TestClient.join(chatUri(node, room, name)).client();
        client.nextMatching(f -> f.path("type").asText().equals("join")
                && f.path("user").path("name").asText().equals(name));
        return client;
    }

    /** The next message, past any presence events. */
    private static JsonNode nextMessage(TestClient client) throws InterruptedException {
        return client.nextMatching(f -> f.path("type").asText().equals("message"));
    }

    @Test
    void membersOnTwoNodesSeeEachOthersMessagesInOneOrderWithTheSameIds(
            @ArquillianResource @OperateOnDeployment("east") URL east,
            @ArquillianResource @OperateOnDeployment("west") URL west) throws Exception {
        awaitHealth(west, "UP");
        try (TestClient alice = entered(east, "across", "alice"); TestClient bob = entered(west, "across", "bob")) {
            JsonNode bobJoined = alice.next("join");
            assertEquals("bob", bobJoined.path("user").path("name").asText(), "a join from the other node");
            for (int i = 0; i < 20; i++) {
                alice.sendMessage("a" + i);
                bob.sendMessage("b" + i);
            }
            List<String> atAlice = new ArrayList<>();
            List<String> atBob = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                JsonNode a = nextMessage(alice);
                JsonNode b = nextMessage(bob);
                atAlice.add(a.path("id").asText() + " " + a.path("user").path("name").asText() + " "
                        + a.path("text").asText());
                atBob.add(b.path("id").asText() + " " + b.path("user").path("name").asText() + " "
                        + b.path("text").asText());
            }
            assertEquals(atAlice, atBob, "the same events, ids and order on both nodes");
        }
    }

    @Test
    void sinceWorksAfterReconnectingToTheOtherNodeAndAResendThereIsDeliveredOnce(
            @ArquillianResource @OperateOnDeployment("east") URL east,
            @ArquillianResource @OperateOnDeployment("west") URL west) throws Exception {
        try (TestClient bob = entered(west, "failover", "bob")) {
            String seen;
            try (TestClient alice = entered(east, "failover", "alice")) {
                alice.send("{\"type\":\"message\",\"text\":\"seen\",\"cid\":\"c-1\"}");
                seen = nextMessage(alice).path("id").asText();
            }
            assertEquals(seen, nextMessage(bob).path("id").asText());
            bob.sendMessage("missed");
            nextMessage(bob);
            URI back = URI.create(chatUri(west, "failover", "alice") + "&since=" + seen);
            try (TestClient alice = TestClient.connect(back)) {
                JsonNode welcome = alice.next("welcome");
                assertEquals(false, welcome.path("gap").asBoolean(true), welcome.toString());
                assertEquals(1, welcome.path("history").size(), welcome.toString());
                assertEquals("missed", welcome.path("history").get(0).path("text").asText());
                alice.send("{\"type\":\"message\",\"text\":\"seen\",\"cid\":\"c-1\"}"); // the outbox's resend
                assertEquals(seen, nextMessage(alice).path("id").asText(), "she gets the original back");
                bob.sendMessage("sentinel");
                JsonNode next = nextMessage(bob);
                assertEquals("sentinel", next.path("text").asText(), "bob did not get the resend again");
            }
        }
    }

    @Test
    void nodesSubscribeToARoomWhileTheyHaveMembersThereAndNoLonger(
            @ArquillianResource @OperateOnDeployment("east") URL east,
            @ArquillianResource @OperateOnDeployment("west") URL west) throws Exception {
        awaitHealth(east, "UP");
        awaitHealth(west, "UP");
        int rooms = 1_000;
        List<RawWebSocket> members = new ArrayList<>();
        try {
            for (int i = 0; i < rooms; i++) { // 10 from each address: the per-address limit stays out of the way
                RawWebSocket member = RawWebSocket.open(i % 2 == 0 ? east : west, "room=sub-" + i + "&name=m", true,
                        0, Crowd.address(33, i / 10));
                members.add(member);
                assertEquals(101, member.status());
                member.readMessage(); // the welcome: it follows the subscription
            }
            assertEquals(rooms, subscribedRooms("sub-"), "one subscription per room, by the node it has members on");
        } finally {
            for (RawWebSocket member : members) {
                member.close();
            }
        }
        long deadline = System.nanoTime() + PROMPT.toNanos();
        int left = subscribedRooms("sub-");
        while (left > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50); // polling Redis's own count; no message to wait for
            left = subscribedRooms("sub-");
        }
        assertEquals(0, left, "no node stays subscribed to a room it has no members in");
    }

    /** How many channels of rooms named {@code prefix…} Redis has subscribers for. */
    private static int subscribedRooms(String prefix) throws Exception {
        return Integer.parseInt(redis.command("EVAL",
                "return #redis.call('PUBSUB', 'CHANNELS', ARGV[1])", "0", "chat:{" + prefix + "*").substring(1));
    }

    @Test
    void whenRedisGoesAwayTheNodesSayDegradedRefuseMessagesAndJoinsAndRecoverWithoutARestart(
            @ArquillianResource @OperateOnDeployment("east") URL east,
            @ArquillianResource @OperateOnDeployment("west") URL west) throws Exception {
        assertEquals("UP", awaitHealth(east, "UP").path("redis").asText());
        try (TestClient alice = entered(east, "outage", "alice"); TestClient bob = entered(west, "outage", "bob")) {
            alice.next("join");
            redis.kill();
            JsonNode degraded = awaitHealth(east, "DEGRADED");
            assertEquals("DOWN", degraded.path("redis").asText());

            alice.send("{\"type\":\"message\",\"text\":\"pending\",\"cid\":\"p-1\"}");
            JsonNode refused = alice.next("error");
            assertEquals("unavailable", refused.path("code").asText(), refused.toString());
            try (TestClient carol = TestClient.connect(chatUri(east, "outage", "carol"))) { // connected, not welcomed
                assertEquals(1013, carol.awaitClose().getCloseCode().getCode(), "try again later");
            }
            assertTrue(alice.isOpen() && bob.isOpen(), "members already here stay connected");

            redis.restart();
            awaitHealth(east, "UP");
            awaitHealth(west, "UP");
            alice.send("{\"type\":\"message\",\"text\":\"pending\",\"cid\":\"p-1\"}");
            assertEquals("pending", nextMessage(bob).path("text").asText(), "delivered once Redis is back");
            alice.send("{\"type\":\"message\",\"text\":\"pending\",\"cid\":\"p-1\"}");
            bob.sendMessage("sentinel");
            assertEquals("sentinel", nextMessage(bob).path("text").asText(), "and only once");
        }
    }

    @Test
    void aMessageTypedDuringAnOutageShowsPendingThenIsDeliveredOnce(
            @ArquillianResource @OperateOnDeployment("east") URL east,
            @ArquillianResource @OperateOnDeployment("west") URL west) throws Exception {
        try (TestClient alice = entered(west, "outage-page", "alice"); Browser bob = new Browser("en-US")) {
            awaitHealth(east, "UP");
            bob.enter(east + "?room=outage-page", "bob");
            alice.nextMatching(f -> f.path("type").asText().equals("join")
                    && f.path("user").path("name").asText().equals("bob"));
            redis.kill();
            awaitHealth(east, "DEGRADED");
            WebElement input = bob.find("#message");
            input.sendKeys("during the outage");
            input.sendKeys(Keys.ENTER);
            WebElement pending = bob.awaitText("#messages li.pending", "during the outage");
            assertTrue(pending.getText().contains("sending"), pending.getText());
            assertEquals(0, bob.findAll("#messages li.error").size(), "an outage is no error to show");

            redis.restart();
            new WebDriverWait(bob.driver(), Duration.ofSeconds(30)).until(d -> bob.findAll(
                    "#messages li.message:not(.pending) .text").stream().anyMatch(e -> e.getText().equals(
                    "during the outage")));
            assertEquals(0, bob.findAll("#messages li.pending").size(), "delivered, no longer pending");
            assertEquals("during the outage", nextMessage(alice).path("text").asText());
            alice.sendMessage("sentinel");
            assertEquals("sentinel", nextMessage(alice).path("text").asText(), "alice got it exactly once");
            List<String> shown = bob.findAll("#messages li.message .text").stream().map(WebElement::getText).toList();
            assertEquals(List.of("during the outage", "sentinel"), shown, "bob's page shows it once");
        }
    }

    @Test
    void afterRedisLostItsDataAnOldSinceIsToldOfTheGap(
            @ArquillianResource @OperateOnDeployment("east") URL east,
            @ArquillianResource @OperateOnDeployment("west") URL west) throws Exception {
        String old;
        try (TestClient alice = entered(east, "wiped", "alice")) {
            alice.sendMessage("before");
            old = nextMessage(alice).path("id").asText();
        }
        redis.kill();
        redis.restartWiped();
        awaitHealth(east, "UP");
        awaitHealth(west, "UP");
        try (TestClient bob = TestClient.connect(URI.create(chatUri(west, "wiped", "bob") + "&since=" + old))) {
            JsonNode welcome = bob.next("welcome");
            assertTrue(welcome.path("gap").asBoolean(), "never a false 'nothing was missed': " + welcome);
        }
    }

    /** Polls {@code /health} until it reports {@code status}, for at most {@link #PROMPT}. */
    private static JsonNode awaitHealth(URL node, String status) throws Exception {
        long deadline = System.nanoTime() + PROMPT.toNanos();
        JsonNode health;
        do {
            HttpResponse<String> response = Http.get(URI.create(node + "health"));
            health = JSON.readTree(response.body());
            if (health.path("status").asText().equals(status)) {
                assertEquals(status.equals("UP") ? 200 : 503, response.statusCode(), response.body());
                return health;
            }
            Thread.sleep(100); // polling an HTTP endpoint; no message to wait for
        } while (System.nanoTime() < deadline);
        throw new AssertionError("within " + PROMPT + " " + node + "health still says " + health);
    }
}
