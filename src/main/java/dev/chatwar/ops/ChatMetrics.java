package dev.chatwar.ops;

import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.ErrorCode;
import dev.chatwar.room.ChatService;
import dev.chatwar.room.Telemetry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The chat's metrics in Prometheus format, through Micrometer. All names start with {@code chat_}; units are in the
 * names; labels carry only values the server chose (close and error codes, refusal reasons), never room names or
 * anything a client sent, so no client can grow the number of series.
 */
public final class ChatMetrics implements Telemetry, EngineTelemetry, AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

    private final Counter connectionsOpened;
    private final Counter messagesReceived;
    private final Counter deliveries;
    private final Counter bytesOut;
    private final Counter slowConsumers;
    private final Counter reaped;
    private final Counter resumes;
    private final DistributionSummary queueDepth;
    private final Timer broadcastDuration;
    private final Timer engineDuration;
    private final Counter engineFailures;
    private final Counter gapRepairs;
    private final Counter gapRepairedEvents;
    private final Counter leaseRenewals;
    private final Counter leaseExpiries;
    private final Counter evictedMembers;
    private final Counter probeFailures;
    private final Counter unreadableLines;
    private final Counter rollbacks;
    private final Counter repairRetries;
    private final Counter repairsGivenUp;
    private final Counter resendsRecognised;
    private final Map<Refusal, Counter> refusals = new EnumMap<>(Refusal.class);
    private final Counter sendsOnWriter;
    private final Counter sendsHandedOff;
    private final Counter sendsDirect;
    private final Map<String, Counter> moderations = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<CloseCode, Counter> closes = new EnumMap<>(CloseCode.class);
    private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);

    public ChatMetrics() {
        connectionsOpened = Counter.builder("chat.connections.opened").description("WebSocket connections opened")
                .register(registry);
        messagesReceived = Counter.builder("chat.messages.received")
                .description("Client messages accepted for a room").register(registry);
        deliveries = Counter.builder("chat.deliveries").description("Events written to a connection's socket")
                .register(registry);
        bytesOut = Counter.builder("chat.sent.bytes").baseUnit("bytes")
                .description("UTF-8 bytes of the frames written to sockets").register(registry);
        String sendsCompleted = "Sends of events whose completion came on the thread that sent (no hand-off; the"
                + " image's Tomcat executor) or later on another thread";
        sendsOnWriter = Counter.builder("chat.sends.completed").tag("where", "on_writer")
                .description(sendsCompleted).register(registry);
        sendsHandedOff = Counter.builder("chat.sends.completed").tag("where", "handed_off")
                .description(sendsCompleted).register(registry);
        sendsDirect = Counter.builder("chat.sends.direct")
                .description("Sends written straight to the socket, past the container's send path (Tomcat, plain TCP)")
                .register(registry);
        slowConsumers = Counter.builder("chat.slow.consumer.disconnects")
                .description("Connections closed because they did not read fast enough").register(registry);
        reaped = Counter.builder("chat.connections.reaped")
                .description("Connections the heartbeat ended because the container never reported them closed")
                .register(registry);
        resumes = Counter.builder("chat.resumes")
                .description("Reconnects that took over their member's place with its resume token").register(registry);
        queueDepth = DistributionSummary.builder("chat.outbound.queue.depth").baseUnit("frames")
                .description("Events waiting for a connection when its writer takes them for a send")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 64, 256, 1024, 4096).register(registry);
        broadcastDuration = Timer.builder("chat.broadcast.duration")
                .description("Time to encode a room event once and queue it for every local member")
                .serviceLevelObjectives(Duration.ofNanos(10_000), Duration.ofNanos(100_000), Duration.ofMillis(1),
                        Duration.ofMillis(10), Duration.ofMillis(100))
                .register(registry);
        engineDuration = Timer.builder("chat.engine.publish.duration")
                .description("Time for the engine (Redis, with CHAT_REDIS_URL) to order one of this node's events")
                .serviceLevelObjectives(Duration.ofNanos(100_000), Duration.ofMillis(1), Duration.ofMillis(5),
                        Duration.ofMillis(25), Duration.ofMillis(100), Duration.ofSeconds(1))
                .register(registry);
        engineFailures = Counter.builder("chat.engine.publish.failures")
                .description("Events the engine could not order (Redis unreachable): messages refused as unavailable,"
                        + " joins turned away")
                .register(registry);
        unreadableLines = Counter.builder("chat.engine.unreadable.lines")
                .description("Lines from other nodes this version cannot read (a newer node's, during a rolling"
                        + " upgrade): skipped, the first of each kind logged")
                .register(registry);
        gapRepairs = Counter.builder("chat.engine.gap.repairs")
                .description("Rooms whose events missed during a lost Redis subscription were read from history")
                .register(registry);
        gapRepairedEvents = Counter.builder("chat.engine.gap.repaired.events")
                .description("Events delivered from history after a lost Redis subscription").register(registry);
        rollbacks = Counter.builder("chat.engine.rollbacks")
                .description("Rooms in which Redis was found to have lost events this node delivered (restarted with"
                        + " older data, wiped, or failed over to a lagging replica); their members resynced")
                .register(registry);
        repairRetries = Counter.builder("chat.engine.gap.repair.retries")
                .description("Reads of what a lost Redis subscription missed that failed and were tried again")
                .register(registry);
        repairsGivenUp = Counter.builder("chat.engine.gap.repairs.given.up")
                .description("Rooms whose missed events could not be read back; their members resynced")
                .register(registry);
        resendsRecognised = Counter.builder("chat.messages.resends.recognised")
                .description("Messages sent again with a cid their sender already used within the resend window;"
                        + " not delivered again").register(registry);
        probeFailures = Counter.builder("chat.engine.probe.failures")
                .description("Redis connections that looked open but carried nothing, and were made anew")
                .register(registry);
        leaseRenewals = Counter.builder("chat.lease.renewals")
                .description("Renewals of this node's lease in the chat (with Redis)").register(registry);
        leaseExpiries = Counter.builder("chat.lease.expiries")
                .description("Other nodes this node declared dead because their leases ran out").register(registry);
        evictedMembers = Counter.builder("chat.lease.evicted.members")
                .description("Members of dead nodes this node took out of their rooms, each with a leave")
                .register(registry);
        for (Refusal reason : Refusal.values()) {
            refusals.put(reason, Counter.builder("chat.handshakes.refused").tag("reason", word(reason))
                    .description("Handshakes refused before the upgrade").register(registry));
        }
        for (CloseCode code : CloseCode.values()) {
            closes.put(code, Counter.builder("chat.server.closes").tag("code", String.valueOf(code.code()))
                    .tag("name", word(code)).description("Connections the server closed, by close code")
                    .register(registry));
        }
        for (String action : List.of("remove", "mute", "unmute", "kick", "ban", "unban")) {
            moderations.put(action, moderationCounter(action));
        }
        for (ErrorCode code : ErrorCode.values()) {
            errors.put(code, Counter.builder("chat.errors").tag("code", code.word())
                    .description("Error events sent to clients, by code").register(registry));
        }
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** Gauges read from the running chat at scrape time. */
    public void watch(ChatService chat, Engine engine) {
        Gauge.builder("chat.connections.open", chat, ChatService::memberCount)
                .description("Members connected to this node").register(registry);
        Gauge.builder("chat.rooms", chat, c -> c.rooms().roomCount())
                .description("Rooms with members on this node").register(registry);
        Gauge.builder("chat.cluster.members", engine, Engine::clusterMembers)
                .description("Members of every room on every node (with Redis: as of this node's last lease renewal)")
                .register(registry);
        if (engine.status() != Engine.Status.OFF) {
            Gauge.builder("chat.redis.connected", engine, e -> e.status() == Engine.Status.UP ? 1 : 0)
                    .description("1 while this node is up on Redis (connected, its lease held, the bans read), else 0")
                    .register(registry);
        }
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void connectionOpened() {
        connectionsOpened.increment();
    }

    @Override
    public void handshakeRefused(Refusal reason) {
        refusals.get(reason).increment();
    }

    @Override
    public void serverClosed(CloseCode code) {
        closes.get(code).increment();
        if (code == CloseCode.SLOW_CONSUMER) {
            slowConsumers.increment();
        }
    }

    @Override
    public void connectionReaped() {
        reaped.increment();
    }

    @Override
    public void resumed() {
        resumes.increment();
    }

    @Override
    public void messageReceived() {
        messagesReceived.increment();
    }

    /** The actions are the few words {@code Moderation} uses, so the tag's values stay bounded; each starts at 0. */
    @Override
    public void moderated(String action) {
        moderations.computeIfAbsent(action, this::moderationCounter).increment();
    }

    private Counter moderationCounter(String action) {
        return Counter.builder("chat.moderation.actions").description("Moderation actions taken, by action")
                .tag("action", action).register(registry);
    }

    @Override
    public void errorSent(ErrorCode code) {
        errors.get(code).increment();
    }

    @Override
    public void delivered(int events, int bytes) {
        deliveries.increment(events);
        bytesOut.increment(bytes);
    }

    @Override
    public void sendCompleted(boolean onSendingThread) {
        (onSendingThread ? sendsOnWriter : sendsHandedOff).increment();
    }

    @Override
    public void sentDirect() {
        sendsDirect.increment();
    }

    @Override
    public void queueDepth(int events) {
        queueDepth.record(events);
    }

    @Override
    public void engineOrdered(long nanos) {
        engineDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void engineFailed() {
        engineFailures.increment();
    }

    @Override
    public void gapRepaired(int events) {
        gapRepairs.increment();
        gapRepairedEvents.increment(events);
    }

    @Override
    public void rollbackDetected() {
        rollbacks.increment();
    }

    @Override
    public void repairRetried() {
        repairRetries.increment();
    }

    @Override
    public void repairGivenUp() {
        repairsGivenUp.increment();
    }

    @Override
    public void resendRecognised() {
        resendsRecognised.increment();
    }

    @Override
    public void probeFailed() {
        probeFailures.increment();
    }

    @Override
    public void unreadableLine() {
        unreadableLines.increment();
    }

    @Override
    public void leaseRenewed() {
        leaseRenewals.increment();
    }

    @Override
    public void nodeExpired(int members) {
        leaseExpiries.increment();
        evictedMembers.increment(members);
    }

    @Override
    public void broadcast(long nanos) {
        broadcastDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Unhooks the GC listeners, so an undeployed WAR leaves nothing registered with the JVM. */
    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }

    private static String word(Enum<?> value) {
        return value.name().toLowerCase(java.util.Locale.ROOT);
    }
}
