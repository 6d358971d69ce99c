package dev.chatwar.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.engine.Engine;
import dev.chatwar.room.ChatService;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

/**
 * {@code GET /health}: {@code 200} with {@code "status":"UP"} while the chat serves, {@code 503} with
 * {@code STOPPING}, or {@code DEGRADED} while the node cannot reach its Redis (so a load balancer
 * prefers nodes that can). {@code redis} is {@code UP}, {@code DOWN} or {@code OFF} (no Redis configured); {@code node}
 * is this node's identity in the chat (as in its log; new with every start). Reads a few counters and allocates one
 * small object: cheap enough to call every second. Registered by the composition root once the chat runs.
 */
public final class HealthServlet extends HttpServlet {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String VERSION = readVersion();

    /** The body of {@code /health}. */
    public record Health(String status, String version, String node, long uptimeSeconds, int connections,
                         int rooms, String redis, List<String> unreachable) {
        public boolean up() {
            return status.equals("UP");
        }

        /**
         * Whether a balancer should send newcomers here: up, or degraded only because some shards of a Redis Cluster
         * are out of reach (every node is, alike; the rooms on the other shards go on, and taking the nodes out of
         * the balancer would stop them too).
         */
        public boolean serving() {
            return up() || status.equals("DEGRADED") && redis.equals(Engine.Status.PARTIAL.name());
        }

    }

    private final ChatService chat;
    private final Engine engine;
    private final Instant startedAt;
    private volatile boolean stopping;

    public HealthServlet(ChatService chat, Engine engine, Instant startedAt) {
        this.chat = chat;
        this.engine = engine;
        this.startedAt = startedAt;
    }

    /** Shutdown has begun: health says so before any connection is closed, so balancers stop sending newcomers. */
    public void beginStopping() {
        stopping = true;
    }

    /** The node's health as of {@code now}. */
    public Health health(Instant now) {
        long uptime = Duration.between(startedAt, now).toSeconds();
        Engine.Status redis = engine.status();
        String status = stopping ? "STOPPING"
                : redis == Engine.Status.DOWN || redis == Engine.Status.PARTIAL ? "DEGRADED" : "UP";
        return new Health(status, VERSION, engine.node(), uptime, chat.memberCount(), chat.rooms().roomCount(),
                redis.name(), engine.unreachable());
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Health health = health(Instant.now());
        response.setStatus(health.serving() ? HttpServletResponse.SC_OK : HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        JSON.writeValue(response.getOutputStream(), health);
    }

    private static String readVersion() {
        Properties properties = new Properties();
        try (InputStream in = HealthServlet.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.getProperty("version", "unknown");
    }
}
