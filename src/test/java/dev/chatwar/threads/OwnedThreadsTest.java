package dev.chatwar.threads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OwnedThreadsTest {

    @Test
    void afterShutdownEveryThreadHasEndedWhenAwaitEndedReturns() throws Exception {
        OwnedThreads owned = new OwnedThreads("test-owned-");
        ExecutorService pool = Executors.newFixedThreadPool(3, owned);
        for (int i = 0; i < 3; i++) {
            pool.execute(() -> { });
        }
        pool.shutdown();

        assertTrue(owned.awaitEnded(5, TimeUnit.SECONDS));
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().startsWith("test-owned-")), "no thread of ours is alive");
    }

    @Test
    void aThreadThatDoesNotEndIsReportedAfterTheTimeout() throws Exception {
        OwnedThreads owned = new OwnedThreads("test-stuck-");
        CountDownLatch release = new CountDownLatch(1);
        Thread stuck = owned.newThread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stuck.start();

        assertFalse(owned.awaitEnded(50, TimeUnit.MILLISECONDS));
        release.countDown();
        assertTrue(owned.awaitEnded(5, TimeUnit.SECONDS));
        assertFalse(stuck.isAlive(), "ended, not merely released, when awaitEnded returns");
    }

    @Test
    void threadsAreDaemonsNamedFromOne() {
        OwnedThreads owned = new OwnedThreads("test-named-");
        Thread first = owned.newThread(() -> { });
        Thread second = owned.newThread(() -> { });

        assertEquals("test-named-1", first.getName());
        assertEquals("test-named-2", second.getName());
        assertTrue(first.isDaemon() && second.isDaemon());
    }
}
