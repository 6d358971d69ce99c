package dev.chatwar.support;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code nginx}, run by a test in front of chat nodes, with the repository's {@code docker/nginx.conf}: the
 * same file {@code docker/compose.yaml} mounts into the nginx image, with only the node addresses and the listening
 * port replaced by the test's. Here it is included into a minimal top-level configuration, as the image's own
 * {@code nginx.conf} includes it; everything nginx writes stays under the test's directory.
 */
public final class Nginx implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/sbin/nginx");
    private static final Path CONF = Path.of("docker", "nginx.conf");

    private final Process process;
    private final int port;
    private final Path errorLog;
    private final Path accessLog;

    private Nginx(Process process, int port, Path errorLog, Path accessLog) {
        this.process = process;
        this.port = port;
        this.errorLog = errorLog;
        this.accessLog = accessLog;
    }

    /** What nginx logged of the requests it served so far. */
    public String accessLog() throws IOException {
        return Files.exists(accessLog) ? Files.readString(accessLog) : "";
    }

    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** Starts nginx on a free loopback port, balancing over {@code nodes} (each {@code host:port}). */
    public static Nginx start(Path base, List<String> nodes) throws Exception {
        String site = Files.readString(CONF);
        for (String name : List.of("chat-1:8080", "chat-2:8080")) {
            if (!site.contains("server " + name + " ")) {
                throw new AssertionError("docker/nginx.conf no longer names the node " + name);
            }
        }
        if (!site.contains(" /var/log/nginx/access.log ")) {
            throw new AssertionError("docker/nginx.conf no longer logs the chat's location to the image's access log");
        }
        int port = RedisServer.freePort();
        site = site.replace("server chat-1:8080 ", "server " + nodes.get(0) + " ")
                .replace("server chat-2:8080 ", "server " + nodes.get(1) + " ")
                .replace("listen 8080;", "listen 127.0.0.1:" + port + ";");
        Path prefix = Files.createDirectories(base.resolve("nginx"));
        site = site.replace(" /var/log/nginx/access.log ", " " + prefix.toAbsolutePath().resolve("access.log") + " ");
        Files.writeString(prefix.resolve("site.conf"), site);
        Path errorLog = prefix.resolve("error.log");
        String top = (isRoot() ? "user root;\n" : "") + """
                daemon off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %2$s info;
                events { worker_connections 4096; }
                http {
                    access_log %1$s/access.log;
                    client_body_temp_path %1$s/client_body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                    include %1$s/site.conf;
                }
                """.formatted(prefix.toAbsolutePath(), errorLog.toAbsolutePath());
        Path main = prefix.resolve("nginx.conf");
        Files.writeString(main, top);
        Process process = new ProcessBuilder(BINARY.toString(), "-p", prefix.toAbsolutePath() + "/", "-c",
                main.toAbsolutePath().toString()).redirectErrorStream(true)
                .redirectOutput(prefix.resolve("stdout.log").toFile()).start();
        Nginx nginx = new Nginx(process, port, errorLog, prefix.resolve("access.log"));
        nginx.awaitListening();
        return nginx;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private void awaitListening() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                process.waitFor(100, TimeUnit.MILLISECONDS);
            }
        }
        throw new AssertionError("nginx did not start; see " + errorLog);
    }

    /** {@code http://127.0.0.1:<port>/chat/}: the chat as the balancer serves it. */
    public URL url() {
        try {
            return new URL("http://127.0.0.1:" + port + "/chat/");
        } catch (java.net.MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: nginx's fast shutdown
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
