package dev.chatwar.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ApiRateLimitTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aCallerGetsABurstThenTheRateAndOthersAreNotTouched() {
        ApiRateLimit limit = new ApiRateLimit(200);
        for (int i = 0; i < 200; i++) {
            assertTrue(limit.allow("api", 1, 0), "call " + i + " of the burst");
        }
        assertFalse(limit.allow("api", 1, 0), "past the burst");
        assertTrue(limit.allow("backend", 1, 0), "another caller has its own bucket");
        assertTrue(limit.allow("api", 100, SECOND / 2), "half a second refills half the rate");
        assertFalse(limit.allow("api", 1, SECOND / 2));
    }

    @Test
    void aWholeBatchFitsEvenAtALowRateAndCountsEachCall() {
        ApiRateLimit limit = new ApiRateLimit(5);
        assertTrue(limit.allow("api", ApiServlet.MAX_BATCH, 0), "a batch of the most calls fits the burst");
        assertFalse(limit.allow("api", 1, SECOND / 10), "and took a token per call");
        assertTrue(limit.allow("api", 1, SECOND / 5 + SECOND / 10));
    }
}
