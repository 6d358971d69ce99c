package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.chatwar.support.Browser;
import dev.chatwar.support.Http;
import dev.chatwar.support.Nginx;
import dev.chatwar.support.Poll;
import dev.chatwar.support.RawWebSocket;
import dev.chatwar.support.RedisServer;
import dev.chatwar.support.TestClient;
import dev.chatwar.support.TomcatNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What {@code docker compose -f docker/compose.yaml up} runs, from the same parts without a Docker engine: a real
 * {@code redis-server} with its append-only file, two Tomcat nodes with the compose file's settings (only Redis's
 * address, and the proxy they trust, are this machine's), and Debian's nginx with {@code docker/nginx.conf} in front.
 * Pages in Chromium reach the chat through nginx, and lose their node: to {@code kill -9}, and to a graceful stop.
 * (The test Redis syncs every write where compose's syncs every second; that differs only when Redis itself crashes,
 * which this test does not do: {@code RedisChatTest} and {@code RedisChaosTest} do.)
 */
class NginxIT {
    private static final Duration FAILOVER = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode compose;
    private static RedisServer redis;
    private static TomcatNode one;
    private static TomcatNode two;
    private static Nginx nginx;

    @BeforeAll
    static void startWhatComposeStarts(@TempDir Path base) throws Exception {
        assumeTrue(TomcatNode.available(), "starts Tomcat processes of its own: the Tomcat profiles only");
        assumeTrue(Nginx.available(), "needs Debian's nginx (scripts/test.sh installs it)");
        compose = new ObjectMapper(new YAMLFactory()).readTree(Path.of("docker", "compose.yaml").toFile());
        redis = RedisServer.start();
        Map<String, String> settings = new HashMap<>();
        compose.path("services").path("chat-1").path("environment").fields()
                .forEachRemaining(setting -> settings.put(setting.getKey(), setting.getValue().asText()));
        settings.put("CHAT_REDIS_URL", redis.uri());
        settings.put("CHAT_TRUSTED_PROXIES", "127.0.0.1"); // nginx runs on loopback here, not on the compose network
        one = TomcatNode.start(base.resolve("one"), "nginx-it-one", settings);
        two = TomcatNode.start(base.resolve("two"), "nginx-it-two", settings);
        nginx = Nginx.start(base, List.of(address(one), address(two)));
    }

    @AfterAll
    static void stopAll() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {nginx, one, two, redis}) {
            if (part != null) {
                part.close();
            }
        }
    }

    private static String address(TomcatNode node) {
        return node.url().getHost() + ":" + node.url().getPort();
    }

    @Test
    void composeRunsOneRedisWithItsAppendOnlyFileTwoNodesAlikeAndNginxWithThisConfig() {
        JsonNode services = compose.path("services");
        String redisCommand = services.path("redis").path("command").toString();
        assertTrue(redisCommand.contains("\"--appendonly\",\"yes\""), redisCommand);
        assertTrue(services.path("redis").path("healthcheck").path("test").toString().contains("ping"));
        assertEquals(services.path("chat-1").path("environment"), services.path("chat-2").path("environment"),
                "both nodes have the same settings");
        assertEquals("redis://redis:6379", services.path("chat-1").path("environment").path("CHAT_REDIS_URL")
                .asText());
        assertEquals("./nginx.conf:/etc/nginx/conf.d/default.conf:ro",
                services.path("nginx").path("volumes").get(0).asText());
        assertEquals("8080:8080", services.path("nginx").path("ports").get(0).asText());
    }

    /** A page's token travels in the query string; the shipped nginx.conf logs the chat's location without it. */
    @Test
    void theChatsLocationIsLoggedWithoutItsQueryString() throws Exception {
        String marker = "secret-" + System.nanoTime();
        try (RawWebSocket handshake = RawWebSocket.open(nginx.url(), "room=logged&name=ann&token=" + marker, true)) {
            assertTrue(handshake.status() > 0, "answered");
        }
        // nginx writes the line when the connection ends, in a file of another process: nothing to wait on but it.
        Poll.until(Duration.ofSeconds(10), "the handshake's line in nginx's access log",
                () -> nginx.accessLog().contains("GET /chat/chat ") ? null : nginx.accessLog());
        String log = nginx.accessLog();
        assertFalse(log.contains(marker), "no query string, so no token: " + log);
        assertFalse(log.contains("room=logged"), log);
    }

    @Test
    void aPageWhoseNodeIsKilledReconnectsThroughNginxToTheOtherAndShowsEverythingOnce() throws Exception {
        try (Browser ann = new Browser("en-US"); Browser bob = new Browser("en-US")) {
            TomcatNode annsNode = nodeGaining(() -> ann.enter(nginx.url() + "?room=killed", "ann"));
            TomcatNode survivor = annsNode == one ? two : one;
            bob.enter(survivor.url() + "?room=killed", "bob"); // the other page, on the other node
            say(ann, "hello from ann");
            bob.awaitText("#messages li.message .text", "hello from ann");
            say(bob, "hi ann");
            ann.awaitText("#messages li.message .text", "hi ann");
            try {
                annsNode.kill();
                say(ann, "typed while cut off"); // stays in the page's outbox until it is back
                for (int i = 1; i <= 3; i++) {
                    say(bob, "while ann is away " + i);
                }
                ann.awaitText("#messages li.notice", "nothing was missed");
                List<String> atAnn = shownOnceAll(ann, 6);
                List<String> atBob = shownOnceAll(bob, 6);
                assertEquals(atBob, atAnn, "both pages show the room's one order, each message once");
                assertEquals(List.of("hello from ann", "hi ann"), atAnn.subList(0, 2));
                assertTrue(atAnn.containsAll(List.of("typed while cut off", "while ann is away 1",
                        "while ann is away 2", "while ann is away 3")), atAnn.toString());
            } finally {
                annsNode.restart();
            }
        }
    }

    @Test
    void aPageWhoseNodeStopsGracefullyIsBackThroughNginxWithNothingMissed() throws Exception {
        try (Browser carol = new Browser("en-US")) {
            TomcatNode carolsNode = nodeGaining(() -> carol.enter(nginx.url() + "?room=stopped", "carol"));
            TomcatNode survivor = carolsNode == one ? two : one;
            try (TestClient dave = TestClient.join(chatUri(survivor.url(), "stopped", "dave")).client()) {
                dave.nextMatching(f -> f.path("type").asText().equals("join")
                        && f.path("user").path("name").asText().equals("dave"));
                try {
                    carolsNode.stop(); // SIGTERM, as docker stop: her leave is ordered, then she gets 1001
                    JsonNode left = dave.nextMatching(f -> f.path("type").asText().equals("leave"));
                    assertEquals("carol", left.path("user").path("name").asText(), "a graceful stop says goodbye");
                    dave.sendMessage("said while carol moved");
                    carol.awaitText("#messages li.notice", "nothing was missed");
                    assertEquals(List.of("said while carol moved"), shownOnceAll(carol, 1));
                } finally {
                    carolsNode.restart();
                }
            }
        }
    }

    /** The node that nginx gave the connection {@code enter} opened to: its health reports one more member. */
    private static TomcatNode nodeGaining(Runnable enter) throws Exception {
        Map<TomcatNode, Integer> before = Map.of(one, connections(one), two, connections(two));
        enter.run();
        for (TomcatNode node : List.of(one, two)) {
            if (connections(node) == before.get(node) + 1) {
                return node;
            }
        }
        throw new AssertionError("neither node gained the page's connection: " + before);
    }

    private static int connections(TomcatNode node) throws Exception {
        return JSON.readTree(Http.get(URI.create(node.url() + "health")).body()).path("connections").asInt();
    }

    private static void say(Browser page, String text) {
        WebElement input = page.find("#message");
        input.sendKeys(text);
        input.sendKeys(Keys.ENTER);
    }

    /** Waits until the page shows {@code count} delivered messages, and returns their texts in the page's order. */
    private static List<String> shownOnceAll(Browser page, int count) {
        new WebDriverWait(page.driver(), FAILOVER).until(d -> delivered(page).size() >= count
                && page.findAll("#messages li.pending").isEmpty());
        List<String> shown = delivered(page);
        assertEquals(count, shown.size(), "each message once: " + shown);
        return shown;
    }

    private static List<String> delivered(Browser page) {
        return page.findAll("#messages li.message:not(.pending) .text").stream().map(WebElement::getText).toList();
    }
}
