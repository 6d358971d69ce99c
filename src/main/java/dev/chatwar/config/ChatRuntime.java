package dev.chatwar.config;

import dev.chatwar.endpoint.ConnectionLimits;
import dev.chatwar.endpoint.Heartbeat;
import dev.chatwar.endpoint.Writers;
import dev.chatwar.ops.ChatMetrics;
import dev.chatwar.room.ChatService;
import dev.chatwar.room.Telemetry;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The running chat of this web application. The container creates endpoints, configurators and servlets itself and
 * gives endpoints no deployment context (and plain Tomcat has no CDI), so this holder, set once by
 * {@link ChatBootstrap}, is the one static way in.
 */
public final class ChatRuntime {
    private static volatile ChatRuntime current;

    private final ChatConfig config;
    private final ChatService chat;
    private final ScheduledExecutorService controlFrames;
    private final Writers writers;
    private final ChatMetrics metrics;
    private final ConnectionLimits limits;
    private final Heartbeat heartbeat;
    private final Instant startedAt = Instant.now();
    private volatile boolean stopping;

    /**
     * @param controlFrames runs the writes the API only offers blocking, closes and pings, which may wait for a slow
     *                      peer, away from the threads that deliver
     * @param writers       the threads that write to sockets
     */
    ChatRuntime(ChatConfig config, ChatService chat, ScheduledExecutorService controlFrames, Writers writers,
                ChatMetrics metrics) {
        this.config = config;
        this.chat = chat;
        this.controlFrames = controlFrames;
        this.writers = writers;
        this.metrics = metrics;
        this.limits = new ConnectionLimits(config.maxConnectionsPerAddress(), config.maxConnections(),
                config.ipv6PrefixLength(), new ConnectionLimits.Shared() {
                    @Override
                    public CompletionStage<String> connect(String client, int limit) {
                        return chat.engine().connect(client, limit);
                    }

                    @Override
                    public void disconnect(String client, String receipt) {
                        chat.engine().disconnect(client, receipt);
                    }
                });
        this.heartbeat = new Heartbeat(config.pingMillis(), config.idleTimeoutMillis(), config.sendTimeoutMillis(),
                metrics);
    }

    public static ChatRuntime get() {
        ChatRuntime runtime = current;
        if (runtime == null) {
            throw new IllegalStateException("the chat is not running (ChatBootstrap did not start or has stopped)");
        }
        return runtime;
    }

    /** The running chat, or null while starting or after it stopped. */
    public static ChatRuntime orNull() {
        return current;
    }

    static void install(ChatRuntime runtime) {
        current = runtime;
    }

    static void uninstall() {
        current = null;
    }

    public ChatConfig config() {
        return config;
    }

    public ChatService chat() {
        return chat;
    }

    public ScheduledExecutorService controlFrames() {
        return controlFrames;
    }

    public Writers writers() {
        return writers;
    }

    public ChatMetrics metrics() {
        return metrics;
    }

    public ConnectionLimits limits() {
        return limits;
    }

    public Heartbeat heartbeat() {
        return heartbeat;
    }

    public Telemetry telemetry() {
        return metrics;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** True once shutdown has begun: health reports it before any connection is closed. */
    public boolean stopping() {
        return stopping;
    }

    void beginStopping() {
        stopping = true;
    }
}
