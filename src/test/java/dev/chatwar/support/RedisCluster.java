package dev.chatwar.support;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster on loopback: three primaries and three replicas, Debian's {@code redis-server} with
 * {@code --cluster-enabled yes}, joined by {@code redis-cli --cluster create … --cluster-replicas 1}. Each node is a
 * {@link RedisServer}, so a test can kill one ({@code SIGKILL}) and start it again.
 *
 * <p>Settings: a node timeout of one second (a dead primary is replaced within a few seconds), and
 * {@code cluster-require-full-coverage no}, so the shards that still answer go on serving while one is out: what an
 * operator sets too (see the README).
 */
public final class RedisCluster implements AutoCloseable {
    public static final Duration NODE_TIMEOUT = Duration.ofSeconds(1);
    private static final List<String> SETTINGS = List.of("--cluster-enabled", "yes", "--cluster-config-file",
            "nodes.conf", "--cluster-node-timeout", Long.toString(NODE_TIMEOUT.toMillis()),
            "--cluster-require-full-coverage", "no", "--cluster-replica-validity-factor", "0");
    private final List<RedisServer> nodes;

    private RedisCluster(List<RedisServer> nodes) {
        this.nodes = nodes;
    }

    /** Starts six nodes, joins them, and waits until every slot is served. */
    public static RedisCluster start() throws IOException, InterruptedException {
        List<RedisServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                nodes.add(RedisServer.startClusterNode(SETTINGS));
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            nodes.forEach(node -> create.add("127.0.0.1:" + node.port()));
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            Process joining = new ProcessBuilder(create).redirectErrorStream(true).start();
            String said = new String(joining.getInputStream().readAllBytes());
            if (!joining.waitFor(30, TimeUnit.SECONDS) || joining.exitValue() != 0) {
                throw new IOException("redis-cli --cluster create failed: " + said);
            }
            RedisCluster cluster = new RedisCluster(nodes);
            cluster.awaitServed();
            return cluster;
        } catch (IOException | RuntimeException | InterruptedException e) {
            for (RedisServer node : nodes) {
                node.close();
            }
            throw e;
        }
    }

    /** What the chat is given: {@code redis://} and every node, comma-separated. */
    public String uri() {
        return "redis://" + nodes.stream().map(node -> "127.0.0.1:" + node.port()).collect(Collectors.joining(","));
    }

    /** Every node, primaries and replicas, in the order they were started. */
    public List<RedisServer> nodes() {
        return nodes;
    }

    /** A running node, to ask about the cluster. */
    private RedisServer anyRunning() {
        return nodes.stream().filter(RedisServer::isRunning).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node of the cluster runs"));
    }

    /** The primaries that serve slots now, by port, each with its first slot. */
    public Map<Integer, Integer> primaries() throws IOException {
        Map<Integer, Integer> primaries = new TreeMap<>();
        for (String line : anyRunning().reply("CLUSTER", "NODES").split("\n")) {
            String[] fields = line.strip().split(" ");
            if (fields.length > 8 && fields[2].contains("master") && !fields[2].contains("fail")) {
                int port = Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1, fields[1].indexOf('@')));
                primaries.put(port, Integer.parseInt(fields[8].split("-")[0]));
            }
        }
        return primaries;
    }

    /** The port of the primary that serves the key (or channel) now. */
    public int primaryOf(String key) throws IOException {
        int slot = Integer.parseInt(anyRunning().reply("CLUSTER", "KEYSLOT", key));
        for (String line : anyRunning().reply("CLUSTER", "NODES").split("\n")) {
            String[] fields = line.strip().split(" ");
            if (fields.length > 8 && fields[2].contains("master") && !fields[2].contains("fail")) {
                for (int i = 8; i < fields.length; i++) {
                    if (fields[i].startsWith("[")) {
                        continue; // a slot being moved
                    }
                    String[] range = fields[i].split("-");
                    int from = Integer.parseInt(range[0]);
                    int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                    if (from <= slot && slot <= to) {
                        return Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1,
                                fields[1].indexOf('@')));
                    }
                }
            }
        }
        throw new IllegalStateException("no primary serves slot " + slot);
    }

    /** The node on a port. */
    public RedisServer node(int port) {
        return nodes.stream().filter(node -> node.port() == port).findFirst().orElseThrow();
    }

    /** Empties every primary (their replicas follow). */
    public void flushAll() throws IOException {
        for (int port : primaries().keySet()) {
            node(port).command("FLUSHALL");
        }
    }

    /**
     * Waits until every running node says the cluster is ok, three primaries serve every slot, and every running
     * replica has synced with its primary.
     */
    public void awaitServed() {
        Poll.until(Duration.ofSeconds(30), "the cluster serves every slot", () -> {
            for (RedisServer node : nodes) {
                if (node.isRunning()) {
                    String info = node.reply("CLUSTER", "INFO");
                    if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")) {
                        return node.port() + ": " + info.lines().limit(3).toList();
                    }
                }
            }
            Map<Integer, Integer> primaries = primaries();
            if (primaries.size() != 3) {
                return "primaries " + primaries;
            }
            // A replica that has not synced yet would take over with nothing: as a test set out to lose data.
            for (RedisServer node : nodes) {
                if (node.isRunning() && !primaries.containsKey(node.port())) {
                    String replication = node.reply("INFO", "replication");
                    if (!replication.contains("master_link_status:up")
                            || !replication.contains("master_sync_in_progress:0")) {
                        return node.port() + " has not synced with its primary yet";
                    }
                }
            }
            return null;
        });
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (RedisServer node : nodes) {
            node.close();
        }
    }
}
