package dev.chatwar.engine;

import dev.chatwar.protocol.AuditEntry;
import dev.chatwar.protocol.Sanction;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The in-memory engine's sanctions: one book for every node of the JVM, and listeners told on the calling thread.
 * They last as long as the process.
 */
final class InMemorySanctions implements Sanctions {
    private final SanctionBook book;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Every change's version: one process, so a counter orders them. */
    private final java.util.concurrent.atomic.AtomicLong versions = new java.util.concurrent.atomic.AtomicLong();
    /** Newest last. */
    private final ArrayDeque<AuditEntry> trail = new ArrayDeque<>();

    InMemorySanctions(Clock clock) {
        this.book = new SanctionBook(clock);
    }

    @Override
    public void listen(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public synchronized CompletionStage<Void> impose(Sanction sanction) {
        book.apply(versions.incrementAndGet(), sanction.key(), sanction);
        listeners.forEach(listener -> listener.imposed(sanction));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<Boolean> lift(Sanction.Type type, String room, Sanction.Target target) {
        String key = Sanction.key(type, room, target);
        boolean held = book.holds(key);
        book.apply(versions.incrementAndGet(), key, null);
        return CompletableFuture.completedFuture(held);
    }

    @Override
    public CompletionStage<Void> kick(String room, Sanction.Target target) {
        listeners.forEach(listener -> listener.kicked(room, target));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public SanctionBook copy() {
        return book;
    }

    @Override
    public synchronized CompletionStage<Void> audit(AuditEntry entry) {
        if (trail.size() == AUDIT_KEPT) {
            trail.removeFirst();
        }
        trail.addLast(entry);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<List<AuditEntry>> audit(int limit) {
        List<AuditEntry> newest = new ArrayList<>(Math.min(limit, trail.size()));
        for (Iterator<AuditEntry> it = trail.descendingIterator(); it.hasNext() && newest.size() < limit; ) {
            newest.add(it.next());
        }
        return CompletableFuture.completedFuture(newest);
    }
}
