package dev.chatwar.protocol;

/**
 * Every close code the server sends, in one place (the README lists them). {@link #retry()} tells a client whether
 * reconnecting can help: the page gives up on the others and says why.
 */
public enum CloseCode {
    /** The server is shutting down or the application is being undeployed. */
    GOING_AWAY(1001, true),
    /** A binary frame: the protocol is text only. */
    BINARY_NOT_SUPPORTED(1003, false),
    /** Invalid {@code room} or {@code name} query parameter; the reason says which and why. */
    POLICY_VIOLATION(1008, false),
    /** A frame over 64 KiB. */
    TOO_BIG(1009, false),
    /** The server could not serve the connection (a fault on our side). */
    SERVER_ERROR(1011, true),
    /** The chat cannot reach its store, so it cannot admit anyone now; come back later. */
    TRY_AGAIN_LATER(1013, true),
    /** Nothing, not even a pong, arrived from the client for {@code CHAT_IDLE_TIMEOUT_SECONDS}. */
    IDLE_TIMEOUT(4001, true),
    /** The client did not read fast enough: its outbound queue overflowed or a send timed out. */
    SLOW_CONSUMER(4008, true),
    /**
     * This node may have missed events of the room while it could not reach its store, more than the history can
     * repair: reconnecting with {@code since} recovers exactly what was missed, or says there is a gap.
     */
    RESYNC(4010, true),
    /**
     * A newer connection presented this member's resume token and took over its place; retrying would only take it
     * back, so a page that gets this stops and says so.
     */
    REPLACED(4009, false),
    /**
     * The member's token expired. The page fetches a new one from the embedding application and reconnects at once
     * with {@code since} and {@code resume}: its place is kept for a while, so nothing is missed and nobody sees it
     * leave and come back.
     */
    TOKEN_EXPIRED(4011, true),
    /**
     * A moderator (or the operator's application) kicked the member out of the room: its name is free, and it may
     * come back, but not at once: the page stops and says so.
     */
    KICKED(4012, false),
    /** The member is banned from the room, or from the whole chat; its next handshake gets 403 while the ban holds. */
    BANNED(4013, false);

    private final int code;
    private final boolean retry;

    CloseCode(int code, boolean retry) {
        this.code = code;
        this.retry = retry;
    }

    public int code() {
        return code;
    }

    public boolean retry() {
        return retry;
    }
}
