package dev.chatwar.engine.redis;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs at most {@code limit} calls at once; the others wait their turn here, in order.
 *
 * <p>Why: Redis answers one connection's commands in order, and Lettuce times each command from the moment it is
 * written. Five hundred welcomes asked for at once (a join storm: a node's members reconnecting elsewhere) each read
 * up to {@code CHAT_PRESENCE_LIMIT} members and the history; written all at once, the last ones waited behind
 * megabytes of replies longer than the command timeout, and their joins were turned away as if Redis were down.
 * Waiting here instead costs the same time and fails nobody.
 */
final class Throttle {
    private final int limit;
    private final AtomicInteger running = new AtomicInteger();
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    Throttle(int limit) {
        this.limit = limit;
    }

    <T> CompletableFuture<T> run(Supplier<? extends CompletableFuture<T>> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        waiting.add(() -> {
            CompletableFuture<T> started;
            try {
                started = call.get();
            } catch (RuntimeException e) {
                started = CompletableFuture.failedFuture(e);
            }
            started.whenComplete((value, failure) -> {
                running.decrementAndGet();
                drain();
                if (failure != null) {
                    result.completeExceptionally(failure);
                } else {
                    result.complete(value);
                }
            });
        });
        drain();
        return result;
    }

    private void drain() {
        while (!waiting.isEmpty()) {
            int now = running.get();
            if (now >= limit) {
                return; // the next completion drains
            }
            if (running.compareAndSet(now, now + 1)) {
                Runnable next = waiting.poll();
                if (next == null) {
                    running.decrementAndGet(); // another thread took it
                } else {
                    next.run();
                }
            }
        }
    }
}
