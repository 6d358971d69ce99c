package dev.chatwar.admission;

/**
 * One connection's rate limit: a token bucket that holds {@code burst} frames and refills at {@code perSecond}.
 * A frame without a token is refused; each refusal adds a strike and each allowed frame takes one away, so a person
 * typing fast gets a few refusals and carries on, while a client that keeps flooding collects more than
 * {@code burst} strikes and is closed. A closed connection stays closed: frames that arrive while the close is under
 * way get {@link Verdict#CLOSE} too, however long the bucket had to refill, so nothing it sends after the verdict
 * reaches the room. Not thread-safe: a container calls one session's message handler one frame at
 * a time.
 */
public final class FloodGuard {
    public enum Verdict { ALLOW, REFUSE, CLOSE }

    private final double perNano;
    private final int burst;
    private double tokens;
    private long refilledAt;
    private int strikes;
    private boolean closed;

    public FloodGuard(int perSecond, int burst, long now) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.refilledAt = now;
    }

    /** @param now {@link System#nanoTime()} */
    public Verdict check(long now) {
        if (closed) {
            return Verdict.CLOSE;
        }
        tokens = Math.min(burst, tokens + (now - refilledAt) * perNano);
        refilledAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            strikes = Math.max(0, strikes - 1);
            return Verdict.ALLOW;
        }
        closed = ++strikes > burst;
        return closed ? Verdict.CLOSE : Verdict.REFUSE;
    }
}
