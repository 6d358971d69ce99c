package dev.chatwar.engine;

/** The engine cannot order events now (its store is unreachable); the caller may retry later. */
public final class EngineUnavailableException extends RuntimeException {
    public EngineUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
