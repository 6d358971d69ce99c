package dev.chatwar.engine.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ThrottleTest {

    @Test
    void atMostTheLimitRunAtOnceAndTheRestStartInOrderAsEarlierOnesEnd() {
        Throttle throttle = new Throttle(2);
        List<CompletableFuture<Integer>> started = new ArrayList<>();
        List<CompletableFuture<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(throttle.run(() -> {
                CompletableFuture<Integer> call = new CompletableFuture<>();
                started.add(call);
                return call;
            }));
        }
        assertEquals(2, started.size(), "two at once");
        started.get(1).complete(1);
        assertEquals(3, started.size(), "an end lets the next one start");
        started.get(0).completeExceptionally(new IllegalStateException("Redis said no"));
        assertEquals(4, started.size(), "a failure too");
        started.get(2).complete(2);
        started.get(3).complete(3);
        started.get(4).complete(4);
        assertEquals(5, started.size());
        assertTrue(results.get(0).isCompletedExceptionally(), "each caller gets its own call's outcome");
        assertEquals(List.of(1, 2, 3, 4), results.subList(1, 5).stream().map(CompletableFuture::join).toList());
    }
}
