package dev.chatwar.broker;

import java.util.function.Consumer;

/**
 * Carries room events between the nodes that serve one chat. A node delivers every event to its own members first
 * and only then publishes it here, so local chat never waits for, or depends on, the broker.
 *
 * <p>Guarantees an implementation gives:
 * <ul>
 *   <li>at-most-once delivery to each subscriber; an event may be lost when the broker is unreachable, never doubled;
 *   <li>events published by one node reach a subscriber in the order that node published them; events of different
 *       nodes have no order relative to each other;
 *   <li>a subscriber also receives the envelopes its own node published; it recognises them by
 *       {@link Envelope#nodeId()} and drops them;
 *   <li>{@link #publish} never throws for a delivery failure and never blocks on the network for long: it logs the
 *       failure, and the caller carries on.
 * </ul>
 */
public interface Broker extends AutoCloseable {

    void publish(Envelope envelope);

    /** Registers a handler for every envelope published from now on; it must not block. */
    void subscribe(Consumer<Envelope> handler);

    /** Stops delivery and releases connections; later publishes are dropped. */
    @Override
    void close();
}
