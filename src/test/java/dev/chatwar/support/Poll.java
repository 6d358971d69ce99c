package dev.chatwar.support;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Waits for a state that nothing announces (an engine's status, a process that changes on its own timers) by looking
 * at it now and then until it holds, or failing with what was last seen. Where there is an event to wait for (a frame,
 * a close), wait for the event instead: {@link RecordingConnection#awaitSent}, {@link ChatClient#next}.
 */
public final class Poll {
    private static final long PAUSE_MILLIS = 10;

    private Poll() {
    }

    /**
     * What a probe saw: null when the state holds, else a description of what it saw instead. An
     * {@link java.io.IOException} counts as "not yet" (a process not listening yet); anything else it throws fails
     * the poll at once (a process that exited).
     */
    @FunctionalInterface
    public interface Probe {
        String unmet() throws java.io.IOException;
    }

    /**
     * Probes until the state holds.
     *
     * @throws AssertionError naming {@code what} and the last thing seen, when it did not hold within the timeout
     */
    public static void until(Duration timeout, String what, Probe probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String seen;
            try {
                seen = probe.unmet();
            } catch (java.io.IOException e) {
                seen = e.toString();
            }
            if (seen == null) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError(what + ": not within " + timeout.toMillis() + " ms; last saw: " + seen);
            }
            try {
                Thread.sleep(PAUSE_MILLIS); // a state is looked at again; there is no event to wait for
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(what + ": interrupted", e);
            }
        }
    }

    /** Polls until {@code value} equals {@code wanted}. */
    public static <T> void until(Duration timeout, String what, Supplier<T> value, T wanted) {
        until(timeout, what, () -> {
            T now = value.get();
            return wanted.equals(now) ? null : String.valueOf(now);
        });
    }
}
