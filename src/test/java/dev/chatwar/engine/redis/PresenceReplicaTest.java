package dev.chatwar.engine.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.chatwar.protocol.ServerEvent.Join;
import dev.chatwar.protocol.ServerEvent.Leave;
import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.User;
import java.util.List;
import org.junit.jupiter.api.Test;

class PresenceReplicaTest {
    private static final User ANN = new User("ann", "10.0.0.1");
    private static final User BOB = new User("bob", "10.0.0.2");

    private static Join join(long id, User user) {
        return new Join("r", "2026-12-06T00:00:00Z", Long.toString(id), user);
    }

    private static Leave leave(long id, User user) {
        return new Leave("r", "2026-12-06T00:00:00Z", Long.toString(id), user);
    }

    @Test
    void startsFromWhatWasReadAndAppliesOnlyWhatCameAfterIt() {
        PresenceReplica replica = new PresenceReplica(10, List.of(ANN), List.of(join(9, BOB), join(11, BOB)));
        assertEquals(List.of(ANN, BOB), replica.members(10), "the join at 9 is in the read already; 11 is not");
        replica.apply(new Message("r", "t", "12", ANN, "hi", null));
        assertEquals(12, replica.at(), "every event moves it on, not only joins and leaves");
        replica.apply(leave(12, ANN));
        assertEquals(List.of(ANN, BOB), replica.members(10), "an id it has seen changes nothing");
        replica.apply(leave(13, ANN));
        assertEquals(List.of(BOB), replica.members(10));
        assertEquals(1, replica.count());
    }

    @Test
    void oneUsersConnectionsShareANameAndEachCounts() {
        User ann = new User("Ann", "10.0.0.1", true, null, null);
        PresenceReplica replica = new PresenceReplica(Long.MIN_VALUE, List.of(), List.of());
        replica.apply(join(1, ann));
        replica.apply(join(2, ann));
        assertEquals(List.of(ann, ann), replica.members(10));
        replica.apply(leave(3, ann));
        assertEquals(List.of(ann), replica.members(10));
        assertEquals(List.of(), replica.members(0), "past the limit: counted, not listed");
        assertEquals(1, replica.count());
        replica.apply(leave(4, BOB));
        assertEquals(1, replica.count(), "a leave of someone it never saw join changes nothing");
    }
}
