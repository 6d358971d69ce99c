package dev.chatwar.transport;

import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.Frame;
import dev.chatwar.room.Telemetry;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An {@link OutboundQueue}'s way to one WebSocket session: asynchronous sends with one reused completion handler.
 * Closes and pings run on a separate executor: the API offers them only as blocking calls, which wait for a peer
 * that does not read (up to the container's blocking-send timeout), and they must not hold up a writer thread, whose
 * other connections would wait too, nor the heartbeat.
 *
 * <p>Tomcat's blocking-send timeout ({@value #TOMCAT_BLOCKING_SEND_TIMEOUT}, a session property read at each blocking
 * send) is kept at {@link #CLOSE_REPLY_MILLIS} and raised only around our own pings. The reason is Tomcat's reply to
 * a client's close frame (Tomcat 10.1 and 11, {@code WsSession.onClose} then {@code sendCloseMessage}): a blocking
 * send, made on the container thread that read the close, which first waits for the session's asynchronous send in
 * flight. That send's completion is handed to the same container executor ({@code WsRemoteEndpointImplServer
 * .clearHandler} dispatches it), so when many clients close at once every container thread waits for a completion
 * queued behind them, spinning ({@code acquireMessagePartInProgressSemaphore}: {@code Thread.yield}) until the
 * timeout. With 5 s, a wave of 2,000 closes held all 200 threads and no newcomer was served for tens of seconds; with
 * a short budget a reply that meets a send in flight gives up at once, and Tomcat closes that connection without
 * the echo. A ping never waits on a dispatched completion (the queue sends it only when nothing is in flight, and a
 * blocking send completes on its own thread), so its longer budget cannot starve the executor.
 */
final class SessionTransport implements OutboundQueue.Transport {
    private static final System.Logger LOG = System.getLogger(SessionTransport.class.getName());
    /** A close reason may carry at most 123 bytes of UTF-8 (RFC 6455, 5.5). */
    private static final int MAX_REASON_BYTES = 123;
    static final String TOMCAT_BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";
    /** How long Tomcat's reply to a client's close may wait for the send in flight (its own is 50 ms for others). */
    static final long CLOSE_REPLY_MILLIS = 20;
    /**
     * How long an abandoned connection is left to the container before the chat closes its session. A send fails when
     * the peer is gone, and also when its close frame arrived while our send was in flight: the container is then
     * finishing its own closing handshake, and closing the session across it left Undertow (WildFly 39) holding the
     * TCP connection open, echo unsent, for good (2 of a wave of 2,000 in ChurnIT). After this grace a session still
     * open is one the container forgot (Tomcat after a failed write), and is closed.
     */
    static final long ABANDON_GRACE_MILLIS = 500;

    private final Session session;
    private final RemoteEndpoint.Async remote;
    private final SendHandler completion;
    private final ScheduledExecutorService controlFrames;
    private final Telemetry telemetry;
    private final Long pingMillis;
    private final boolean binary;
    /** The way past the container's send path, where there is one and it is allowed; else null. */
    private final DirectWrite direct;

    /**
     * No container send timeout is set: Tomcat keeps timed sends in a set watched by a thread it starts when the set
     * becomes non-empty and stops when it empties, so with one send at a time it started and stopped a thread for
     * almost every frame. {@link Heartbeat} enforces {@code CHAT_SEND_TIMEOUT_SECONDS} instead.
     */
    SessionTransport(Session session, OutboundQueue queue, ScheduledExecutorService controlFrames,
                     Telemetry telemetry, long pingMillis, boolean binary, DirectWrite.Route directRoute) {
        this.binary = binary;
        this.session = session;
        this.pingMillis = pingMillis;
        session.getUserProperties().put(TOMCAT_BLOCKING_SEND_TIMEOUT, CLOSE_REPLY_MILLIS);
        this.remote = session.getAsyncRemote();
        this.completion = result -> queue.sent(result.isOK() ? null : result.getException());
        this.controlFrames = controlFrames;
        this.telemetry = telemetry;
        this.direct = directRoute == null ? null : new DirectWrite(directRoute, session, binary, queue::sent);
    }

    /**
     * Text, or for a client that asked for binary frames the frame's UTF-8 bytes, made once per frame and shared by
     * every recipient: the container then writes them as they are, where it encodes a text again for each session.
     * Where it can ({@link DirectWrite}), the whole frame, made once too, goes straight to the socket instead; when
     * it cannot take this one (Tomcat is writing a control frame), a packed text frame larger than Tomcat's buffer
     * leaves here in fragments, which the client joins (RFC 6455, 5.4).
     */
    @Override
    public void send(Frame frame) {
        if (direct != null && direct.trySend(frame)) {
            telemetry.sentDirect();
            return;
        }
        try {
            if (binary) {
                remote.sendBinary(ByteBuffer.wrap(frame.utf8()), completion);
            } else {
                remote.sendText(frame.text(), completion);
            }
        } catch (RuntimeException e) { // the session closed under us
            completion.onResult(new jakarta.websocket.SendResult(e));
        }
    }

    /** Called by the queue's writer when no other frame is in flight; the ping itself is written elsewhere. */
    @Override
    public void sendPing() {
        try {
            controlFrames.execute(this::pingNow);
        } catch (RejectedExecutionException e) { // shutting down
            completion.onResult(new jakarta.websocket.SendResult(new IOException("the chat is stopping", e)));
        }
    }

    private void pingNow() {
        Map<String, Object> properties = session.getUserProperties();
        properties.put(TOMCAT_BLOCKING_SEND_TIMEOUT, pingMillis);
        try {
            remote.sendPing(ByteBuffer.allocate(0)); // blocking in every container we know
        } catch (IOException | RuntimeException e) {
            completion.onResult(new jakarta.websocket.SendResult(e));
            return;
        } finally {
            properties.put(TOMCAT_BLOCKING_SEND_TIMEOUT, CLOSE_REPLY_MILLIS);
        }
        completion.onResult(new jakarta.websocket.SendResult());
    }

    @Override
    public void close(CloseCode code, String reason) {
        Runnable close = () -> closeNow(session, code, reason, telemetry);
        try {
            controlFrames.execute(close);
        } catch (RejectedExecutionException e) { // shutting down: close on this thread
            close.run();
        }
    }

    /** A rest of a direct write still with Tomcat's wrapper would never complete now. */
    @Override
    public void connectionClosed() {
        if (direct != null) {
            direct.abandon();
        }
    }

    @Override
    public void abandon(String reason) {
        Runnable abandon = () -> abandonNow(session, reason);
        try {
            controlFrames.schedule(abandon, ABANDON_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) { // shutting down
            abandon.run();
        }
    }

    /**
     * Closes the container's session of a connection that is gone, so the container lets go of its socket and buffers
     * and calls {@code @OnClose}; nothing can reach the peer any more, so this is no close of ours (not counted).
     */
    static void abandonNow(Session session, String reason) {
        LOG.log(Level.DEBUG, "abandoning {0}: {1}", session.getId(), reason);
        try {
            if (session.isOpen()) {
                session.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "connection lost"));
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "abandoned connection did not close cleanly", e);
        }
    }

    static void closeNow(Session session, CloseCode code, String reason, Telemetry telemetry) {
        try {
            if (session.isOpen()) {
                telemetry.serverClosed(code);
                LOG.log(code == CloseCode.SLOW_CONSUMER ? Level.INFO : Level.DEBUG, "closing {0} with {1} {2}: {3}",
                        session.getId(), String.valueOf(code.code()), code, reason);
                session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code.code()), clip(reason)));
            }
        } catch (IOException | IllegalStateException e) {
            LOG.log(Level.DEBUG, "close of a connection that was going away anyway", e);
        }
    }

    static String clip(String reason) {
        byte[] utf8 = reason.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= MAX_REASON_BYTES) {
            return reason;
        }
        int end = reason.length();
        while (reason.substring(0, end).getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
            end = reason.offsetByCodePoints(end, -1);
        }
        return reason.substring(0, end);
    }
}
