package dev.chatwar.app;

import dev.chatwar.admission.ConnectionLimits;
import dev.chatwar.api.ApiServlet;
import dev.chatwar.admission.HandshakeFilter;
import dev.chatwar.admission.OriginConfigurator;
import dev.chatwar.config.ChatConfig;
import dev.chatwar.config.ConfigException;
import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EventIds;
import dev.chatwar.engine.InMemoryEngine;
import dev.chatwar.engine.redis.RedisEngine;
import dev.chatwar.ops.ChatMetrics;
import dev.chatwar.ops.HealthServlet;
import dev.chatwar.ops.MetricsServlet;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.room.ChatService;
import dev.chatwar.room.RoomRegistry;
import dev.chatwar.threads.OwnedThreads;
import dev.chatwar.transport.EndpointContext;
import dev.chatwar.transport.Heartbeat;
import dev.chatwar.transport.ReceiveBuffers;
import dev.chatwar.transport.Writers;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.annotation.WebListener;
import jakarta.websocket.server.ServerContainer;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The composition root: reads the configuration (a bad value stops the deployment here, naming the setting), builds
 * the chat, registers the handshake filter and the ops servlets as instances, installs what the container-created
 * endpoint and configurator read, and takes it all down again on undeploy. The only class that knows every package.
 */
@WebListener
public final class ChatBootstrap implements ServletContextListener {
    private static final System.Logger LOG = System.getLogger(ChatBootstrap.class.getName());
    /** How long a graceful stop waits for its members' leaves to be ordered before it closes them anyway. */
    private static final Duration LEAVES_ON_STOP = Duration.ofSeconds(5);

    private final OwnedThreads controlThreads = new OwnedThreads("chat-control-");
    /** What runs, once started; null before and after. */
    private volatile Running running;

    /** Everything a stop takes down, in the order it does. */
    private record Running(HealthServlet health, Heartbeat heartbeat, ChatService chat,
                           ScheduledExecutorService controlFrames, Writers writers, Engine engine,
                           ChatMetrics metrics) {
    }

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        ChatConfig config;
        try {
            config = ChatConfig.load(name -> lookup(context, name));
        } catch (ConfigException e) {
            LOG.log(Level.ERROR, "chat not started, bad setting: {0}", e.getMessage());
            throw e;
        }
        if (config.allowedOrigins().allowsAnyOrigin()) {
            LOG.log(Level.WARNING, "CHAT_ALLOWED_ORIGINS=*: pages of any site may open chat connections");
        }
        Clock clock = Clock.systemUTC();
        FrameCodec codec = new FrameCodec();
        ChatMetrics metrics = new ChatMetrics();
        Engine engine = config.usesRedis()
                ? new RedisEngine(config.redisUrl(), config.redisPrefix(), config.historySize(),
                        config.historyTtlSeconds(), Duration.ofSeconds(config.nodeTimeoutSeconds()),
                        Duration.ofSeconds(config.resendWindowSeconds()), codec, metrics)
                : new InMemoryEngine(config.historySize(), config.historyRooms(), new EventIds(clock),
                        Duration.ofSeconds(config.resendWindowSeconds()), clock);
        // Rounds run on the delivering thread: a round is what arrives while the room's last fan-out still holds it.
        // Handing rounds to a writer thread made larger rounds but doubled latency at N=1,000 (each round waited for
        // the previous one's sends), and the writers already send each member everything pending in one frame.
        RoomRegistry rooms = new RoomRegistry(engine, codec, clock, metrics, config.presenceLimit(),
                room -> Runnable::run);
        ConnectionLimits.Shared shared = new ConnectionLimits.Shared() {
            @Override
            public CompletionStage<String> connect(String client, int limit) {
                return engine.connect(client, limit);
            }

            @Override
            public void disconnect(String client, String receipt) {
                engine.disconnect(client, receipt);
            }
        };
        ConnectionLimits limits = new ConnectionLimits(config.maxConnectionsPerAddress(), config.maxConnections(),
                config.ipv6PrefixLength(), shared);
        ChatService chat = new ChatService(rooms, engine, codec, clock, config.maxMessageChars(), metrics,
                limits::clientOf);
        metrics.watch(chat, engine);

        ScheduledExecutorService controlFrames = controlFrames();
        Writers writers = new Writers(Runtime.getRuntime().availableProcessors());
        Heartbeat heartbeat = new Heartbeat(config.pingMillis(), config.idleTimeoutMillis(),
                config.sendTimeoutMillis(), metrics);
        EndpointContext.install(new EndpointContext(config, chat, metrics, controlFrames, writers, heartbeat));
        ReceiveBuffers.fit((ServerContainer) context.getAttribute(ServerContainer.class.getName()));
        OriginConfigurator.install(new OriginConfigurator.Policy(config.allowedOrigins(), config.permessageDeflate(),
                metrics));
        // Ahead of every other filter, so it also precedes the container's upgrade filter.
        context.addFilter("chat-handshake", new HandshakeFilter(config.clientAddress(), limits, config.tokens(),
                        config.tokenRequired(), config.privateRooms(), metrics, chat.moderation()))
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/chat");
        HealthServlet health = new HealthServlet(chat, engine, Instant.now());
        ServletRegistration.Dynamic healthRegistration = context.addServlet("chat-health", health);
        healthRegistration.addMapping("/health");
        healthRegistration.setLoadOnStartup(1);
        context.addServlet("chat-metrics", new MetricsServlet(metrics, config.metricsToken())).addMapping("/metrics");
        context.addServlet("chat-api", new ApiServlet(chat.moderation(), engine, codec, config.historySize(),
                config.apiKey(), config.apiLogins(), config.apiRatePerSecond())).addMapping("/api/*");
        running = new Running(health, heartbeat, chat, controlFrames, writers, engine, metrics);
        LOG.log(Level.INFO, "chat started: node {0}, endpoint {1}/chat, origins: {2}, engine: {3}", engine.node(),
                context.getContextPath(), config.allowedOrigins(),
                config.usesRedis() ? "Redis, prefix " + config.redisPrefix() : "in memory");
        if (config.apiEnabled()) {
            LOG.log(Level.INFO, "server API on at {0}/api/ ({1})", context.getContextPath(),
                    !config.apiKey().isEmpty() && config.apiLogins() ? "key and logins"
                            : config.apiLogins() ? "logins with the role " + ApiServlet.ROLE : "key");
        }
    }

    /**
     * Graceful stop: health turns 503, every member still connected leaves (the other nodes' members see each leave at
     * once) and gets 1001 (going away), the closes finish, and nothing of ours is left running or registered.
     * (Tomcat's WebSocket listener stops first and closes its sessions itself; other containers may leave that to us.)
     */
    @Override
    public void contextDestroyed(ServletContextEvent event) {
        Running stopping = running;
        if (stopping == null) {
            return;
        }
        running = null;
        stopping.health().beginStopping();
        stopping.heartbeat().close();
        stopping.chat().shutdown(LEAVES_ON_STOP);
        stopping.controlFrames().shutdown();
        try {
            if (!stopping.controlFrames().awaitTermination(10, TimeUnit.SECONDS)) {
                stopping.controlFrames().shutdownNow();
            }
            controlThreads.awaitEnded(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopping.writers().close();
        stopping.engine().close();
        stopping.metrics().close();
        EndpointContext.uninstall();
        OriginConfigurator.uninstall();
        LOG.log(Level.INFO, "chat stopped");
    }

    /** Environment variable, then system property, then context-param: the first that is set. */
    static String lookup(ServletContext context, String name) {
        String value = System.getenv(name);
        if (value == null) {
            value = System.getProperty(name);
        }
        return value != null ? value : context.getInitParameter(name);
    }

    /**
     * Closes and pings (and abandons, after a grace). Few threads, created on demand and gone when idle, so an idle
     * chat holds none.
     */
    private ScheduledExecutorService controlFrames() {
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(4, controlThreads);
        pool.setKeepAliveTime(5, TimeUnit.SECONDS);
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
