package dev.chatwar.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Redis replication group watched by Sentinel: one primary, one replica and one sentinel, Debian's
 * {@code redis-server} each, on free loopback ports and in temporary directories, so a test can kill the primary and
 * see a replica promoted. Servers keep append-only files fsynced on every write, so a killed one loses nothing it
 * acknowledged; the sentinel alone is a quorum of 1, which is enough on one machine and gives failovers of 1 to 3 s.
 */
public final class RedisSentinelGroup implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private final String masterName;
    private final List<Node> servers = new ArrayList<>();
    private Node sentinel;
    private Node killed;

    /** One process with the port and directory that outlive it across a restart; its output goes to a log there. */
    private static final class Node {
        final Path dir;
        final int port;
        Process process;

        Node(String prefix) throws IOException {
            this.dir = Files.createTempDirectory(prefix);
            this.port = RedisServer.freePort();
        }
    }

    private RedisSentinelGroup(String masterName) {
        this.masterName = masterName;
    }

    /** Starts the primary, its replica and the sentinel, and returns once the sentinel knows both servers. */
    public static RedisSentinelGroup start(String masterName) throws IOException, InterruptedException {
        RedisSentinelGroup group = new RedisSentinelGroup(masterName);
        try {
            Node primary = group.startServer(null);
            Node replica = group.startServer(primary.port);
            group.sentinel = new Node("chat-sentinel-");
            // Sentinel rewrites its config file (its id, the replicas and sentinels it found, every failover), so the
            // file must be its own and writable; the servers get no file, so its CONFIG REWRITE on them fails quietly.
            Path conf = group.sentinel.dir.resolve("sentinel.conf");
            Files.writeString(conf, String.join("\n", "port " + group.sentinel.port, "bind 127.0.0.1",
                    "dir " + group.sentinel.dir, "sentinel monitor " + masterName + " 127.0.0.1 " + primary.port + " 1",
                    "sentinel down-after-milliseconds " + masterName + " 1000",
                    "sentinel failover-timeout " + masterName + " 5000",
                    "sentinel parallel-syncs " + masterName + " 1", ""));
            launch(group.sentinel, List.of("redis-server", conf.toString(), "--sentinel"), "sentinel.log");
            // Sentinel learns of replicas from the primary's INFO; one it does not know yet could not be promoted.
            group.awaitReplica(replica, "replica " + replica.port + " of primary " + primary.port + ", both known");
            if (group.primaryPort() != primary.port) {
                throw new IllegalStateException("the sentinel reports primary " + group.primaryPort() + " at start");
            }
            return group;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            try {
                group.close(); // no process of a half-started group outlives the test that asked for it
            } catch (IOException | InterruptedException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** The Lettuce URI: {@code redis-sentinel://127.0.0.1:<sentinel port>#<master name>}. */
    public String uri() {
        return "redis-sentinel://127.0.0.1:" + sentinel.port + "#" + masterName;
    }

    /** The port of the primary as the sentinel reports it now. */
    public int primaryPort() throws IOException {
        String[] address = command(sentinel.port, "SENTINEL", "get-master-addr-by-name", masterName).split("\n");
        if (address.length != 2) {
            throw new IOException("the sentinel knows no primary '" + masterName + "': " + String.join(" ", address));
        }
        return Integer.parseInt(address[1]);
    }

    /** Kills the current primary at once (SIGKILL), as a crash would, and returns when it has ended. */
    public void killPrimary() throws IOException, InterruptedException {
        int port = primaryPort();
        Node primary = servers.stream().filter(n -> n.port == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("the sentinel reports a primary not ours: " + port));
        primary.process.destroyForcibly();
        if (!primary.process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("redis-server on port " + port + " still runs 10 s after SIGKILL");
        }
        killed = primary;
    }

    /** Waits until the sentinel reports a primary other than the killed one and that server says it is one. */
    public int awaitFailover(Duration timeout) throws InterruptedException {
        if (killed == null) {
            throw new IllegalStateException("no primary was killed");
        }
        int[] promoted = {0};
        Poll.until(timeout, "a failover away from port " + killed.port, () -> {
            int port = primaryPort();
            if (port == killed.port) {
                return "the sentinel still reports the killed primary " + port;
            }
            String role = command(port, "ROLE").split("\n")[0];
            if (!role.equals("master")) {
                return "the sentinel reports port " + port + ", whose ROLE is " + role;
            }
            promoted[0] = port;
            return null;
        });
        return promoted[0];
    }

    /**
     * Starts the killed server again on its port with its data, as a replica of the current primary, and returns once
     * its link is up and the sentinel counts it among the replicas again. It is started a replica because one started
     * a primary (as after a real crash) is a second, writable primary until Sentinel demotes it, some 10 s later.
     */
    public void restartKilled() throws IOException, InterruptedException {
        if (killed == null) {
            throw new IllegalStateException("no primary was killed");
        }
        launch(killed, serverCommand(killed, primaryPort()), "redis.log");
        Node node = killed;
        killed = null;
        awaitReplica(node, "port " + node.port + " back as a replica");
    }

    /**
     * Waits until a replica's link to its primary is up and the sentinel lists it with the flags of a reachable
     * replica, "slave" and no other; the sentinel's reply has each replica's fields as name-value pairs, "name" first.
     */
    private void awaitReplica(Node node, String what) throws InterruptedException {
        Poll.until(START_TIMEOUT, what, () -> {
            String info = command(node.port, "INFO", "replication");
            String replicas = " " + command(sentinel.port, "SENTINEL", "replicas", masterName).replace('\n', ' ') + " ";
            boolean listed = Stream.of(replicas.split(" name "))
                    .anyMatch(r -> r.contains(" port " + node.port + " ") && r.contains(" flags slave "));
            return info.contains("master_link_status:up") && listed ? null : info + replicas;
        });
    }

    /** Sends one command of plain words to a loopback port; returns the reply, an array's elements one a line. */
    public static String command(int port, String... words) throws IOException {
        return Resp.command(port, words);
    }

    /** Stops the sentinel first, so it does not fail over from servers that are only being stopped, then both. */
    @Override
    public void close() throws IOException, InterruptedException {
        List<Node> nodes = new ArrayList<>(servers);
        if (sentinel != null) {
            nodes.add(0, sentinel);
        }
        for (Node node : nodes) {
            if (node.process != null && node.process.isAlive()) {
                node.process.destroy();
                if (!node.process.waitFor(5, TimeUnit.SECONDS)) {
                    node.process.destroyForcibly();
                    node.process.waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
        for (Node node : nodes) {
            try (Stream<Path> paths = Files.walk(node.dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    private Node startServer(Integer primaryPort) throws IOException, InterruptedException {
        Node node = new Node(primaryPort == null ? "chat-redis-primary-" : "chat-redis-replica-");
        servers.add(node);
        launch(node, serverCommand(node, primaryPort), "redis.log");
        return node;
    }

    /** A server's command line; with no delay to a full sync, which Redis 7 holds 5 s for more replicas to join. */
    private static List<String> serverCommand(Node node, Integer primaryPort) {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(node.port),
                "--bind", "127.0.0.1", "--dir", node.dir.toString(), "--appendonly", "yes", "--appendfsync", "always",
                "--save", "", "--repl-diskless-sync-delay", "0"));
        if (primaryPort != null) {
            command.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(primaryPort)));
        }
        return command;
    }

    /** Starts a process and returns once it answers PING; one that exits meanwhile fails at once with its log. */
    private static void launch(Node node, List<String> command, String log) throws IOException, InterruptedException {
        Path logFile = node.dir.resolve(log);
        node.process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        Poll.until(START_TIMEOUT, String.join(" ", command) + " answering PING", () -> {
            if (!node.process.isAlive()) {
                throw new IllegalStateException(command.get(0) + " exited: " + Files.readString(logFile));
            }
            String pong = command(node.port, "PING");
            return pong.equals("PONG") ? null : pong;
        });
    }
}
