package dev.chatwar.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.protocol.Sanction;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A node's copy of the sanctions, fed by two racing paths and by snapshots: changes apply in version order only. */
class SanctionBookTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T12:00:00Z"), ZoneOffset.UTC);
    private static final Sanction.Target TROLL = new Sanction.Target(Sanction.Kind.ADDRESS, "10.0.0.66");
    private static final Sanction BAN = new Sanction(Sanction.Type.BAN, "r", TROLL, null, "mo", null, 0);

    private static boolean banned(SanctionBook book) {
        return book.find(Sanction.Type.BAN, "r", List.of(TROLL)).isPresent();
    }

    @Test
    void aChangeThatArrivesByItsSecondPathIsTheSameAndChangesNothing() {
        SanctionBook book = new SanctionBook(CLOCK);
        assertEquals(SanctionBook.Applied.NEWER, book.apply(5, BAN.key(), BAN), "the reply");
        assertEquals(SanctionBook.Applied.SAME, book.apply(5, BAN.key(), BAN), "the line");
        assertTrue(banned(book));
    }

    @Test
    void anImpositionOlderThanALiftCannotBringTheSanctionBack() {
        SanctionBook book = new SanctionBook(CLOCK);
        assertEquals(SanctionBook.Applied.NEWER, book.apply(7, BAN.key(), null), "lifted at 7 (its line came first)");
        assertEquals(SanctionBook.Applied.OLDER, book.apply(5, BAN.key(), BAN), "imposed at 5, its reply read late");
        assertFalse(banned(book));
        assertEquals(SanctionBook.Applied.NEWER, book.apply(9, BAN.key(), BAN));
        assertTrue(banned(book));
    }

    @Test
    void aSnapshotReplacesWhatItCoversKeepsNewerChangesAndTellsWhatIsNew() {
        SanctionBook book = new SanctionBook(CLOCK);
        Sanction other = new Sanction(Sanction.Type.MUTE, "r", TROLL, null, "mo", null, 0);
        book.apply(3, other.key(), other); // lifted in the store since: the snapshot does not hold it
        Sanction later = new Sanction(Sanction.Type.BAN, "*", TROLL, null, "mo", null, 0);
        book.apply(12, later.key(), later); // newer than the snapshot
        List<Sanction> added = book.replaceAll(10, List.of(BAN));
        assertEquals(List.of(BAN), added, "the ban the copy missed");
        assertTrue(banned(book));
        assertFalse(book.find(Sanction.Type.MUTE, "r", List.of(TROLL)).isPresent(), "gone from the store: gone");
        assertTrue(book.find(Sanction.Type.BAN, "elsewhere", List.of(TROLL)).isPresent(), "the newer change stays");
        assertEquals(SanctionBook.Applied.OLDER, book.apply(8, other.key(), other),
                "a line the snapshot covers, read after it, changes nothing");
        assertFalse(book.find(Sanction.Type.MUTE, "r", List.of(TROLL)).isPresent());
    }

    @Test
    void anEndedSanctionHoldsNoMoreAndASnapshotDoesNotReportIt() {
        SanctionBook book = new SanctionBook(CLOCK);
        Sanction ended = new Sanction(Sanction.Type.BAN, "r", TROLL, CLOCK.millis(), "mo", null, 0);
        book.apply(1, ended.key(), ended);
        assertFalse(banned(book));
        assertTrue(book.list(Sanction.Type.BAN).isEmpty());
        assertEquals(List.of(), book.replaceAll(2, List.of(ended)), "nothing to enforce");
    }

    @Test
    void aSnapshotDoesNotReportASanctionThatANewerChangeLifted() {
        SanctionBook book = new SanctionBook(CLOCK);
        book.apply(12, BAN.key(), null); // lifted after the snapshot was read
        assertEquals(List.of(), book.replaceAll(10, List.of(BAN)), "an unbanned user is not closed again");
        assertFalse(banned(book));
    }
}
