package dev.chatwar.endpoint;

import dev.chatwar.protocol.CloseCode;
import dev.chatwar.room.Telemetry;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * An {@link OutboundQueue}'s way to one WebSocket session: asynchronous sends with one reused completion handler.
 * Closes and pings run on a separate executor: the API offers them only as blocking calls, which wait for a peer
 * that does not read (up to the container's blocking-send timeout), and they must not hold up a writer thread, whose
 * other connections would wait too, nor the heartbeat.
 */
final class SessionTransport implements OutboundQueue.Transport {
    private static final System.Logger LOG = System.getLogger(SessionTransport.class.getName());
    /** A close reason may carry at most 123 bytes of UTF-8 (RFC 6455, 5.5). */
    private static final int MAX_REASON_BYTES = 123;

    private final Session session;
    private final RemoteEndpoint.Async remote;
    private final SendHandler completion;
    private final Executor controlFrames;
    private final Telemetry telemetry;

    /**
     * No container send timeout is set: Tomcat keeps timed sends in a set watched by a thread it starts when the set
     * becomes non-empty and stops when it empties, so with one send at a time it started and stopped a thread for
     * almost every frame. {@link Heartbeat} enforces {@code CHAT_SEND_TIMEOUT_SECONDS} instead.
     */
    SessionTransport(Session session, OutboundQueue queue, Executor controlFrames, Telemetry telemetry) {
        this.session = session;
        this.remote = session.getAsyncRemote();
        this.completion = result -> queue.sent(result.isOK() ? null : result.getException());
        this.controlFrames = controlFrames;
        this.telemetry = telemetry;
    }

    @Override
    public void send(String frame) {
        try {
            remote.sendText(frame, completion);
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
        try {
            remote.sendPing(ByteBuffer.allocate(0)); // blocking in every container we know
        } catch (IOException | RuntimeException e) {
            completion.onResult(new jakarta.websocket.SendResult(e));
            return;
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
