package dev.chatwar.engine;

/** What an engine reports about itself; cheap and non-blocking, like the chat's own telemetry. */
public interface EngineTelemetry {
    EngineTelemetry NONE = new EngineTelemetry() {
    };

    /** After a lost subscription came back, this many events of one room were read from its history and delivered. */
    default void gapRepaired(int events) {
    }

    /** A connection that looked open carried nothing (its probe did not come back) and was made anew. */
    default void probeFailed() {
    }
}
