package dev.chatwar.engine.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.chatwar.engine.EngineTelemetry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@link LeftRooms} keeps of the rooms a node left, and for how long. What a kept channel then finds in Redis is
 * {@code RedisEngineTest}'s.
 */
class LeftRoomsTest {
    /** A channel of the room that knows the room's last id was {@code lastId} (none when null). */
    private static RoomChannel channel(String room, Long lastId) {
        RoomChannel channel = new RoomChannel(room, "chan:" + room, 10, null, EngineTelemetry.NONE);
        if (lastId != null) {
            channel.subscribedAt(lastId);
        }
        return channel;
    }

    @Test
    void aChannelThatHeardNothingIsNotKept() {
        LeftRooms left = new LeftRooms();
        left.remember(channel("r", null));
        assertNull(left.take("r"), "nothing to check a loss by");
    }

    @Test
    void aRoomJoinedAgainTakesItsChannelOnce() {
        LeftRooms left = new LeftRooms();
        RoomChannel channel = channel("r", 7L);
        left.remember(channel);
        assertEquals(List.of(channel), left.kept(name -> true));
        assertEquals(7, left.highWater("r"), "still a floor for the room's next id");
        assertSame(channel, left.take("r"));
        assertNull(left.take("r"));
        assertEquals(0, left.highWater("r"));
    }

    @Test
    void aChannelIsKeptForItsTimeOnly() {
        LeftRooms expired = new LeftRooms(Duration.ZERO);
        expired.remember(channel("r", 7L));
        assertEquals(List.of(), expired.kept(name -> true));
        assertNull(expired.take("r"));
    }

    @Test
    void theRoomsLeftLongestAgoGoFirstPastTheBound() {
        LeftRooms left = new LeftRooms();
        for (int i = 0; i <= LeftRooms.MAX_ROOMS; i++) {
            left.remember(channel("r" + i, 1L));
        }
        left.remember(channel("r1", 1L)); // left again: now the latest
        assertEquals(LeftRooms.MAX_ROOMS, left.kept(name -> true).size());
        assertNull(left.take("r0"), "the one left longest ago");
        assertEquals("r1", left.take("r1").room);
        assertEquals("r2", left.take("r2").room);
    }

    /** A check that could not read Redis remembers its channel again: that must not make it live longer. */
    @Test
    void theSameChannelRememberedAgainKeepsItsPlace() {
        LeftRooms left = new LeftRooms();
        RoomChannel first = channel("a", 1L);
        RoomChannel second = channel("b", 1L);
        left.remember(first);
        left.remember(second);
        left.remember(first);
        assertEquals(List.of(first, second), left.kept(name -> true));
    }

    @Test
    void aToldLossForgetsOnlyTheChannelThatToldIt() {
        LeftRooms left = new LeftRooms();
        RoomChannel before = channel("r", 5L);
        RoomChannel after = channel("r", 9L);
        left.remember(before);
        left.remember(after); // the room was joined and left again meanwhile
        left.forget(before);
        assertSame(after, left.take("r"));
    }

    @Test
    void onlyTheChannelsTheLostConnectionCarriedAreChecked() {
        LeftRooms left = new LeftRooms();
        left.remember(channel("a", 1L));
        left.remember(channel("b", 1L));
        assertEquals(List.of("b"), left.kept("chan:b"::equals).stream().map(channel -> channel.room).toList());
    }
}
