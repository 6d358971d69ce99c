package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.support.RedisServer;
import dev.chatwar.support.TestClient;
import dev.chatwar.support.TomcatNode;
import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TwoNodeContract} on two Tomcat processes with the same WAR and one real {@code redis-server}, started as the
 * Docker image starts Tomcat ({@link TomcatNode}); and, here only, load over both nodes and both nodes restarted.
 */
class ClusterIT extends TwoNodeContract {
    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(3);
    private static RedisServer redis;
    private static TomcatNode east;
    private static TomcatNode west;

    @BeforeAll
    static void startCluster(@TempDir Path base) throws Exception {
        assumeTrue(TomcatNode.available(), "starts Tomcat processes of its own: the Tomcat profiles only");
        redis = RedisServer.start();
        // Each client here sends 200 messages as fast as it can: the flood limits would refuse most.
        Map<String, String> settings = Map.of("CHAT_REDIS_URL", redis.uri(), "CHAT_RATE_PER_SECOND", "100000",
                "CHAT_RATE_BURST", "100000", "CHAT_HISTORY_SIZE", "5", "CHAT_MAX_CONNECTIONS_PER_ADDRESS", "100",
                "CHAT_NODE_TIMEOUT_SECONDS", Long.toString(NODE_TIMEOUT.toSeconds()), "CHAT_API_KEY", API_KEY);
        east = TomcatNode.start(base.resolve("east"), "cluster-it-east", settings);
        west = TomcatNode.start(base.resolve("west"), "cluster-it-west", settings);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {east, west, redis}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Override
    URL east() {
        return east.url();
    }

    @Override
    URL west() {
        return west.url();
    }

    @Override
    int perAddressLimit() {
        return 100;
    }

    @Override
    RedisServer redis() {
        return redis;
    }

    @Test
    void twentyClientsOverBothNodesEachSendTwoHundredAndEveryoneGetsAllInOneOrder() throws Exception {
        int clients = 20;
        int each = 200;
        List<TestClient> members = new ArrayList<>();
        ExecutorService senders = Executors.newFixedThreadPool(clients);
        try {
            for (int i = 0; i < clients; i++) {
                members.add(TestClient.join(chatUri((i % 2 == 0 ? east : west).url(), "load", "c" + i)).client());
            }
            String last = "c" + (clients - 1);
            for (TestClient member : members) { // the last one's join has reached everyone: all are subscribed
                member.nextMatching(f -> f.path("type").asText().equals("join")
                        && f.path("user").path("name").asText().equals(last));
            }
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                TestClient member = members.get(i);
                int client = i;
                sent.add(senders.submit(() -> {
                    for (int n = 0; n < each; n++) {
                        member.sendMessage(client + "-" + n);
                    }
                    return null;
                }));
            }
            for (Future<?> future : sent) {
                future.get(60, TimeUnit.SECONDS);
            }
            List<String> first = null;
            for (TestClient member : members) {
                List<String> seen = new ArrayList<>(clients * each);
                for (int n = 0; n < clients * each; n++) {
                    JsonNode message = nextMessage(member); // joins are ordered as they come, between messages
                    seen.add(message.path("id").asText() + " " + message.path("text").asText());
                }
                if (first == null) {
                    first = seen;
                } else {
                    assertEquals(first, seen, "every client, on either node, the same events in the same order");
                }
            }
        } finally {
            senders.shutdownNow();
            for (TestClient member : members) {
                member.close();
            }
        }
    }

    @Test
    void aClientWhoseNodeWasKilledGetsExactlyWhatItMissedOnTheOther() throws Exception {
        try (TestClient bob = entered(west(), "died", "bob")) {
            String seen;
            try (TestClient alice = entered(east(), "died", "alice")) {
                alice.sendMessage("seen");
                seen = nextMessage(alice).path("id").asText();
                assertEquals(seen, nextMessage(bob).path("id").asText());
                east.kill(); // kill -9: nothing is closed politely
                alice.awaitClose();
            }
            bob.sendMessage("missed 1");
            bob.sendMessage("missed 2");
            nextMessage(bob);
            nextMessage(bob);
            try (TestClient alice = TestClient.connect(URI.create(chatUri(west(), "died", "alice") + "&since=" + seen))) {
                JsonNode welcome = alice.next("welcome");
                List<String> missed = new ArrayList<>();
                welcome.path("history").forEach(m -> missed.add(m.path("text").asText()));
                assertEquals(List.of("missed 1", "missed 2"), missed, welcome.toString());
                assertFalse(welcome.path("gap").asBoolean(true), "nothing else was missed");
            }
        } finally {
            if (!east.process().isAlive()) {
                east.restart();
            }
        }
    }

    @Test
    void aKilledNodesMembersLeaveEveryListWithinTheNodeTimeoutAndItsRestartBringsNoGhost() throws Exception {
        try (TestClient watcher = entered(west(), "ghosts", "watcher")) {
            try (TestClient x = entered(east(), "ghosts", "x"); TestClient y = entered(east(), "ghosts", "y")) {
                nextAbout(watcher, "join", "y");
                long killedAt = System.nanoTime();
                east.kill(); // kill -9: no close, no leave, no lease dropped
                Set<String> left = new TreeSet<>();
                for (int i = 0; i < 2; i++) {
                    left.add(watcher.next("leave").path("user").path("name").asText());
                }
                double seconds = (System.nanoTime() - killedAt) / 1e9;
                assertEquals(Set.of("x", "y"), left, "one leave for each of the dead node's members");
                assertTrue(seconds < NODE_TIMEOUT.toSeconds() * 2 + 2, "left after " + seconds + " s");
            }
            TestClient.Joined again = TestClient.join(chatUri(west(), "ghosts", "x"));
            try (TestClient x = again.client()) {
                assertEquals("x", again.welcome().path("you").path("name").asText(), "the dead node's names are free");
                assertEquals(List.of("watcher", "x"), memberNames(again.welcome()));
                east.restart();
                awaitHealth(east(), "UP");
                TestClient.Joined late = TestClient.join(chatUri(east(), "ghosts", "z"));
                late.client().close();
                assertEquals(List.of("watcher", "x", "z"), memberNames(late.welcome()), "no ghost of y");
            }
        } finally {
            if (!east.process().isAlive()) {
                east.restart();
            }
        }
    }

    @Test
    void theHistorySurvivesRestartingBothNodes() throws Exception {
        String first;
        try (TestClient alice = TestClient.join(chatUri(east.url(), "kept", "alice")).client()) {
            alice.next("join");
            alice.sendMessage("before the restart");
            first = alice.next("message").path("id").asText();
            alice.sendMessage("also before");
            alice.next("message");
        }
        east.stop();
        west.stop();
        for (TomcatNode node : List.of(east, west)) {
            assertFalse(node.log().contains("SEVERE"), "Lettuce's threads and caches end on undeploy: " + node.log());
        }
        east.restart();
        west.restart();
        URI since = URI.create(chatUri(west.url(), "kept", "bob") + "&since=" + first);
        try (TestClient bob = TestClient.connect(since)) {
            JsonNode welcome = bob.next("welcome");
            assertEquals(false, welcome.path("gap").asBoolean(true), welcome.toString());
            assertEquals("also before", welcome.path("history").get(0).path("text").asText(), welcome.toString());
        }
    }
}
