package dev.chatwar.broker;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The default broker: an in-process bus. With one chat node it connects that node to itself, which is all a single
 * node needs; several nodes in one JVM (as in tests) share one instance. It cannot join separate processes.
 * Handlers run on the publishing thread.
 */
public final class InMemoryBroker implements Broker {
    private static final System.Logger LOG = System.getLogger(InMemoryBroker.class.getName());

    private final List<Consumer<Envelope>> handlers = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    @Override
    public void publish(Envelope envelope) {
        if (closed) {
            return;
        }
        for (Consumer<Envelope> handler : handlers) {
            try {
                handler.accept(envelope);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a broker subscriber failed; the others still get the event", e);
            }
        }
    }

    @Override
    public void subscribe(Consumer<Envelope> handler) {
        handlers.add(handler);
    }

    @Override
    public void close() {
        closed = true;
        handlers.clear();
    }
}
