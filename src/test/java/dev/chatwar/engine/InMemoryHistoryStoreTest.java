package dev.chatwar.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.User;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryHistoryStoreTest {

    private static Message message(String room, int n) {
        return new Message(room, "t", String.valueOf(n), new User("a", "b"), "m" + n);
    }

    private static List<String> texts(History history) {
        return history.recent().stream().map(Message::text).toList();
    }

    @Test
    void keepsTheLastMessagesOldestFirst() {
        History history = new InMemoryHistoryStore(3, 10).open("r");
        for (int n = 1; n <= 5; n++) {
            history.append(message("r", n), "a");
        }
        assertEquals(List.of("m3", "m4", "m5"), texts(history));
    }

    @Test
    void aResendIsFoundBySenderKeyAndCid() {
        History history = new InMemoryHistoryStore(3, 10).open("r");
        Message fromAnn = new Message("r", "t", "1", new User("Ann", "b"), "x", "1");
        history.append(fromAnn, "ann");
        assertSame(fromAnn, history.resent("ann", "1"), "found by the sender key the room gave");
        assertEquals(null, history.resent("bob", "1"), "bob's cid 1 is not Ann's");
        assertEquals(null, history.resent("ann", "2"));
    }

    @Test
    void aResendIsForgottenWithItsMessage() {
        History history = new InMemoryHistoryStore(1, 10).open("r");
        history.append(new Message("r", "t", "1", new User("ann", "b"), "x", "1"), "ann");
        history.append(new Message("r", "t", "2", new User("bob", "b"), "y", "1"), "bob");
        assertEquals(null, history.resent("ann", "1"));
        assertEquals("y", history.resent("bob", "1").text());
    }

    @Test
    void sizeZeroKeepsNothing() {
        History history = new InMemoryHistoryStore(0, 10).open("r");
        history.append(message("r", 1), "a");
        assertEquals(List.of(), texts(history));
    }

    @Test
    void aRoomsHistoryOutlivesItsRoomObject() {
        InMemoryHistoryStore store = new InMemoryHistoryStore(5, 10);
        store.open("r").append(message("r", 1), "a");
        assertEquals(List.of("m1"), texts(store.open("r")));
        assertSame(store.open("r"), store.open("r"));
    }

    @Test
    void theLeastRecentlyOpenedRoomIsForgottenBeyondTheRoomLimit() {
        InMemoryHistoryStore store = new InMemoryHistoryStore(5, 2);
        store.open("a").append(message("a", 1), "a");
        store.open("b").append(message("b", 2), "a");
        store.open("a");
        store.open("c").append(message("c", 3), "a");
        assertEquals(List.of("m1"), texts(store.open("a")), "a was used more recently than b");
        assertEquals(List.of(), texts(store.open("b")), "b was forgotten");
    }

    @Test
    void recentIsASnapshot() {
        History history = new InMemoryHistoryStore(5, 1).open("r");
        history.append(message("r", 1), "a");
        List<Message> before = history.recent();
        history.append(message("r", 2), "a");
        assertEquals(1, before.size());
    }
}
