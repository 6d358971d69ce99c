package dev.chatwar.engine;

/** What an engine reports about itself; cheap and non-blocking, like the chat's own telemetry. */
public interface EngineTelemetry {
    EngineTelemetry NONE = new EngineTelemetry() {
    };

    /** After a lost subscription came back, this many events of one room were read from its history and delivered. */
    default void gapRepaired(int events) {
    }

    /**
     * Redis lost events this node had delivered in a room (it came back with an older copy of its data, was wiped, or
     * failed over to a replica that lagged); the room's members were sent to resync.
     */
    default void rollbackDetected() {
    }

    /** Reading what a lost subscription missed failed, and is tried again. */
    default void repairRetried() {
    }

    /** What a lost subscription missed could not be read back (or no longer exists); the room's members resync. */
    default void repairGivenUp() {
    }

    /** A connection that looked open carried nothing (its probe did not come back) and was made anew. */
    default void probeFailed() {
    }

    /**
     * A line on a room's channel that this version cannot read (a newer node's, during a rolling upgrade) was
     * skipped.
     */
    default void unreadableLine() {
    }

    /** This node renewed its lease. */
    default void leaseRenewed() {
    }

    /** Another node's lease ran out: it was declared dead, and this many of its members were taken out here. */
    default void nodeExpired(int members) {
    }
}
