package dev.chatwar.endpoint;

import dev.chatwar.config.ChatConfig;
import dev.chatwar.config.ChatRuntime;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.room.JoinRefusedException;
import dev.chatwar.room.Member;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The WebSocket face of the chat: turns a session into a {@link Member} and its frames into calls on the chat
 * service. One instance per connection; its fields are that connection's state and nothing is shared through them.
 */
@ServerEndpoint(value = "/chat", configurator = OriginConfigurator.class)
public class ChatEndpoint {
    private static final System.Logger LOG = System.getLogger(ChatEndpoint.class.getName());
    /** The largest frame accepted, in bytes of UTF-8. Containers count differently, so it is checked here too. */
    static final int MAX_FRAME_BYTES = 64 * 1024;
    /** Tomcat lets a blocking write (the close frame) wait this long for a peer that does not read. */
    private static final String TOMCAT_BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

    private ChatRuntime runtime;
    private OutboundQueue queue;
    private Member member;

    @OnOpen
    public void onOpen(Session session) {
        runtime = ChatRuntime.get();
        ChatConfig config = runtime.config();
        session.getUserProperties().put(TOMCAT_BLOCKING_SEND_TIMEOUT, Math.min(config.sendTimeoutMillis(), 5_000L));
        queue = new OutboundQueue(config.queueMaxFrames(), config.queueMaxChars(),
                q -> new SessionTransport(session, q, runtime.closer(), config.sendTimeoutMillis()));
        Object address = session.getUserProperties().get(OriginConfigurator.ADDRESS);
        if (address == null) {
            LOG.log(Level.ERROR, "no client address for a handshake: is HandshakeCaptureFilter mapped to /chat?");
            SessionTransport.closeNow(session, CloseCode.SERVER_ERROR, "client address unknown");
            return;
        }
        try {
            member = runtime.chat().join(parameter(session, "room"), parameter(session, "name"), (String) address,
                    queue);
        } catch (JoinRefusedException e) {
            SessionTransport.closeNow(session, CloseCode.POLICY_VIOLATION, e.getMessage());
        }
    }

    @OnMessage(maxMessageSize = MAX_FRAME_BYTES)
    public void onText(String frame) {
        if (member == null) {
            return;
        }
        if (utf8LengthExceeds(frame, MAX_FRAME_BYTES)) {
            queue.close(CloseCode.TOO_BIG, "frame over " + MAX_FRAME_BYTES + " bytes");
            return;
        }
        runtime.chat().receive(member, frame);
    }

    @OnMessage(maxMessageSize = MAX_FRAME_BYTES)
    public void onBinary(ByteBuffer frame) {
        if (queue != null) {
            queue.close(CloseCode.BINARY_NOT_SUPPORTED, "binary frames are not supported; send JSON text");
        }
    }

    @OnClose
    public void onClose(CloseReason reason) {
        if (queue != null) {
            queue.discard();
        }
        if (member != null) {
            runtime.chat().leave(member);
            member = null;
        }
    }

    /** A peer that went away is routine; anything else is a fault worth a warning with its cause. */
    @OnError
    public void onError(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof EOFException || root instanceof IOException) {
            LOG.log(Level.DEBUG, "connection of {0} ended: {1}", member, root.toString());
        } else {
            LOG.log(Level.WARNING, "fault on the connection of " + member, error);
        }
    }

    private static String parameter(Session session, String name) {
        List<String> values = session.getRequestParameterMap().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Exact, and cheap for the usual short frame: a char takes 1 to 3 bytes, a surrogate pair 4 for 2 chars. */
    static boolean utf8LengthExceeds(String text, int limit) {
        if (text.length() > limit) {
            return true;
        }
        if ((long) text.length() * 3 <= limit) {
            return false;
        }
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return bytes > limit;
    }
}
