package dev.chatwar.threads;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the chat's own (daemon) threads and can wait until every one of them has ended. An executor's
 * {@code awaitTermination} returns while its last thread is still on its way out, and a container that checks for
 * leftover threads right after undeploy (Tomcat does) reports that thread as a leak; joining the threads closes
 * that window.
 */
public final class OwnedThreads implements ThreadFactory {
    private final String prefix;
    private final AtomicInteger count = new AtomicInteger();
    // Guarded by this. Ended threads are dropped whenever a new one is made, so pools that let idle threads go do
    // not grow this list.
    private final List<Thread> threads = new ArrayList<>();

    /** Threads are named {@code prefix} followed by a number from 1. */
    public OwnedThreads(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public synchronized Thread newThread(Runnable task) {
        threads.removeIf(thread -> thread.getState() == Thread.State.TERMINATED);
        Thread thread = new Thread(task, prefix + count.incrementAndGet());
        thread.setDaemon(true);
        threads.add(thread);
        return thread;
    }

    /**
     * Waits, at most {@code timeout} in all, until every thread made here has ended. Call it after the executors
     * using them were shut down.
     *
     * @return whether they all ended in time
     */
    public boolean awaitEnded(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<Thread> snapshot;
        synchronized (this) {
            snapshot = List.copyOf(threads);
        }
        for (Thread thread : snapshot) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.timedJoin(thread, left);
            }
        }
        return snapshot.stream().noneMatch(Thread::isAlive);
    }
}
