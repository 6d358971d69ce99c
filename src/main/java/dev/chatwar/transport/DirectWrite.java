package dev.chatwar.transport;

import dev.chatwar.protocol.Frame;
import jakarta.websocket.Session;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.CompletionHandler;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A send that skips Tomcat's WebSocket send path: the frame, made once for every recipient ({@link Frame#wire}), is
 * written straight to the connection's socket from the writer thread. Tomcat's path allocates about a dozen objects
 * per send (its message part, state machine, completion handlers, write operation: 300–400 bytes in all) and takes
 * several µs of CPU; this one allocates one buffer view. Under load that is most of what the chat allocates per
 * delivery, and so most of its young collections.
 *
 * <p>Only where it is known to be safe, found once per connection and otherwise left to the portable path: Tomcat 10.1
 * or 11 with its NIO connector over plain TCP (not TLS: Tomcat encrypts inside its channel; not NIO2), and no
 * extension negotiated (permessage-deflate transforms each frame). Anything unexpected in Tomcat's classes turns it
 * off for that connection, and {@code CHAT_DIRECT_WRITE=false} turns it off entirely.
 *
 * <p>Rules, each one Tomcat's own:
 * <ul>
 *   <li>Every write to the socket holds Tomcat's {@code messagePartInProgress} permit, as Tomcat's own writes (pings,
 *   pongs, close frames) do, so no two frames ever interleave. The permit is only tried, never waited for: when
 *   Tomcat holds it, the frame takes the portable path, which queues behind Tomcat's part.</li>
 *   <li>No frame after a close frame: once the permit is held, Tomcat's send path must not be closed (Tomcat sets
 *   that under the permit as its close frame goes out, and refuses its own sends from then on) and the session must
 *   be open.</li>
 *   <li>No thread waits for a peer: the socket is non-blocking. What the socket does not take at once (a reader that
 *   is behind) goes to Tomcat's socket wrapper as an asynchronous write of the rest, the same one Tomcat's send path
 *   makes, which its poller completes when the peer reads; the permit is released and the queue told then.</li>
 * </ul>
 * The outcome is reported to the queue exactly once, through {@code sent}, as for the portable path. The permit is
 * released directly, not through Tomcat's send path, which would also start an asynchronous send queued behind it:
 * so every send of the session's must come through here or through {@code SessionTransport}'s one send at a time,
 * never another {@code getAsyncRemote()} send, and the session must not batch.
 */
final class DirectWrite implements CompletionHandler<Long, Void> {
    private static final System.Logger LOG = System.getLogger(DirectWrite.class.getName());
    private static final Tomcat TOMCAT = Tomcat.find();

    private final Route route;
    private final Session session;
    private final boolean binary;
    private final Consumer<Throwable> sent;
    /** The one buffer array of a write; only the send in flight uses it (the queue never has two). */
    private final ByteBuffer[] pending = new ByteBuffer[1];
    /**
     * Set while the rest of a frame is with Tomcat's wrapper. Whoever clears it ends that send, exactly once: its
     * completion, its failure, or {@link #abandon} when the connection closed under it (Tomcat then never completes
     * a write it was given outside its own send path).
     */
    private final AtomicBoolean restPending = new AtomicBoolean();

    /**
     * The direct way to a session's socket, along the route {@link #find} found for it.
     *
     * @param sent told the outcome of each send this takes: null when it was written, else why not
     */
    DirectWrite(Route route, Session session, boolean binary, Consumer<Throwable> sent) {
        this.route = route;
        this.session = session;
        this.binary = binary;
        this.sent = sent;
    }

    /**
     * Tomcat's parts of one connection that a direct write needs, found once as it opens. That one was found also
     * lets the connection take text frames as large as binary ones ({@code Packing}): a frame written here goes whole,
     * where Tomcat's send path splits a long text frame into pieces of its buffer.
     *
     * @param socket         the connection's own socket, kept from the start. Never Tomcat's channel object asked for
     *                       again: closing a connection, Tomcat returns its channel object to a pool before it takes it
     *                       from the old wrapper, and the next connection accepted takes it, so a write through the old
     *                       wrapper in that moment reached another client (seen in the benchmark: leave events in
     *                       front of a newcomer's handshake answer). The JDK's socket is one per connection; once
     *                       closed it refuses writes.
     * @param endpoint       Tomcat's send path of this session, whose {@code closed} flag says a close frame went out
     * @param socketWrapper  Tomcat's wrapper of the connection, which takes the rest of a partial write
     * @param partInProgress Tomcat's permit for a message part, held by every write
     */
    record Route(SocketChannel socket, Object endpoint, Object socketWrapper, Semaphore partInProgress) {
    }

    /**
     * This session's route to its socket, or null where there is none (another container, TLS, NIO2, an extension,
     * or Tomcat's classes not as expected).
     */
    static Route find(Session session) {
        if (TOMCAT == null || !session.getNegotiatedExtensions().isEmpty()) {
            return null;
        }
        try {
            Object base = TOMCAT.base.get(session.getAsyncRemote());
            Object socketWrapper = TOMCAT.socketWrapper.get(base);
            Object channel = TOMCAT.getSocket.invoke(socketWrapper);
            if (channel == null || !channel.getClass().getName().equals(Tomcat.PLAIN_CHANNEL)) {
                return null; // TLS (SecureNioChannel), NIO2, or closed already
            }
            SocketChannel socket = (SocketChannel) TOMCAT.ioChannel.invoke(channel);
            if (socket == null || !socket.isOpen()) {
                return null;
            }
            return new Route(socket, base, socketWrapper, (Semaphore) TOMCAT.partInProgress.get(base));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.log(Level.DEBUG, "no direct write for this connection", e);
            return null;
        }
    }

    /**
     * Writes the frame, or leaves it: false when Tomcat is writing a frame of its own or the session is closing, and
     * the caller must take the portable path. True when this took the frame; its outcome then reaches {@code sent},
     * perhaps before this returns.
     */
    boolean trySend(Frame frame) {
        if (!route.partInProgress().tryAcquire()) {
            return false;
        }
        if (closeFrameSent() || !session.isOpen()) { // the portable path refuses it as Tomcat's own sends are
            route.partInProgress().release();
            return false;
        }
        ByteBuffer buffer = ByteBuffer.wrap(frame.wire(binary));
        try {
            route.socket().write(buffer);
        } catch (IOException | RuntimeException e) {
            route.partInProgress().release();
            sent.accept(e);
            return true;
        }
        if (!buffer.hasRemaining()) {
            route.partInProgress().release();
            sent.accept(null);
            return true;
        }
        pending[0] = buffer;
        restPending.set(true);
        try {
            // The rest when the peer reads, through the wrapper, which asks for its channel again: only while it is
            // not closed (Tomcat marks it closed before it gives the channel back), which leaves the same moment
            // Tomcat's own send path leaves. A day's timeout: the heartbeat enforces CHAT_SEND_TIMEOUT_SECONDS, and -1
            // would mean the wrapper's write timeout, which Tomcat's blocking sends leave as short as 20 ms.
            if ((boolean) TOMCAT.isClosed.invoke(route.socketWrapper())) {
                end(new ClosedChannelException());
                return true;
            }
            TOMCAT.write.invoke(route.socketWrapper(), TOMCAT.semiBlock, REST_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS,
                    null, TOMCAT.completeWrite, this, pending);
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (!end(e)) { // the send had ended: this came out of its completion, run inline
                LOG.log(Level.WARNING, "a send's completion failed", e);
            }
        }
        return true;
    }

    private static final long REST_TIMEOUT_MILLIS = TimeUnit.DAYS.toMillis(1);

    /** The rest was written: Tomcat's poller or pool calls this, or the writer, when the peer was quick. */
    @Override
    public void completed(Long written, Void attachment) {
        end(null);
    }

    @Override
    public void failed(Throwable failure, Void attachment) {
        end(failure);
    }

    /**
     * The connection closed: a rest still with Tomcat's wrapper will never be completed (Tomcat fails only the writes
     * of its own send path when a connection closes), so its send ends here, failed.
     */
    void abandon() {
        end(new ClosedChannelException());
    }

    /** Ends the send whose rest was handed over, if it has not ended yet; whether this call ended it. */
    private boolean end(Throwable failure) {
        if (!restPending.compareAndSet(true, false)) {
            return false;
        }
        pending[0] = null;
        route.partInProgress().release();
        sent.accept(failure);
        return true;
    }

    /** Whether Tomcat sent this session's close frame (its own sends refuse from then on). */
    private boolean closeFrameSent() {
        try {
            return TOMCAT.closed.getBoolean(route.endpoint());
        } catch (IllegalAccessException e) {
            return true; // cannot tell: leave it to the portable path
        }
    }

    /** Tomcat's members this needs, found once; null when any is missing. */
    private record Tomcat(Field base, Field socketWrapper, Field partInProgress, Field closed, Method getSocket,
                          Method ioChannel, Method isClosed, Method write, Object semiBlock, Object completeWrite) {
        static final String PLAIN_CHANNEL = "org.apache.tomcat.util.net.NioChannel";

        static Tomcat find() {
            try {
                ClassLoader loader = Session.class.getClassLoader();
                if (loader == null) {
                    return null;
                }
                Class<?> remoteBase = Class.forName("org.apache.tomcat.websocket.WsRemoteEndpointBase", false, loader);
                Class<?> implBase = Class.forName("org.apache.tomcat.websocket.WsRemoteEndpointImplBase", false, loader);
                Class<?> implServer = Class.forName("org.apache.tomcat.websocket.server.WsRemoteEndpointImplServer",
                        false, loader);
                Class<?> wrapper = Class.forName("org.apache.tomcat.util.net.SocketWrapperBase", false, loader);
                Class<?> blockingMode = Class.forName("org.apache.tomcat.util.net.SocketWrapperBase$BlockingMode",
                        false, loader);
                Class<?> check = Class.forName("org.apache.tomcat.util.net.SocketWrapperBase$CompletionCheck",
                        false, loader);
                Method write = wrapper.getMethod("write", blockingMode, long.class, TimeUnit.class, Object.class,
                        check, CompletionHandler.class, ByteBuffer[].class);
                Field completeWrite = wrapper.getField("COMPLETE_WRITE_WITH_COMPLETION");
                Object semiBlock = null;
                for (Object mode : blockingMode.getEnumConstants()) {
                    if (((Enum<?>) mode).name().equals("SEMI_BLOCK")) {
                        semiBlock = mode;
                    }
                }
                if (semiBlock == null) {
                    return null;
                }
                return new Tomcat(open(remoteBase, "base"), open(implServer, "socketWrapper"),
                        open(implBase, "messagePartInProgress"), open(implBase, "closed"),
                        wrapper.getMethod("getSocket"),
                        Class.forName(PLAIN_CHANNEL, false, loader).getMethod("getIOChannel"),
                        wrapper.getMethod("isClosed"), write, semiBlock,
                        completeWrite.get(null));
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                return null; // not Tomcat, or a Tomcat whose insides differ
            }
        }

        private static Field open(Class<?> owner, String name) throws NoSuchFieldException {
            Field field = owner.getDeclaredField(name);
            field.setAccessible(true);
            return field;
        }
    }
}
