package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.support.Http;
import dev.chatwar.support.TestClient;
import dev.chatwar.support.TomcatNode;
import jakarta.websocket.CloseReason;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No Docker engine runs on our machines, so this proves what the image configures by other means: the Tomcat version
 * the Dockerfile pins, started as the image starts it ({@link TomcatNode}: the image's own {@code server.xml},
 * {@code logging.properties} and {@code CATALINA_OPTS}, the exploded WAR as the {@code chat} context), serving the
 * chat. Then it is stopped with SIGTERM, as {@code docker stop} does.
 */
class DockerImageConfigIT {
    @TempDir
    Path base;

    @Test
    void theImagesTomcatConfigurationServesTheChatAndStopsGracefully() throws Exception {
        assumeTrue(TomcatNode.available(), "runs with the Tomcat profile");
        assumeTrue(TomcatNode.pinnedVersion().equals(TomcatNode.home().getFileName().toString()
                .replace("apache-tomcat-", "")), "the suite's Tomcat is the version the image pins");
        try (TomcatNode node = TomcatNode.start(base, "docker-image-config-it", Map.of())) {
            URL url = node.url();
            assertEquals("UP", new ObjectMapper().readTree(node.awaitHealthy().body()).path("status").asText());

            HttpResponse<String> missing = Http.get(URI.create(url.toString().replace("/chat/", "/nope")));
            assertEquals(404, missing.statusCode());
            assertFalse(missing.body().contains("Apache Tomcat/"), "error pages do not reveal the server version");

            List<TestClient> members = new ArrayList<>();
            try {
                members.add(TestClient.join(chatUri(url, "docker", "alice")).client());
                members.add(TestClient.join(chatUri(url, "docker", "bob")).client());
                members.get(1).sendMessage("inside the image's configuration");
                members.get(0).next("join");
                members.get(0).next("join");
                assertEquals("inside the image's configuration", members.get(0).next("message").path("text").asText());
                String metrics = Http.get(URI.create(url + "metrics")).body();
                assertTrue(metrics.lines().anyMatch(line -> line.startsWith(
                        "chat_sends_completed_total{where=\"on_writer\"}") && !line.endsWith(" 0.0")),
                        "the image's executor (lib/chat-tomcat.jar) lets the writers complete their sends: " + metrics);

                node.process().destroy(); // SIGTERM, as docker stop sends
                for (TestClient member : members) {
                    CloseReason reason = member.awaitClose();
                    assertEquals(1001, reason.getCloseCode().getCode(), reason.toString());
                }
            } finally {
                for (TestClient member : members) {
                    member.close();
                }
            }
            node.stop();
            String log = node.log();
            assertTrue(log.contains("chat stopped"), log);
            assertFalse(log.contains("SEVERE") || log.contains("Exception"), log);
            // Tomcat only warns about a server.xml attribute it does not know, and then ignores it.
            assertFalse(log.contains("failed to set property"), log);
        }
    }
}
