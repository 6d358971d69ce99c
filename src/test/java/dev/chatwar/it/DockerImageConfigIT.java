package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.support.Http;
import dev.chatwar.support.TestClient;
import jakarta.websocket.CloseReason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No Docker engine runs on our machines, so this proves what the image configures by other means: the Tomcat version
 * the Dockerfile pins, started with the image's own {@code server.xml}, {@code logging.properties} and
 * {@code CATALINA_OPTS} (read from the files in {@code docker/}), serving the exploded WAR as the {@code chat} context, as
 * {@code catalina.sh run} does in the image. Then it is stopped with SIGTERM, as {@code docker stop} does.
 */
class DockerImageConfigIT {
    private static final Path DOCKERFILE = Path.of("docker", "Dockerfile");

    @TempDir
    Path base;

    @Test
    void theImagesTomcatConfigurationServesTheChatAndStopsGracefully() throws Exception {
        String dockerfile = Files.readString(DOCKERFILE);
        String pinned = match(dockerfile, "ARG TOMCAT_VERSION=(\\S+)");
        assumeTrue("tomcat".equals(System.getProperty("arquillian.launch")), "runs with the Tomcat profile");
        assumeTrue(pinned.equals(Path.of(System.getProperty("container.home")).getFileName().toString()
                .replace("apache-tomcat-", "")), "the suite's Tomcat is the version the image pins");
        String catalinaOpts = match(dockerfile, "ENV CATALINA_OPTS=\"([^\"]*)\"");

        Path home = Path.of(System.getProperty("container.home"));
        Path conf = Files.createDirectories(base.resolve("conf"));
        for (String file : List.of("catalina.properties", "context.xml", "web.xml")) {
            Files.copy(home.resolve("conf").resolve(file), conf.resolve(file));
        }
        Files.copy(Path.of("docker", "server.xml"), conf.resolve("server.xml"));
        Files.copy(Path.of("docker", "logging.properties"), conf.resolve("logging.properties"));
        for (String dir : List.of("logs", "temp", "work", "webapps")) {
            Files.createDirectories(base.resolve(dir));
        }
        copyTree(Path.of(System.getProperty("chat.war").replaceFirst("\\.war$", "")), base.resolve("webapps/chat"));

        int port = freePort();
        Path output = Path.of("target", "docker-image-config-it.log");
        ProcessBuilder tomcat = new ProcessBuilder(home.resolve("bin/catalina.sh").toString(), "run")
                .redirectErrorStream(true).redirectOutput(output.toFile());
        tomcat.environment().put("CATALINA_HOME", home.toString());
        tomcat.environment().put("CATALINA_BASE", base.toString());
        tomcat.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // Only the port and the bind address differ from the image: tests use a free loopback port.
        tomcat.environment().put("CATALINA_OPTS",
                catalinaOpts + " -Dchat.http.address=127.0.0.1 -Dchat.http.port=" + port);
        Process process = tomcat.start();
        try {
            URL url = new URL("http://127.0.0.1:" + port + "/chat/");
            HttpResponse<String> health = awaitHealth(URI.create(url + "health"), process);
            assertEquals("UP", new ObjectMapper().readTree(health.body()).path("status").asText());

            HttpResponse<String> missing = Http.get(URI.create("http://127.0.0.1:" + port + "/nope"));
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

                process.destroy(); // SIGTERM, as docker stop sends
                for (TestClient member : members) {
                    CloseReason reason = member.awaitClose();
                    assertEquals(1001, reason.getCloseCode().getCode(), reason.toString());
                }
            } finally {
                for (TestClient member : members) {
                    member.close();
                }
            }
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "Tomcat stopped within the grace period");
            String log = Files.readString(output);
            assertTrue(log.contains("chat stopped"), log);
            assertFalse(log.contains("SEVERE") || log.contains("Exception"), log);
            // Tomcat only warns about a server.xml attribute it does not know, and then ignores it.
            assertFalse(log.contains("failed to set property"), log);
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static HttpResponse<String> awaitHealth(URI health, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                HttpResponse<String> response = Http.get(health);
                if (response.statusCode() == 200) {
                    return response;
                }
            } catch (IOException notYetListening) {
                // Tomcat is still starting; ask again.
            }
            process.waitFor(200, TimeUnit.MILLISECONDS);
        }
        throw new AssertionError("the chat did not report healthy within 60 s; see target/docker-image-config-it.log");
    }

    /** The exploded WAR, as the Dockerfile copies it from {@code target/chat}. */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static String match(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertTrue(matcher.find(), "Dockerfile lacks " + regex);
        return matcher.group(1);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
