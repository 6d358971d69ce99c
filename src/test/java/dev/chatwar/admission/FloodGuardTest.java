package dev.chatwar.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.chatwar.admission.FloodGuard.Verdict;
import org.junit.jupiter.api.Test;

class FloodGuardTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aBurstIsAllowedThenTheRateApplies() {
        FloodGuard guard = new FloodGuard(10, 20, 0);
        for (int i = 0; i < 20; i++) {
            assertEquals(Verdict.ALLOW, guard.check(0), "frame " + i + " of the burst");
        }
        assertEquals(Verdict.REFUSE, guard.check(0));
        assertEquals(Verdict.ALLOW, guard.check(SECOND / 10), "a tenth of a second earns one frame at 10/s");
        assertEquals(Verdict.REFUSE, guard.check(SECOND / 10));
    }

    @Test
    void aPersonWhoTypesSteadilyIsNeverRefused() {
        FloodGuard guard = new FloodGuard(10, 20, 0);
        for (int i = 0; i < 10_000; i++) {
            assertEquals(Verdict.ALLOW, guard.check(i * (SECOND / 5)));
        }
    }

    @Test
    void aClientThatKeepsFloodingIsClosedOnTheStrikeAfterTheBurst() {
        FloodGuard guard = new FloodGuard(10, 20, 0);
        int allowed = 0;
        int refused = 0;
        Verdict verdict = Verdict.ALLOW;
        for (int i = 1; i <= 1_000 && verdict != Verdict.CLOSE; i++) {
            verdict = guard.check(i * (SECOND / 1_000)); // 1,000 frames a second
            allowed += verdict == Verdict.ALLOW ? 1 : 0;
            refused += verdict == Verdict.REFUSE ? 1 : 0;
        }
        assertEquals(Verdict.CLOSE, verdict);
        assertEquals(20, allowed, "the burst, and nothing earned yet at 10 a second");
        assertEquals(20, refused, "20 refusals with an error each, then the close");
    }

    @Test
    void allowedFramesWorkOffStrikes() {
        FloodGuard guard = new FloodGuard(10, 2, 0);
        guard.check(0);
        guard.check(0);
        assertEquals(Verdict.REFUSE, guard.check(0));
        assertEquals(Verdict.REFUSE, guard.check(0));
        assertEquals(Verdict.ALLOW, guard.check(SECOND), "strikes 2, then one allowed frame takes one away");
        assertEquals(Verdict.ALLOW, guard.check(SECOND));
        assertEquals(Verdict.REFUSE, guard.check(SECOND));
        assertEquals(Verdict.REFUSE, guard.check(SECOND));
        assertEquals(Verdict.CLOSE, guard.check(SECOND));
    }

    @Test
    void aClosedConnectionStaysClosedWhateverItsBucketEarnsMeanwhile() {
        FloodGuard guard = new FloodGuard(10, 1, 0);
        guard.check(0);
        guard.check(0);
        assertEquals(Verdict.CLOSE, guard.check(0));

        assertEquals(Verdict.CLOSE, guard.check(60 * SECOND), "a frame sent while the close is under way");
    }
}
