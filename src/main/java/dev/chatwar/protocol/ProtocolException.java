package dev.chatwar.protocol;

/** A client frame that is refused with an {@code error} event; the connection carries on. */
public final class ProtocolException extends Exception {
    private final ErrorCode code;

    public ProtocolException(ErrorCode code, String reason) {
        super(reason, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
