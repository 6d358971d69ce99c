package dev.chatwar.api;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Server API calls a second per caller (a key or a login): a token bucket per caller that holds a second's worth and
 * refills at the rate. A batch takes one token per call. The callers are the operator's few keys and logins, so the
 * map stays small.
 */
final class ApiRateLimit {
    private final double perNano;
    private final int burst;
    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long refilledAt;
    }

    ApiRateLimit(int perSecond) {
        this.perNano = perSecond / 1e9;
        this.burst = Math.max(perSecond, ApiServlet.MAX_BATCH); // a whole batch fits
    }

    /** @return whether the caller may make {@code calls} more calls now (if so, they are counted) */
    boolean allow(String caller, int calls, long now) {
        Bucket bucket = buckets.computeIfAbsent(caller, key -> {
            Bucket fresh = new Bucket();
            fresh.tokens = burst;
            fresh.refilledAt = now;
            return fresh;
        });
        synchronized (bucket) {
            bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.refilledAt) * perNano);
            bucket.refilledAt = now;
            if (bucket.tokens < calls) {
                return false;
            }
            bucket.tokens -= calls;
            return true;
        }
    }
}
