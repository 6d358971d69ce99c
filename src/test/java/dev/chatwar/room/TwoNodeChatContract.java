package dev.chatwar.room;

import static dev.chatwar.support.ChatClient.WAIT;
import static dev.chatwar.support.ChatClient.entered;
import static dev.chatwar.support.ChatClient.enteredAfter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.support.ChatClient;
import dev.chatwar.support.Poll;
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

    /** A verified moderator of the room, entered, at an address of its own. */
    private static ChatClient moderator(ChatService node, String room, String name) throws Exception {
        ChatClient client = ChatClient.join(node, new JoinRequest(room, null, "10.0.9.9", name, null, null,
                "t:" + name, true));
        client.next("welcome");
        client.next("join");
        return client;
    }

    private static ChatClient guestAt(ChatService node, String room, String name, String address) throws Exception {
        ChatClient client = ChatClient.join(node, JoinRequest.guest(room, name, address));
        client.next("welcome");
        client.next("join");
        return client;
    }

    @Test
    void aRemovalOnOneNodeReachesTheOtherInOrderAndTheHistoryKeepsOnlyAPlaceholder() throws Exception {
        ChatClient mo = moderator(east, "r", "mo");
        ChatClient alice = guestAt(west, "r", "alice", "10.0.0.2");
        mo.next("join");
        alice.say(west, "buy cheap pills", null);
        String spam = mo.nextMessage().path("id").asText();
        alice.nextMessage();
        alice.say(west, "after", null);
        String after = mo.nextMessage().path("id").asText();
        east.receive(mo.member, "{\"type\":\"remove\",\"message\":\"" + spam + "\"}");
        for (ChatClient member : List.of(mo, alice)) {
            JsonNode next = member.next(frame -> !frame.path("type").asText().equals("message")
                    || !frame.path("text").asText().equals("after"));
            assertEquals("remove", next.path("type").asText(), "the removal follows the messages, in order");
            assertEquals(spam, next.path("message").asText());
            assertEquals("mo", next.path("by").path("name").asText());
        }
        ChatClient late = ChatClient.join(west, JoinRequest.guest("r", "late", "10.0.0.3"));
        JsonNode history = late.next("welcome").path("history");
        assertEquals(List.of("message", "message", "remove"), List.of(history.get(0).path("type").asText(),
                history.get(1).path("type").asText(), history.get(2).path("type").asText()));
        assertEquals(spam, history.get(0).path("id").asText());
        assertEquals(true, history.get(0).path("removed").asBoolean(), "the placeholder keeps its place");
        assertEquals("", history.get(0).path("text").asText(), "the text is gone from the store");
        ChatClient back = ChatClient.join(east, JoinRequest.guest("r", "back", "10.0.0.4").since(after));
        JsonNode missed = back.next("welcome");
        assertEquals(false, missed.path("gap").asBoolean(true));
        assertEquals("remove", missed.path("history").get(0).path("type").asText(),
                "a member back with since learns of a removal of what it saw before");
        east.receive(mo.member, "{\"type\":\"remove\",\"message\":\"" + spam + "\"}");
        assertEquals("not_found", mo.next("error").path("code").asText(), "removed already");
    }

    @Test
    void aBanOnOneNodeClosesTheMemberOnTheOtherAndKeepsItOutOfBoth() throws Exception {
        ChatClient mo = moderator(east, "r", "mo");
        ChatClient troll = guestAt(west, "r", "troll", "10.0.0.66");
        east.receive(mo.member, "{\"type\":\"ban\",\"name\":\"troll\",\"seconds\":3600,\"reason\":\"spam\"}");
        assertEquals(CloseCode.BANNED, troll.connection.awaitClosed(WAIT));
        java.util.Map<String, JsonNode> seen = new java.util.HashMap<>(); // in either order: they travel apart
        while (seen.size() < 2) {
            JsonNode frame = mo.next(f -> List.of("moderated", "leave").contains(f.path("type").asText()));
            seen.put(frame.path("type").asText(), frame);
        }
        assertEquals(List.of("ban", "troll"), List.of(seen.get("moderated").path("action").asText(),
                seen.get("moderated").path("target").asText()));
        assertEquals("troll", seen.get("leave").path("user").path("name").asText(), "its leave is announced");
        for (ChatService node : List.of(east, west)) {
            assertEquals(true, node.moderation().banned("r", null, null, "10.0.0.66").isPresent(),
                    "the ban holds on every node");
            assertFalse(node.moderation().banned("other", null, null, "10.0.0.66").isPresent(), "in this room only");
        }
    }

    @Test
    void aMuteHoldsOnEveryNodeTellsTheTimeLeftAndEndsWithUnmute() throws Exception {
        ChatClient mo = moderator(east, "r", "mo");
        ChatClient alice = guestAt(west, "r", "alice", "10.0.0.2");
        mo.next("join");
        east.receive(mo.member, "{\"type\":\"mute\",\"name\":\"alice\",\"seconds\":600}");
        assertEquals("mute", mo.next("moderated").path("action").asText());
        // Every node's copy hears of it within moments (with Redis: one pub/sub line), not in the same instant.
        Poll.until(WAIT, "the mute reaches the other node", () -> west.moderation().muted(alice.member).isPresent(),
                true);
        alice.say(west, "can I speak?", null);
        JsonNode refused = alice.next("error");
        assertEquals("muted", refused.path("code").asText());
        long left = refused.path("seconds").asLong();
        assertEquals(true, left > 590 && left <= 600, "the time left: " + left);
        ChatClient again = guestAt(east, "r", "alice2", "10.0.0.2");
        again.say(east, "from elsewhere", null);
        assertEquals("muted", again.next("error").path("code").asText(), "by address, on the other node too");
        east.receive(mo.member, "{\"type\":\"unmute\",\"name\":\"alice\"}");
        assertEquals("unmute", mo.next("moderated").path("action").asText());
        Poll.until(WAIT, "the unmute reaches the other node", () -> west.moderation().muted(alice.member).isPresent(),
                false);
        alice.say(west, "thanks", null);
        assertEquals("thanks", mo.nextMessage().path("text").asText());
    }

    @Test
    void aKickClosesTheMemberOnTheOtherNodeAndFreesItsName() throws Exception {
        ChatClient mo = moderator(east, "r", "mo");
        ChatClient alice = guestAt(west, "r", "alice", "10.0.0.2");
        ChatClient neighbour = guestAt(west, "r", "neighbour", "10.0.0.2");
        east.receive(mo.member, "{\"type\":\"kick\",\"name\":\"ALICE\"}");
        assertEquals(CloseCode.KICKED, alice.connection.awaitClosed(WAIT));
        assertEquals("alice", mo.next("leave").path("user").path("name").asText());
        assertEquals(null, neighbour.connection.closedWith(), "a kick reaches the name, not its address");
        ChatClient again = ChatClient.join(west, JoinRequest.guest("r", "alice", "10.0.0.2"));
        assertEquals("alice", again.next("welcome").path("you").path("name").asText(), "the name is free, no ban");
    }

    @Test
    void aModerationFrameFromAnyoneElseIsForbiddenAndUnknownTargetsAreNotFound() throws Exception {
        ChatClient mo = moderator(east, "r", "mo");
        ChatClient alice = guestAt(west, "r", "alice", "10.0.0.2");
        mo.next("join");
        alice.say(west, "hello", null);
        String id = alice.nextMessage().path("id").asText();
        mo.nextMessage();
        west.receive(alice.member, "{\"type\":\"remove\",\"message\":\"" + id + "\"}");
        west.receive(alice.member, "{\"type\":\"ban\",\"name\":\"mo\"}");
        assertEquals("forbidden", alice.next("error").path("code").asText());
        assertEquals("forbidden", alice.next("error").path("code").asText());
        east.receive(mo.member, "{\"type\":\"kick\",\"name\":\"nobody\"}");
        assertEquals("not_found", mo.next("error").path("code").asText());
        east.receive(mo.member, "{\"type\":\"remove\",\"message\":\"12345\"}");
        assertEquals("not_found", mo.next("error").path("code").asText());
        alice.say(west, "sentinel", null);
        assertEquals("sentinel", mo.next(frame -> !frame.path("type").asText().equals("error"))
                .path("text").asText(), "the room noticed nothing");
    }
}
