package dev.chatwar.support;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The chat as the Docker image runs it, without Docker: the suite's Tomcat ({@code container.home}, unpacked from
 * Maven Central) in a process of its own, with the image's {@code server.xml}, {@code logging.properties} and
 * {@code CATALINA_OPTS} (read from {@code docker/}), the exploded WAR as the {@code chat} context, settings as
 * environment variables, on a free loopback port. A test can stop it (SIGTERM, as {@code docker stop}), kill it
 * (SIGKILL, as a crash or {@code kill -9}) and start it again on the same port.
 */
public final class TomcatNode implements AutoCloseable {
    private static final Path DOCKER = Path.of("docker");

    private final Path base;
    private final int port;
    private final Map<String, String> settings;
    private final Path log;
    private Process process;

    private TomcatNode(Path base, int port, Map<String, String> settings, Path log) {
        this.base = base;
        this.port = port;
        this.settings = settings;
        this.log = log;
    }

    /** Whether this run's container is a Tomcat this class can start (the Tomcat profiles). */
    public static boolean available() {
        return "tomcat".equals(System.getProperty("arquillian.launch"));
    }

    /** The Tomcat version the Dockerfile pins. */
    public static String pinnedVersion() throws IOException {
        return match(Files.readString(DOCKER.resolve("Dockerfile")), "ARG TOMCAT_VERSION=(\\S+)");
    }

    /** The suite's Tomcat home. */
    public static Path home() {
        return Path.of(System.getProperty("container.home"));
    }

    /**
     * Lays out a Tomcat base under {@code base} and starts it; returns once {@code /chat/health} answers 200.
     *
     * @param name     names the log file, {@code target/<name>.log}
     * @param settings the chat's settings, as environment variables
     */
    public static TomcatNode start(Path base, String name, Map<String, String> settings) throws Exception {
        Path conf = Files.createDirectories(base.resolve("conf"));
        for (String file : List.of("catalina.properties", "context.xml", "web.xml")) {
            Files.copy(home().resolve("conf").resolve(file), conf.resolve(file));
        }
        Files.copy(DOCKER.resolve("server.xml"), conf.resolve("server.xml"));
        Files.copy(DOCKER.resolve("logging.properties"), conf.resolve("logging.properties"));
        for (String dir : List.of("logs", "temp", "work", "webapps")) {
            Files.createDirectories(base.resolve(dir));
        }
        copyTree(Path.of(System.getProperty("chat.war").replaceFirst("\\.war$", "")), base.resolve("webapps/chat"));
        TomcatNode node = new TomcatNode(base, RedisServer.freePort(), settings, Path.of("target", name + ".log"));
        Files.deleteIfExists(node.log);
        node.launch();
        node.awaitHealthy();
        return node;
    }

    /** {@code http://127.0.0.1:<port>/chat/}. */
    public URL url() {
        try {
            return new URL("http://127.0.0.1:" + port + "/chat/");
        } catch (java.net.MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    public Process process() {
        return process;
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    private void launch() throws IOException {
        String catalinaOpts = match(Files.readString(DOCKER.resolve("Dockerfile")), "ENV CATALINA_OPTS=\"([^\"]*)\"");
        ProcessBuilder tomcat = new ProcessBuilder(home().resolve("bin/catalina.sh").toString(), "run")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        tomcat.environment().put("CATALINA_HOME", home().toString());
        tomcat.environment().put("CATALINA_BASE", base.toString());
        tomcat.environment().put("JAVA_HOME", System.getProperty("java.home"));
        tomcat.environment().putAll(settings);
        // Only the port, the bind address and a heap bound differ from the image: tests use a free loopback port.
        tomcat.environment().put("CATALINA_OPTS",
                catalinaOpts + " -Xmx256m -Dchat.http.address=127.0.0.1 -Dchat.http.port=" + port);
        process = tomcat.start();
    }

    /** Polls {@code /health} until 200 (any status the chat reports while serving), at most 60 s. */
    public HttpResponse<String> awaitHealthy() throws Exception {
        URI health = URI.create(url() + "health");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                HttpResponse<String> response = Http.get(health);
                if (response.statusCode() == 200) {
                    return response;
                }
            } catch (IOException notYetListening) {
                // still starting; ask again
            }
            process.waitFor(200, TimeUnit.MILLISECONDS);
        }
        throw new AssertionError("the chat did not report healthy within 60 s; see " + log);
    }

    /** SIGTERM, as {@code docker stop}; waits for the exit. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("Tomcat did not stop within 30 s of SIGTERM; see " + log);
        }
    }

    /** SIGKILL: the node vanishes without closing anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts the stopped or killed node again, same port, same settings. */
    public void restart() throws Exception {
        launch();
        awaitHealthy();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

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
        if (!matcher.find()) {
            throw new AssertionError("docker/Dockerfile lacks " + regex);
        }
        return matcher.group(1);
    }
}
