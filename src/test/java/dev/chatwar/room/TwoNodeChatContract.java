package dev.chatwar.room;

import static dev.chatwar.support.ChatClient.WAIT;
import static dev.chatwar.support.ChatClient.entered;
import static dev.chatwar.support.ChatClient.enteredAfter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.support.ChatClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What members of two chat nodes on one engine see, whichever engine it is: one order, every event once on both
 * nodes, and recovery and takeovers across nodes. Run by {@link TwoNodeChatTest} (in memory) and
 * {@link RedisChatTest} (a real {@code redis-server}), as {@code EngineContract} is for the engines themselves.
 */
abstract class TwoNodeChatContract {
    /** Messages the engine keeps per room, at least; the tests below need no more. */
    static final int HISTORY = 5;

    protected ChatService east;
    protected ChatService west;

    /** Starts what the nodes share (the engine's store), before any node. */
    protected abstract void startEngine() throws Exception;

    /** A new node of the chat, keeping {@code historySize} messages per room. */
    protected abstract ChatService newNode(int historySize) throws Exception;

    /** Stops the nodes and what they share. */
    protected abstract void stopEngine() throws Exception;

    @BeforeEach
    void twoNodes() throws Exception {
        startEngine();
        east = newNode(HISTORY);
        west = newNode(HISTORY);
    }

    @AfterEach
    void stop() throws Exception {
        stopEngine();
    }

    @Test
    void aMessageReachesMembersOnBothNodesExactlyOnceWithItsSendersStamp() throws Exception {
        ChatClient alice = entered(east, "r", "alice");
        ChatClient bob = enteredAfter(alice, west, "r", "bob");
        alice.say(east, "across", null);
        assertEquals("across", alice.nextMessage().path("text").asText());
        JsonNode atBob = bob.nextMessage();
        assertEquals("across", atBob.path("text").asText());
        assertEquals("alice", atBob.path("user").path("name").asText(), "the origin node's stamp travels unchanged");
        bob.say(west, "sentinel", null);
        assertEquals("sentinel", alice.nextMessage().path("text").asText(), "once");
        assertEquals("sentinel", bob.nextMessage().path("text").asText(), "once");
    }

    @Test
    void membersOnTwoNodesSeeOneOrderWithTheSameIds() throws Exception {
        ChatClient alice = entered(east, "r", "alice");
        ChatClient bob = enteredAfter(alice, west, "r", "bob");
        for (int i = 0; i < 10; i++) {
            alice.say(east, "a" + i, null);
            bob.say(west, "b" + i, null);
        }
        List<String> atAlice = new ArrayList<>();
        List<String> atBob = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            JsonNode a = alice.nextMessage();
            JsonNode b = bob.nextMessage();
            atAlice.add(a.path("id").asText() + " " + a.path("text").asText());
            atBob.add(b.path("id").asText() + " " + b.path("text").asText());
        }
        assertEquals(atAlice, atBob, "one order, one set of ids, on both nodes");
    }

    @Test
    void joinsAndLeavesCrossToo() throws Exception {
        ChatClient bob = entered(west, "r", "bob");
        ChatClient alice = entered(east, "r", "alice");
        JsonNode join = bob.next();
        assertEquals(List.of("join", "alice"), List.of(join.path("type").asText(),
                join.path("user").path("name").asText()));
        east.leave(alice.member);
        JsonNode leave = bob.next();
        assertEquals(List.of("leave", "alice"), List.of(leave.path("type").asText(),
                leave.path("user").path("name").asText()));
    }

    @Test
    void aNodeWithoutMembersInTheRoomStillGivesItsHistory() throws Exception {
        ChatClient alice = entered(east, "r", "alice");
        alice.say(east, "for later", null);
        alice.nextMessage();
        ChatClient bob = ChatClient.join(west, JoinRequest.guest("r", "bob", "10.0.0.2"));
        assertEquals("for later", bob.next("welcome").path("history").get(0).path("text").asText());
    }

    @Test
    void otherRoomsAreUntouched() throws Exception {
        ChatClient bob = entered(west, "elsewhere", "bob");
        ChatClient alice = entered(east, "r", "alice");
        alice.say(east, "not for bob", null);
        alice.nextMessage();
        bob.say(west, "sentinel", null);
        assertEquals("sentinel", bob.nextMessage().path("text").asText(), "bob got nothing of room r");
    }

    @Test
    void sinceOnTheOtherNodeGetsExactlyWhatWasMissed() throws Exception {
        ChatClient alice = entered(east, "r", "alice");
        alice.say(east, "seen", null);
        String seen = alice.nextMessage().path("id").asText();
        alice.say(east, "missed 1", null);
        alice.say(east, "missed 2", null);
        alice.nextMessage();
        alice.nextMessage();
        ChatClient back = ChatClient.join(west, JoinRequest.guest("r", "bob", "10.0.0.2").since(seen));
        JsonNode welcome = back.next("welcome");
        assertFalse(welcome.path("gap").asBoolean(), welcome.toString());
        List<String> history = new ArrayList<>();
        welcome.path("history").forEach(m -> history.add(m.path("text").asText()));
        assertEquals(List.of("missed 1", "missed 2"), history);
    }

    @Test
    void aResendThatReachesTheOtherNodeIsDeliveredOnce() throws Exception {
        ChatClient bob = entered(west, "r", "bob");
        ChatClient alice = entered(east, "r", "alice");
        alice.say(east, "once", "c-1");
        String id = bob.nextMessage().path("id").asText();
        // Her connection dropped before the message was confirmed to her; her name is free once her leave is ordered.
        east.leave(alice.member).toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        ChatClient aliceAgain = entered(west, "r", "alice"); // her page, reconnected through the other node
        aliceAgain.say(west, "once", "c-1");
        assertEquals(id, aliceAgain.nextMessage().path("id").asText(), "the sender gets the original back");
        bob.say(west, "sentinel", null);
        assertEquals("sentinel", bob.nextMessage().path("text").asText(), "bob got the resend no second time");
    }

    @Test
    void aReconnectOnTheOtherNodeTakesOverTheMembersPlaceUnannounced() throws Exception {
        ChatClient bob = entered(west, "r", "bob");
        ChatClient stale = ChatClient.join(east, JoinRequest.guest("r", "alice", "10.0.0.1"));
        String token = stale.next("welcome").path("resume").asText();
        stale.next("join");
        bob.next("join");

        ChatClient back = ChatClient.join(west, JoinRequest.guest("r", "alice", "10.0.0.7").resume(token));
        assertEquals("alice", back.next("welcome").path("you").path("name").asText(), "her own name, elsewhere");
        assertEquals(CloseCode.REPLACED, stale.connection.awaitClosed(WAIT), "the old connection is closed");
        assertEquals(0, east.memberCount());
        assertEquals(2, west.memberCount());
        east.leave(stale.member); // the old connection's own departure, when its close completes
        back.say(west, "still me", null);
        JsonNode next = bob.next();
        assertEquals("message", next.path("type").asText(), "bob heard no leave and no join: " + next);
        assertEquals("alice", next.path("user").path("name").asText());
        assertEquals("message", back.next().path("type").asText(), "a takeover has no join of its own");

        ChatClient again = ChatClient.join(east, JoinRequest.guest("r", "alice", "10.0.0.8").resume(token));
        again.next("welcome");
        assertEquals("join", again.next().path("type").asText(), "a token takes over once; then it joins anew");
        assertEquals(null, back.connection.closedWith(), "the place it took stays taken");
    }

    /** A user of the operator's application is its {@code sub}: one name on every node, and its own. */
    @Test
    void oneUserIsOneNameOnBothNodesAndAnotherUserOfTheSameDisplayNameIsAnother() throws Exception {
        ChatClient annEast = ChatClient.join(east, new JoinRequest("r", null, "10.0.0.1", "Ann", null, null, "t:u-1",
                false));
        ChatClient annWest = ChatClient.join(west, new JoinRequest("r", null, "10.0.0.2", "Ann", null, null, "t:u-1",
                false));
        ChatClient otherAnn = ChatClient.join(west, new JoinRequest("r", null, "10.0.0.3", "Ann", null, null,
                "t:u-2", true));
        assertEquals("Ann", annEast.next("welcome").path("you").path("name").asText());
        assertEquals("Ann", annWest.next("welcome").path("you").path("name").asText(), "the same user, the same name");
        JsonNode other = otherAnn.next("welcome").path("you");
        assertEquals("Ann (2)", other.path("name").asText(), "another user, another name");
        assertEquals(true, other.path("moderator").asBoolean(), "a moderator is shown as one");
    }

    @Test
    void aGuestCannotClaimAVerifiedUsersPlaceOnTheOtherNode() throws Exception {
        ChatClient dave = ChatClient.join(east, new JoinRequest("r", null, "10.0.0.1", "dave", null, null));
        String token = dave.next("welcome").path("resume").asText();
        ChatClient impostor = ChatClient.join(west,
                JoinRequest.guest("r", "dave", "10.0.0.9").resume(token));
        impostor.next("welcome");
        assertEquals("join", impostor.next().path("type").asText(), "the guest joins as a newcomer");
        assertEquals(null, dave.connection.closedWith(), "dave keeps his place");
    }
}
