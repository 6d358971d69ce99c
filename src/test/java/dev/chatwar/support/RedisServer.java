package dev.chatwar.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} (Debian's, installed by {@code scripts/test.sh}) on a free loopback port, in a temporary
 * directory, with append-only persistence, so a test can stop it, kill it, and start it again with its data, wiped,
 * or from an older copy of its data.
 *
 * <p>It syncs every write ({@code appendfsync always}): a restart then keeps everything Redis acknowledged, so a test
 * of an outage fails only for what the chat does. What Redis does when it loses acknowledged writes (the default
 * {@code everysec} loses up to a second of them in a crash) is staged on purpose with {@link #copyData} and
 * {@link #restartFrom}.
 */
public final class RedisServer implements AutoCloseable {
    /** The node timeout of the tests' engines: short, so that a dead node's members leave within a test. */
    public static final java.time.Duration NODE_TIMEOUT = java.time.Duration.ofSeconds(3);
    private final Path dir;
    private final int port;
    private final List<String> extra;
    private Process process;

    private RedisServer(Path dir, int port, List<String> extra) {
        this.dir = dir;
        this.port = port;
        this.extra = extra;
    }

    public static RedisServer start() throws IOException, InterruptedException {
        RedisServer server = new RedisServer(Files.createTempDirectory("chat-redis-"), freePort(), List.of());
        server.launch();
        return server;
    }

    /**
     * A node of a Redis Cluster, with its settings: on a free port of at most 55535 whose cluster bus port (10,000
     * above) is free too, since Redis refuses a higher one.
     */
    public static RedisServer startClusterNode(List<String> settings) throws IOException, InterruptedException {
        RedisServer server = new RedisServer(Files.createTempDirectory("chat-redis-"), freePortWithBus(), settings);
        server.launch();
        return server;
    }

    private static int freePortWithBus() throws IOException {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = 20_000 + random.nextInt(35_000);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
                 ServerSocket bus = new ServerSocket(port + 10_000, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port pair for a Redis Cluster node");
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    private void launch() throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir.toString()));
        line.addAll(extra);
        process = new ProcessBuilder(line)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                if (command("PING").equals("+PONG")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!process.isAlive()) {
                throw new IOException("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
            }
            Thread.sleep(20); // polling a starting process; there is no event to wait for
        }
        throw new IOException("redis-server did not answer PING within 10 s on port " + port);
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Kills it at once (SIGKILL), as a crash would; its append-only file stays. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts it again on the same port, with the data it had persisted. */
    public void restart() throws IOException, InterruptedException {
        launch();
    }

    /** Starts it again on the same port with nothing: as a Redis that lost its data. */
    public void restartWiped() throws IOException, InterruptedException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> !f.getFileName().toString().equals("redis.log")).toList()) {
                deleteTree(file);
            }
        }
        launch();
    }

    /** A copy of what Redis has persisted by now: with {@code appendfsync always}, every write it acknowledged. */
    public Path copyData() throws IOException {
        Path copy = Files.createTempDirectory("chat-redis-copy-");
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.filter(p -> !p.getFileName().toString().equals("redis.log")).toList()) {
                Path target = copy.resolve(dir.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
        return copy;
    }

    /**
     * Starts it again (it must be stopped) on the same port from a copy taken earlier by {@link #copyData}: as a Redis
     * that came back with an older copy of its data (a crash with {@code appendfsync everysec}, a failover to a replica
     * that lagged, a restore from a backup). The copy is used up.
     */
    public void restartFrom(Path copy) throws IOException, InterruptedException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> !f.getFileName().toString().equals("redis.log")).toList()) {
                deleteTree(file);
            }
        }
        try (Stream<Path> paths = Files.walk(copy)) {
            for (Path path : paths.filter(p -> !p.equals(copy)).toList()) {
                Path target = dir.resolve(copy.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
        deleteTree(copy);
        launch();
    }

    /** Deletes a copy taken by {@link #copyData} that will not be used. */
    public static void discard(Path copy) throws IOException {
        deleteTree(copy);
    }

    /** Closes every pub/sub connection of every client ({@code CLIENT KILL TYPE pubsub}); Redis itself goes on. */
    public void killPubSubConnections() throws IOException {
        command("CLIENT", "KILL", "TYPE", "pubsub");
    }

    /** Sends one command of plain words and returns the whole reply (a bulk string as it is; an array a line each). */
    public String reply(String... words) throws IOException {
        return Resp.command(port, words);
    }

    /** Sends one command of plain words and returns the first line of the reply. */
    public String command(String... words) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(Resp.request(words));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        deleteTree(dir);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
