package dev.chatwar.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.User;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryHistoryStoreTest {

    private static final Duration WINDOW = Duration.ofMinutes(10);
    private Instant now = Instant.parse("2026-12-06T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    private InMemoryHistoryStore store(int size, int maxRooms) {
        return new InMemoryHistoryStore(size, maxRooms, WINDOW, clock);
    }

    private static Message message(String room, int n) {
        return new Message(room, "t", String.valueOf(n), new User("a", "b"), "m" + n);
    }

    private static List<String> texts(History history) {
        return history.recent().stream().map(event -> ((Message) event).text()).toList();
    }

    @Test
    void keepsTheLastMessagesOldestFirst() {
        History history = store(3, 10).open("r");
        for (int n = 1; n <= 5; n++) {
            history.append(message("r", n), "a");
        }
        assertEquals(List.of("m3", "m4", "m5"), texts(history));
    }

    @Test
    void aResendIsFoundBySenderKeyAndCid() {
        History history = store(3, 10).open("r");
        Message fromAnn = new Message("r", "t", "1", new User("Ann", "b"), "x", "1");
        history.append(fromAnn, "ann");
        assertEquals("1", history.resent("ann", "1"), "found by the sender key the room gave");
        assertSame(fromAnn, history.kept("1"));
        assertNull(history.resent("bob", "1"), "bob's cid 1 is not Ann's");
        assertNull(history.resent("ann", "2"));
    }

    @Test
    void aResendIsRecognisedWithinTheWindowHoweverManyMessagesCameSince() {
        History history = store(1, 10).open("r");
        history.append(new Message("r", "t", "1", new User("ann", "b"), "x", "1"), "ann");
        for (int n = 2; n <= 1_000; n++) {
            now = now.plusMillis(500);
            history.append(new Message("r", "t", Integer.toString(n), new User("bob", "b"), "y", "b" + n), "bob");
        }
        assertNull(history.kept("1"), "the message itself left the history");
        assertEquals("1", history.resent("ann", "1"), "its cid is still recognised, 499.5 s later");
    }

    @Test
    void aResendIsForgottenAfterTheWindow() {
        History history = store(5, 10).open("r");
        history.append(new Message("r", "t", "1", new User("ann", "b"), "x", "1"), "ann");
        now = now.plus(WINDOW).minusMillis(1);
        assertEquals("1", history.resent("ann", "1"));
        now = now.plusMillis(1);
        assertNull(history.resent("ann", "1"), "a cid used again after the window is a new message");
    }

    @Test
    void sizeZeroKeepsNothing() {
        History history = store(0, 10).open("r");
        history.append(message("r", 1), "a");
        assertEquals(List.of(), texts(history));
    }

    @Test
    void aRoomsHistoryOutlivesItsRoomObject() {
        InMemoryHistoryStore store = store(5, 10);
        store.open("r").append(message("r", 1), "a");
        assertEquals(List.of("m1"), texts(store.open("r")));
        assertSame(store.open("r"), store.open("r"));
    }

    @Test
    void theLeastRecentlyOpenedRoomIsForgottenBeyondTheRoomLimit() {
        InMemoryHistoryStore store = store(5, 2);
        store.open("a").append(message("a", 1), "a");
        store.open("b").append(message("b", 2), "a");
        store.open("a");
        store.open("c").append(message("c", 3), "a");
        assertEquals(List.of("m1"), texts(store.open("a")), "a was used more recently than b");
        assertEquals(List.of(), texts(store.open("b")), "b was forgotten");
    }

    @Test
    void recentIsASnapshot() {
        History history = store(5, 1).open("r");
        history.append(message("r", 1), "a");
        List<RoomEvent> before = history.recent();
        history.append(message("r", 2), "a");
        assertEquals(1, before.size());
    }
}
