package dev.chatwar.room;

import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.ErrorCode;

/**
 * What the chat reports about itself; the ops layer turns it into metrics. Every argument is a value the server
 * chose, never client input, so no report can inflate metric cardinality. Calls sit on hot paths (every delivery):
 * implementations must be cheap and never block.
 */
public interface Telemetry {
    /** Reports nothing: for tests and tools that need no metrics. */
    Telemetry NONE = new Telemetry() {
    };

    /** Why a handshake was refused before the upgrade. */
    enum Refusal {
        /** The page's origin is not allowed ({@code CHAT_ALLOWED_ORIGINS}). */
        ORIGIN,
        /** The client has {@code CHAT_MAX_CONNECTIONS_PER_ADDRESS} open connections. */
        ADDRESS_LIMIT,
        /** This node has {@code CHAT_MAX_CONNECTIONS} open connections. */
        CAPACITY,
        /** The token was not valid, or none was given where one is required. */
        TOKEN,
        /** The room is private ({@code CHAT_PRIVATE_ROOMS}) and nothing admitted the client to it. */
        PRIVATE_ROOM,
        /** The client is banned from the room, or from the chat. */
        BANNED
    }

    default void connectionOpened() {
    }

    default void handshakeRefused(Refusal reason) {
    }

    /** The server closed a connection with this code. */
    default void serverClosed(CloseCode code) {
    }

    /**
     * The heartbeat ended a connection that the container never reported closed (or whose close never completed):
     * each one is a member who would otherwise have stayed behind.
     */
    default void connectionReaped() {
    }

    /** A reconnecting client presented its resume token and took over its member's place. */
    default void resumed() {
    }

    /** A client frame became a message for its room. */
    default void messageReceived() {
    }

    /** A message came again with a {@code cid} its sender used within the resend window: it was not delivered again. */
    default void resendRecognised() {
    }

    /** A moderation action took effect: {@code remove}, {@code mute}, {@code unmute}, {@code kick}, {@code ban}, … */
    default void moderated(String action) {
    }

    default void errorSent(ErrorCode code) {
    }

    /** This many events, in one frame of this many bytes, reached one connection's socket. */
    default void delivered(int events, int bytes) {
    }

    /**
     * A send of events completed: on the thread that made it ({@code onSendingThread}: the container took the frame at
     * once and told the writer there, with no hand-off), or later on another thread (the container handed its
     * completion on, or the socket was full and the frame waited).
     */
    default void sendCompleted(boolean onSendingThread) {
    }

    /**
     * A send was written straight to the connection's socket, past the container's send path (the transport's direct
     * write: Tomcat over plain TCP); counted besides {@link #sendCompleted}.
     */
    default void sentDirect() {
    }

    /** Events waiting for a connection when its writer takes them for a send (the send takes what fits). */
    default void queueDepth(int events) {
    }

    /** The engine ordered one of this node's events (a message, join or leave) in this time, from asking to answer. */
    default void engineOrdered(long nanos) {
    }

    /** The engine could not order one of this node's events (its store was unreachable). */
    default void engineFailed() {
    }

    /** A room event was encoded and queued for every local member, then the writes started. */
    default void broadcast(long nanos) {
    }
}
