package dev.chatwar.transport;

import dev.chatwar.threads.OwnedThreads;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that write to sockets: one per processor, each owning the connections assigned to it round-robin.
 * A broadcast only queues frames and hands each connection to its writer; the writer then sends everything that
 * connection has waiting, and flushes once. Frames that arrive while a connection waits for its writer therefore
 * leave together in one socket write, which is what lets throughput grow under load instead of the cost per
 * delivery. The number of threads does not depend on the number of connections.
 */
public final class Writers implements AutoCloseable {
    /** The image's Tomcat executor knows the writers by this name ({@code dev.chatwar.tomcat.WriterThreadExecutor}). */
    private final OwnedThreads owned = new OwnedThreads("chat-writer-");
    private final ExecutorService[] threads;
    private final AtomicInteger next = new AtomicInteger();

    public Writers(int count) {
        threads = new ExecutorService[count];
        for (int i = 0; i < count; i++) {
            threads[i] = Executors.newSingleThreadExecutor(owned);
        }
    }

    /** The writer for a new connection. */
    public Executor assign() {
        return threads[Math.floorMod(next.getAndIncrement(), threads.length)];
    }

    /** Lets queued writes finish (at most a few seconds), then stops the threads and returns once they have ended. */
    @Override
    public void close() {
        for (ExecutorService thread : threads) {
            thread.shutdown();
        }
        try {
            for (ExecutorService thread : threads) {
                if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                    thread.shutdownNow();
                }
            }
            owned.awaitEnded(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
