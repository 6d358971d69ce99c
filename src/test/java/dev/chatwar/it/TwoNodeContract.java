package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.support.Api;
import dev.chatwar.support.Browser;
import dev.chatwar.support.Crowd;
import dev.chatwar.support.Http;
import dev.chatwar.support.Poll;
import dev.chatwar.support.RawWebSocket;
import dev.chatwar.support.RedisServer;
import dev.chatwar.support.TestClient;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What two nodes of one chat must do through a real {@code redis-server}, whatever the two nodes are: two web
 * applications in the suite's container ({@link RedisIT}, on every container), or two Tomcat processes
 * ({@link ClusterIT}). Each node has {@code CHAT_HISTORY_SIZE=5}; the tests kill, restart and wipe the Redis, and
 * leave it running.
 */
abstract class TwoNodeContract {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration PROMPT = Duration.ofSeconds(10);
    /** {@code CHAT_API_KEY} of both nodes. */
    static final String API_KEY = "two-node-api-key-0123456789abcdefghij";

    abstract URL east();

    abstract URL west();

    /** The one Redis both nodes share, or null when they share a Redis Cluster (its faults: RedisClusterFailoverTest). */
    abstract RedisServer redis();

    /** The tests that stop, restart or roll back the one Redis: only with one. */
    void onOneRedis() {
        assumeTrue(redis() != null, "stops and rolls back one Redis; a cluster's faults are RedisClusterFailoverTest's");
    }

    /** The nodes' {@code CHAT_MAX_CONNECTIONS_PER_ADDRESS}. */
    abstract int perAddressLimit();

    /** A test that failed while Redis was down must not take the next one down with it. */
    @BeforeEach
    void redisRuns() throws Exception {
        if (redis() != null && !redis().isRunning()) {
            redis().restart();
        }
    }

    /** Enters once the node reports Redis up (a node connects to it in the background after its start). */
    static TestClient entered(URL node, String room, String name) throws Exception {
        awaitHealth(node, "UP");
        TestClient client = TestClient.join(chatUri(node, room, name)).client();
        client.nextMatching(f -> f.path("type").asText().equals("join")
                && f.path("user").path("name").asText().equals(name));
        return client;
    }

    /** The next message, past any presence events. */
    static JsonNode nextMessage(TestClient client) throws InterruptedException {
        return client.nextMatching(f -> f.path("type").asText().equals("message"));
    }

    @Test
    void membersOnTwoNodesSeeEachOthersMessagesInOneOrderWithTheSameIds() throws Exception {
        URL east = east();
        URL west = west();
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

    /** The next {@code type} event about {@code name}. */
    static JsonNode nextAbout(TestClient client, String type, String name) throws InterruptedException {
        return client.nextMatching(f -> f.path("type").asText().equals(type)
                && f.path("user").path("name").asText().equals(name));
    }

    static List<String> memberNames(JsonNode welcome) {
        List<String> names = new ArrayList<>();
        welcome.path("members").forEach(m -> names.add(m.path("name").asText()));
        return names.stream().sorted().toList();
    }

    @Test
    void membersOnBothNodesAreOneListWithOneCountAndHearEachOthersJoinsLeavesAndTyping() throws Exception {
        URL east = east();
        URL west = west();
        awaitHealth(east, "UP");
        awaitHealth(west, "UP");
        try (TestClient a1 = entered(east, "presence", "a1"); TestClient b1 = entered(west, "presence", "b1")) {
            TestClient.Joined joined = TestClient.join(chatUri(east, "presence", "a2"));
            try (TestClient a2 = joined.client()) {
                assertEquals(List.of("a1", "a2", "b1"), memberNames(joined.welcome()), joined.welcome().toString());
                assertEquals(3, joined.welcome().path("count").asInt());
                assertEquals(2, nextAbout(a1, "join", "b1").path("count").asInt(), "b1's join, from the other node");
                assertEquals(3, nextAbout(a1, "join", "a2").path("count").asInt());
                assertEquals(3, nextAbout(b1, "join", "a2").path("count").asInt());

                TestClient.Joined probe = TestClient.join(chatUri(west, "presence", "probe"));
                probe.client().close();
                assertEquals(List.of("a1", "a2", "b1", "probe"), memberNames(probe.welcome()), "the other node's");
                assertEquals(4, probe.welcome().path("count").asInt());
                assertEquals(3, nextAbout(a2, "leave", "probe").path("count").asInt());

                b1.send("{\"type\":\"typing\"}");
                assertEquals("b1", a2.next("typing").path("user").path("name").asText(), "typing crosses nodes");
                b1.close();
                assertEquals(2, nextAbout(a1, "leave", "b1").path("count").asInt());
                assertEquals(2, nextAbout(a2, "leave", "b1").path("count").asInt());
            }
        }
    }

    @Test
    void twentyGuestsAskingForOneNameAtOnceOverBothNodesGetTwentyNames() throws Exception {
        URL east = east();
        URL west = west();
        awaitHealth(east, "UP");
        awaitHealth(west, "UP");
        List<TestClient> clients = new ArrayList<>();
        ExecutorService joining = Executors.newFixedThreadPool(20);
        try {
            List<Future<TestClient.Joined>> asked = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                URL node = i % 2 == 0 ? east : west;
                asked.add(joining.submit(() -> TestClient.join(chatUri(node, "names", "alice"))));
            }
            Set<String> given = new TreeSet<>();
            for (Future<TestClient.Joined> future : asked) {
                TestClient.Joined joined = future.get(PROMPT.toSeconds(), TimeUnit.SECONDS);
                clients.add(joined.client());
                given.add(joined.welcome().path("you").path("name").asText());
            }
            assertEquals(20, given.size(), "twenty distinct names: " + given);
        } finally {
            joining.shutdownNow();
            for (TestClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void theConnectionsPerAddressAreCountedOverBothNodes() throws Exception {
        URL east = east();
        URL west = west();
        awaitHealth(east, "UP");
        awaitHealth(west, "UP");
        String address = Crowd.address(44, 7);
        List<RawWebSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < perAddressLimit(); i++) {
                RawWebSocket member = RawWebSocket.open(i % 2 == 0 ? east : west, "room=limit&name=m", true, 0,
                        address);
                open.add(member);
                assertEquals(101, member.status(), "connection " + (i + 1));
            }
            for (URL node : List.of(east, west)) {
                RawWebSocket refused = RawWebSocket.open(node, "room=limit&name=m", true, 0, address);
                open.add(refused);
                assertEquals(429, refused.status(), "one more, on either node: the limit is the chat's");
            }
            open.remove(0).close();
            long deadline = System.nanoTime() + PROMPT.toNanos();
            RawWebSocket again;
            do { // the close reaches the count when the server has handled it; no message tells the client
                again = RawWebSocket.open(west, "room=limit&name=m", true, 0, address);
                open.add(again);
            } while (again.status() != 101 && System.nanoTime() < deadline);
            assertEquals(101, again.status(), "a closed connection gives its place back, to any node");
        } finally {
            for (RawWebSocket member : open) {
                member.close();
            }
        }
    }

    @Test
    void sinceWorksAfterReconnectingToTheOtherNodeAndAResendThereIsDeliveredOnce() throws Exception {
        URL east = east();
        URL west = west();
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
    void aReconnectToTheOtherNodeWithTheResumeTokenTakesOverUnannounced() throws Exception {
        URL east = east();
        URL west = west();
        try (TestClient bob = entered(west, "takeover", "bob")) {
            awaitHealth(east, "UP");
            TestClient.Joined first = TestClient.join(chatUri(east, "takeover", "alice"));
            try (TestClient stale = first.client()) {
                bob.next("join");
                String token = first.welcome().path("resume").asText();
                URI resume = URI.create(chatUri(west, "takeover", "alice") + "&resume=" + token);
                try (TestClient back = TestClient.connect(resume)) {
                    JsonNode welcome = back.next("welcome");
                    assertEquals("alice", welcome.path("you").path("name").asText(), "her own name, not alice (2)");
                    assertEquals(4009, stale.awaitClose().getCloseCode().getCode(), "the replaced connection");
                    back.sendMessage("still alice");
                    JsonNode next = bob.next();
                    assertEquals("message", next.path("type").asText(), "bob heard no leave or join: " + next);
                    assertEquals("alice", next.path("user").path("name").asText());
                }
            }
        }
    }

    @Test
    void nodesSubscribeToARoomWhileTheyHaveMembersThereAndNoLonger() throws Exception {
        URL east = east();
        URL west = west();
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
                // The welcome follows the room's subscription. A heartbeat's ping may come first (a control frame
                // may come at any time; a ping to a member opened just before the beat did, on CI), so read past it.
                assertEquals("m", Crowd.welcome(member).path("you").path("name").asText(), "room " + i);
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
    int subscribedRooms(String prefix) throws Exception {
        return Integer.parseInt(redis().command("EVAL",
                "return #redis.call('PUBSUB', 'CHANNELS', ARGV[1])", "0", "chat:{" + prefix + "*").substring(1));
    }

    @Test
    void whenRedisGoesAwayTheNodesSayDegradedRefuseMessagesAndJoinsAndRecoverWithoutARestart() throws Exception {
        onOneRedis();
        URL east = east();
        URL west = west();
        assertEquals("UP", awaitHealth(east, "UP").path("redis").asText());
        try (TestClient alice = entered(east, "outage", "alice"); TestClient bob = entered(west, "outage", "bob")) {
            alice.next("join");
            alice.sendMessage("before the outage");
            assertEquals("before the outage", nextMessage(alice).path("text").asText());
            assertEquals("before the outage", nextMessage(bob).path("text").asText());
            redis().kill();
            JsonNode degraded = awaitHealth(east, "DEGRADED");
            assertEquals("DOWN", degraded.path("redis").asText());

            alice.send("{\"type\":\"message\",\"text\":\"pending\",\"cid\":\"p-1\"}");
            JsonNode refused = alice.next("error");
            assertEquals("unavailable", refused.path("code").asText(), refused.toString());
            try (TestClient carol = TestClient.connect(chatUri(east, "outage", "carol"))) { // connected, not welcomed
                assertEquals(1013, carol.awaitClose().getCloseCode().getCode(), "try again later");
            }
            assertTrue(alice.isOpen() && bob.isOpen(), "members already here stay connected");

            redis().restart();
            awaitHealth(east, "UP");
            awaitHealth(west, "UP");
            alice.send("{\"type\":\"message\",\"text\":\"pending\",\"cid\":\"p-1\"}");
            assertEquals("pending", nextMessage(bob).path("text").asText(), "delivered once Redis is back");
            alice.send("{\"type\":\"message\",\"text\":\"pending\",\"cid\":\"p-1\"}");
            bob.sendMessage("sentinel");
            assertEquals("sentinel", nextMessage(bob).path("text").asText(), "and only once");
            try (TestClient carol = TestClient.connect(chatUri(west, "outage", "carol"))) {
                List<String> history = new ArrayList<>();
                carol.next("welcome").path("history").forEach(m -> history.add(m.path("text").asText()));
                assertEquals(List.of("before the outage", "pending", "sentinel"), history,
                        "the history outlived Redis's restart (append-only file)");
            }
        }
    }

    @Test
    void aMessageTypedDuringAnOutageShowsPendingThenIsDeliveredOnce() throws Exception {
        onOneRedis();
        URL east = east();
        URL west = west();
        try (TestClient alice = entered(west, "outage-page", "alice"); Browser bob = new Browser("en-US")) {
            awaitHealth(east, "UP");
            bob.enter(east + "?room=outage-page", "bob");
            alice.nextMatching(f -> f.path("type").asText().equals("join")
                    && f.path("user").path("name").asText().equals("bob"));
            redis().kill();
            awaitHealth(east, "DEGRADED");
            WebElement input = bob.find("#message");
            input.sendKeys("during the outage");
            input.sendKeys(Keys.ENTER);
            WebElement pending = bob.awaitText("#messages li.pending", "during the outage");
            assertTrue(pending.getText().contains("sending"), pending.getText());
            assertEquals(0, bob.findAll("#messages li.error").size(), "an outage is no error to show");

            redis().restart();
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

    /**
     * Redis comes back with an older copy of its data (as after a crash with {@code appendfsync everysec}, a failover
     * to a replica that lagged, or a restore): it forgot messages both nodes delivered. Both nodes find out and send
     * their members to resync; reconnected with {@code since}, they are told of the gap, and what is said next reaches
     * everyone under ids above all they saw. (Before, those messages reached nobody, silently.)
     */
    @Test
    void aRedisThatComesBackOlderMakesNoMessageVanishAndTellsEveryoneOfTheGap() throws Exception {
        onOneRedis();
        URL east = east();
        URL west = west();
        String m1 = null;
        String m4 = null;
        try (TestClient alice = entered(east, "older", "alice"); TestClient bob = entered(west, "older", "bob")) {
            alice.next("join");
            alice.sendMessage("m1");
            m1 = nextMessage(bob).path("id").asText();
            java.nio.file.Path copy = redis().copyData();
            for (int i = 2; i <= 4; i++) {
                alice.sendMessage("m" + i);
                m4 = nextMessage(bob).path("id").asText();
            }
            redis().kill();
            redis().restartFrom(copy);
            assertEquals(4010, alice.awaitClose().getCloseCode().getCode(), "east found that Redis forgot m2 to m4");
            assertEquals(4010, bob.awaitClose().getCloseCode().getCode(), "and so did west");
        }
        awaitHealth(east, "UP");
        awaitHealth(west, "UP");
        try (TestClient alice = TestClient.connect(URI.create(chatUri(east, "older", "alice") + "&since=" + m4));
             TestClient bob = TestClient.connect(URI.create(chatUri(west, "older", "bob") + "&since=" + m4))) {
            assertTrue(alice.next("welcome").path("gap").asBoolean(), "m4 is unknown to this Redis: a gap");
            JsonNode welcome = bob.next("welcome");
            assertTrue(welcome.path("gap").asBoolean());
            // The nodes that found the loss told it in the room's order: kept in the history, or on its way.
            JsonNode lost = null;
            for (JsonNode past : welcome.path("history")) {
                lost = past.path("type").asText().equals("lost") ? past : lost;
            }
            if (lost == null) {
                lost = bob.nextMatching(f -> f.path("type").asText().equals("lost"));
            }
            assertEquals(m1, lost.path("after").asText(), "lost after the last message Redis still holds: " + lost);
            assertEquals(m4, lost.path("through").asText(), "through the last one delivered: " + lost);
            alice.sendMessage("m5");
            JsonNode m5 = bob.nextMatching(f -> f.path("type").asText().equals("message")
                    && f.path("text").asText().equals("m5"));
            assertTrue(Long.parseLong(m5.path("id").asText()) > Long.parseLong(m4), "ids go on above m4: " + m5);
        }
    }

    @Test
    void afterRedisLostItsDataAnOldSinceIsToldOfTheGap() throws Exception {
        onOneRedis();
        URL east = east();
        URL west = west();
        String old;
        try (TestClient alice = entered(east, "wiped", "alice")) {
            alice.sendMessage("before");
            old = nextMessage(alice).path("id").asText();
        }
        redis().kill();
        redis().restartWiped();
        awaitHealth(east, "UP");
        awaitHealth(west, "UP");
        try (TestClient bob = TestClient.connect(URI.create(chatUri(west, "wiped", "bob") + "&since=" + old))) {
            JsonNode welcome = bob.next("welcome");
            assertTrue(welcome.path("gap").asBoolean(), "never a false 'nothing was missed': " + welcome);
        }
    }

    /** Polls {@code /health} until it reports {@code status}, for at most {@link #PROMPT}. */
    static JsonNode awaitHealth(URL node, String status) throws Exception {
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

    @Test
    void aRemovalThroughOneNodeReachesTheOtherInOrderAndABanThereRefusesTheHandshakeHere() throws Exception {
        URL east = east();
        URL west = west();
        awaitHealth(east, "UP");
        try (TestClient alice = entered(west, "moderated", "alice")) {
            Api.Answer posted = Api.call(east, API_KEY, "publish", "{\"room\":\"moderated\",\"text\":\"spam\"}");
            assertEquals(200, posted.status(), posted.toString());
            String spam = posted.result().path("id").asText();
            assertEquals(spam, nextMessage(alice).path("id").asText());
            assertEquals(200, Api.call(east, API_KEY, "remove", "{\"room\":\"moderated\",\"message\":\"" + spam
                    + "\"}").status());
            JsonNode removal = alice.nextMatching(f -> !f.path("type").asText().equals("join"));
            assertEquals(List.of("remove", spam), List.of(removal.path("type").asText(),
                    removal.path("message").asText()));
            // A ban of this room for the tests' address, for two minutes: the other rooms stay open to the tests.
            Api.Answer banned = Api.call(east, API_KEY, "ban",
                    "{\"room\":\"moderated\",\"address\":\"127.0.0.1\",\"seconds\":120}");
            assertEquals(200, banned.status(), banned.toString());
            assertEquals(4013, alice.awaitClose().getCloseCode().getCode(), "closed on the other node");
        }
        try (RawWebSocket refused = RawWebSocket.open(west, "room=moderated", true)) {
            assertEquals(403, refused.status(), "the ban holds on the other node's handshake");
        }
        assertEquals(200, Api.call(west, API_KEY, "unban", "{\"room\":\"moderated\",\"address\":\"127.0.0.1\"}")
                .status(), "lifted through the other node");
        Poll.until(PROMPT, "the unban reaches east", () -> {
            try (RawWebSocket again = RawWebSocket.open(east, "room=moderated", true)) {
                return again.status() == 101 ? null : "still " + again.status();
            }
        });
    }
}
