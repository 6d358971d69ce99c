package dev.chatwar.room;

import static dev.chatwar.room.ChatServiceTest.frames;
import static dev.chatwar.room.ChatServiceTest.types;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.engine.InMemoryEngine;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.support.Chats;
import dev.chatwar.support.RecordingConnection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two chat nodes on one in-memory engine: each room event reaches both nodes' members once, in one order. */
class TwoNodeChatTest {
    private final InMemoryEngine engine = Chats.inMemory(10);
    private final ChatService east = Chats.node(engine, 1000);
    private final ChatService west = Chats.node(engine, 1000);

    private static List<String> texts(RecordingConnection connection) throws Exception {
        return frames(connection).stream().filter(f -> f.get("type").asText().equals("message"))
                .map(f -> f.get("text").asText()).toList();
    }

    @Test
    void aMessageReachesMembersOnBothNodesExactlyOnce() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        RecordingConnection bob = new RecordingConnection();
        Member a = Chats.join(east, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        Chats.join(west, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        east.receive(a, "across");
        assertEquals(List.of("across"), texts(alice));
        assertEquals(List.of("across"), texts(bob));
        JsonNode atBob = frames(bob).get(frames(bob).size() - 1);
        assertEquals("alice", atBob.get("user").get("name").asText(), "the origin node's stamp travels unchanged");
    }

    @Test
    void joinsAndLeavesCrossToo() throws Exception {
        RecordingConnection bob = new RecordingConnection();
        Chats.join(west, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        Member a = Chats.join(east, JoinRequest.guest("r", "alice", "10.0.0.1"), new RecordingConnection());
        east.leave(a);
        List<String> types = frames(bob).stream().map(f -> f.get("type").asText()).toList();
        assertEquals(List.of("welcome", "join", "join", "leave"), types);
    }

    @Test
    void aNodeWithoutMembersInTheRoomStillKeepsItsHistory() throws Exception {
        Member a = Chats.join(east, JoinRequest.guest("r", "alice", "10.0.0.1"), new RecordingConnection());
        east.receive(a, "for later");
        RecordingConnection bob = new RecordingConnection();
        Chats.join(west, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        assertEquals("for later", frames(bob).get(0).get("history").get(0).get("text").asText());
    }

    @Test
    void otherRoomsAreUntouched() throws Exception {
        RecordingConnection bob = new RecordingConnection();
        Chats.join(west, JoinRequest.guest("elsewhere", "bob", "10.0.0.2"), bob);
        Member a = Chats.join(east, JoinRequest.guest("r", "alice", "10.0.0.1"), new RecordingConnection());
        east.receive(a, "not for bob");
        assertEquals(List.of(), texts(bob));
    }

    @Test
    void aReconnectOnTheOtherNodeTakesOverTheMembersPlaceUnannounced() throws Exception {
        RecordingConnection bob = new RecordingConnection();
        Chats.join(west, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        RecordingConnection stale = new RecordingConnection();
        Member old = Chats.join(east, JoinRequest.guest("r", "alice", "10.0.0.1"), stale);
        String token = frames(stale).get(0).get("resume").asText();
        int bobBefore = bob.sent().size();

        RecordingConnection fresh = new RecordingConnection();
        Member back = Chats.join(west, new JoinRequest("r", "alice", "10.0.0.7", null, null, token), fresh);
        assertEquals("alice", back.user().name(), "her own name, on the other node");
        assertEquals(CloseCode.REPLACED, stale.closedWith(), "the old connection, on the first node, is closed");
        assertEquals(List.of("welcome"), types(fresh), "a takeover has no join of its own");
        assertEquals(bobBefore, bob.sent().size(), "bob hears neither a leave nor a join");
        assertEquals(0, east.memberCount());
        assertEquals(2, west.memberCount());

        east.leave(old); // the old connection's own departure, when its close completes
        west.receive(back, "still me");
        assertEquals(List.of("message"), types(bob).subList(types(bob).size() - 1, types(bob).size()),
                "the next bob hears is her message: the old connection's end announced nothing");
        RecordingConnection again = new RecordingConnection();
        Chats.join(east, new JoinRequest("r", "alice", "10.0.0.8", null, null, token), again);
        assertEquals(List.of("welcome", "join"), types(again), "a token takes over once; then it joins as anyone");
        assertEquals(null, fresh.closedWith(), "the place it took stays taken");
    }

    @Test
    void aGuestCannotClaimAVerifiedUsersPlaceOnTheOtherNode() throws Exception {
        RecordingConnection dave = new RecordingConnection();
        Chats.join(east, new JoinRequest("r", null, "10.0.0.1", "dave", null, null), dave);
        String token = frames(dave).get(0).get("resume").asText();
        RecordingConnection impostor = new RecordingConnection();
        Chats.join(west, new JoinRequest("r", "dave", "10.0.0.9", null, null, token), impostor);
        assertEquals(null, dave.closedWith(), "dave keeps his place");
        assertEquals(List.of("welcome", "join"), types(impostor), "the guest joins as a newcomer");
    }
}
