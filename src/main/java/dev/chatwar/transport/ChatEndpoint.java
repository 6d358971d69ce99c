package dev.chatwar.transport;

import dev.chatwar.admission.FloodGuard;
import dev.chatwar.admission.HandshakeFilter;
import dev.chatwar.admission.OriginConfigurator;

import dev.chatwar.config.ChatConfig;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.ErrorCode;
import dev.chatwar.protocol.Packing;
import dev.chatwar.room.JoinRefusedException;
import dev.chatwar.room.JoinRequest;
import dev.chatwar.room.Member;
import dev.chatwar.room.Telemetry;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.List;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.RejectedExecutionException;

/**
 * The WebSocket face of the chat: turns a session into a {@link Member} and its frames into calls on the chat
 * service. One instance per connection; its fields are that connection's state and nothing is shared through them.
 * How it ends, whoever notices first, is a {@link Departure}.
 */
@ServerEndpoint(value = "/chat", configurator = OriginConfigurator.class)
public class ChatEndpoint {
    private static final System.Logger LOG = System.getLogger(ChatEndpoint.class.getName());
    /** The largest frame accepted, in bytes of UTF-8; checked here ({@link TextAssembler}) on every container. */
    static final int MAX_FRAME_BYTES = 64 * 1024;
    /**
     * The container's send buffer, which a packed text frame must fit where the container's send path writes it
     * ({@link Packing}): Tomcat's, 8 KiB unless its system property says otherwise (the image sets 512 bytes).
     */
    static final int CONTAINER_BUFFER = Integer.getInteger("org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE", 8192);
    /**
     * How long the place of a member whose token expired is kept for its page to come back with a new token: the
     * page asks the embedding application for one and reconnects at once, so this covers a slow token service.
     */
    static final Duration TOKEN_RENEWAL_GRACE = Duration.ofSeconds(30);

    private EndpointContext runtime;
    private OutboundQueue queue;
    private Executor writer;
    private FloodGuard floodGuard;
    private final TextAssembler text = new TextAssembler(MAX_FRAME_BYTES);
    private Heartbeat.Pulse pulse;
    /** Read by {@link #leave}, which may run on a control-frame thread. */
    private volatile HandshakeFilter.Handshake handshake;
    private volatile Member member;
    private final Departure departure = new Departure(this::leaveRoom, this::forget);
    private long openedAt;
    /** Closes the connection when its token expires; null without a token. */
    private volatile ScheduledFuture<?> expiry;
    /** Set when the token expired: the member steps away (its place kept a while) instead of leaving. */
    private volatile boolean tokenExpired;

    @OnOpen
    public void onOpen(Session session) {
        runtime = EndpointContext.get();
        openedAt = System.nanoTime();
        ChatConfig config = runtime.config();
        Telemetry telemetry = runtime.telemetry();
        telemetry.connectionOpened();
        writer = runtime.writers().assign();
        boolean binary = "1".equals(parameter(session, "binary"));
        DirectWrite.Route direct = config.directWrite() ? DirectWrite.find(session) : null;
        queue = new OutboundQueue(config.queueMaxFrames(), config.queueMaxBytes(),
                Packing.forClient("1".equals(parameter(session, "batch")), binary, direct != null, CONTAINER_BUFFER),
                telemetry, writer, this::leaveSoon, q -> new SessionTransport(session, q, runtime.controlFrames(),
                        telemetry, Math.min(config.sendTimeoutMillis(), 5_000L), binary, direct));
        floodGuard = new FloodGuard(config.ratePerSecond(), config.rateBurst(), openedAt);
        handshake = (HandshakeFilter.Handshake) session.getUserProperties().get(OriginConfigurator.HANDSHAKE);
        pulse = runtime.heartbeat().register(queue, session::isOpen, () -> reap(session));
        if (handshake == null) {
            LOG.log(Level.ERROR, "no client address for a handshake: is HandshakeFilter mapped to /chat?");
            SessionTransport.closeNow(session, CloseCode.SERVER_ERROR, "client address unknown", telemetry);
            return;
        }
        if (handshake.user() != null) {
            expireAt(handshake.user().expiresAt());
        }
        // A token's user comes first: the operator's application vouches for it; else the container's login, if any.
        String principal = handshake.user() != null ? handshake.user().name()
                : (String) session.getUserProperties().get(OriginConfigurator.PRINCIPAL);
        try {
            runtime.chat().admit(new JoinRequest(parameter(session, "room"), parameter(session, "name"),
                            handshake.address(), principal, parameter(session, "since"), parameter(session, "resume"),
                            handshake.user() != null ? "t:" + handshake.user().subject()
                                    : principal == null ? null : "c:" + principal, handshake.moderator()), queue)
                    .thenAccept(joined -> admitted(joined, principal));
        } catch (JoinRefusedException e) {
            LOG.log(Level.INFO, "refused {0}: {1}", handshake.address(), e.getMessage());
            SessionTransport.closeNow(session, CloseCode.POLICY_VIOLATION, e.getMessage(), telemetry);
        }
    }

    /** Once the engine entered the member into its room (at once in memory); null when it could not. */
    private void admitted(Member joined, String principal) {
        if (joined == null) {
            return; // its connection is being closed with 1013
        }
        member = joined;
        if (departure.hasLeft()) { // the connection ended while joining (closed, or its welcome overflowed): leave
            runtime.chat().leave(joined);
        }
        LOG.log(Level.INFO, "open {0} room={1} name={2}{3}", handshake.address(), joined.room(),
                joined.user().name(), handshake.user() != null ? " (token)" : principal == null ? ""
                        : " (authenticated)");
    }

    /** Text comes in parts (see {@link TextAssembler} for why); a chat frame is nearly always one part. */
    @OnMessage
    public void onText(String part, boolean last) {
        if (member == null) {
            return;
        }
        long now = System.nanoTime();
        pulse.touch(now);
        switch (text.add(part, last)) {
            case MORE -> {
                // wait for the rest
            }
            case TOO_BIG -> queue.close(CloseCode.TOO_BIG, "frame over " + MAX_FRAME_BYTES + " bytes");
            case WHOLE -> onFrame(text.take(), now);
        }
    }

    private void onFrame(String frame, long now) {
        switch (floodGuard.check(now)) {
            case REFUSE -> {
                runtime.chat().refuse(member, ErrorCode.RATE_LIMITED,
                        "more than " + runtime.config().ratePerSecond() + " messages a second; this one was dropped");
                return;
            }
            case CLOSE -> {
                queue.close(CloseCode.POLICY_VIOLATION, "flooding: too many messages");
                return;
            }
            case ALLOW -> {
                // carry on
            }
        }
        runtime.chat().receive(member, frame);
    }

    @OnMessage
    public void onPong(PongMessage pong) {
        if (pulse != null) {
            pulse.touch(System.nanoTime());
        }
    }

    @OnMessage(maxMessageSize = MAX_FRAME_BYTES)
    public void onBinary(ByteBuffer frame) {
        if (queue != null) {
            queue.close(CloseCode.BINARY_NOT_SUPPORTED, "binary frames are not supported; send JSON text");
        }
    }

    @OnClose
    public void onClose(CloseReason reason) {
        Member gone = member;
        if (queue != null && departure.end() && gone != null) {
            LOG.log(Level.INFO, "close {0} room={1} name={2} after {3} s, code {4}", handshake.address(), gone.room(),
                    gone.user().name(), String.format("%.1f", (System.nanoTime() - openedAt) / 1e9),
                    String.valueOf(reason.getCloseCode().getCode()));
        }
    }

    /**
     * A close was requested. The queue says so holding no lock of its own, but possibly a room's (an overflow is
     * found while a room queues a broadcast), so the leaving itself runs on the connection's writer thread (not on a
     * control-frame thread, where it could wait behind blocking pings).
     */
    private void leaveSoon() {
        try {
            writer.execute(departure::leave);
        } catch (RejectedExecutionException e) { // the chat is stopping; no room is being written to any more
            departure.leave();
        }
    }

    private void leaveRoom() {
        HandshakeFilter.Handshake admitted = handshake;
        if (admitted != null) {
            admitted.reservation().release();
        }
        Member gone = member;
        if (gone != null) {
            if (tokenExpired) {
                runtime.chat().stepAway(gone, TOKEN_RENEWAL_GRACE, runtime.controlFrames());
            } else {
                runtime.chat().leave(gone);
            }
        }
    }

    /** Closes the connection with {@link CloseCode#TOKEN_EXPIRED} when its token runs out. */
    private void expireAt(Instant expiresAt) {
        long delay = Math.max(0, Duration.between(Instant.now(), expiresAt).toMillis());
        try {
            expiry = runtime.controlFrames().schedule(() -> {
                tokenExpired = true;
                queue.close(CloseCode.TOKEN_EXPIRED, "token expired; reconnect with a new one");
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // the chat is stopping; the connection is closed with 1001 anyway
        }
    }

    private void forget() {
        ScheduledFuture<?> pending = expiry;
        if (pending != null) {
            pending.cancel(false);
        }
        queue.discard();
        runtime.heartbeat().unregister(pulse);
    }

    /** The reaper's way: end it, and close the session the container forgot, so it lets go of its socket too. */
    private boolean reap(Session session) {
        if (!departure.end()) {
            return false;
        }
        try {
            runtime.controlFrames().execute(() -> SessionTransport.abandonNow(session, "reaped"));
        } catch (RejectedExecutionException e) {
            SessionTransport.abandonNow(session, "reaped");
        }
        return true;
    }

    /**
     * A peer that went away is routine, and so is anything on a connection that is already ending; anything else is a
     * fault worth a warning with its cause.
     */
    @OnError
    public void onError(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof IOException || departure.hasLeft()) {
            LOG.log(Level.DEBUG, "connection of {0} ended: {1}", member, root.toString());
        } else {
            LOG.log(Level.WARNING, "fault on the connection of " + member, error);
        }
    }

    private static String parameter(Session session, String name) {
        List<String> values = session.getRequestParameterMap().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
