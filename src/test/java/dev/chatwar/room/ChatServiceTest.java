package dev.chatwar.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.support.Chats;
import static dev.chatwar.support.Frames.frames;
import static dev.chatwar.support.Frames.last;
import static dev.chatwar.support.Frames.types;
import dev.chatwar.support.RecordingConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/** Rooms and the chat service with recording connections: who gets what, in which order. */
class ChatServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static ChatService newChat(int historySize) {
        return newChat(historySize, 1000);
    }

    static ChatService newChat(int historySize, int presenceLimit) {
        return Chats.node(Chats.inMemory(historySize), presenceLimit);
    }

    private final ChatService chat = newChat(3);

    private static List<String> names(JsonNode users) {
        List<String> names = new ArrayList<>();
        users.forEach(user -> names.add(user.get("name").asText()));
        return names;
    }

    @Test
    void newcomerGetsWelcomeThenItsOwnJoin() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        assertEquals(List.of("welcome", "join"), types(alice));
        JsonNode welcome = frames(alice).get(0);
        assertEquals("alice", welcome.get("you").get("name").asText());
        assertEquals("10.0.0.1", welcome.get("you").get("address").asText());
        assertEquals(List.of(), alice.unflushed(), "everything queued was flushed");
        assertEquals(0, alice.uninvitedFlushes());
    }

    @Test
    void messageGoesToEveryMemberSenderIncludedWithServerStampedIdentity() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        RecordingConnection bob = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        Member b = Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        chat.receive(b, "{\"type\":\"message\",\"text\":\"hi\",\"user\":{\"name\":\"alice\"}}");
        for (RecordingConnection member : List.of(alice, bob)) {
            JsonNode message = last(member);
            assertEquals("message", message.get("type").asText());
            assertEquals("bob", message.get("user").get("name").asText());
            assertEquals("10.0.0.2", message.get("user").get("address").asText());
            assertEquals("hi", message.get("text").asText());
        }
    }

    @Test
    void leaveIsAnnouncedToTheRestAndTheEmptyRoomIsDropped() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        RecordingConnection bob = new RecordingConnection();
        Member a = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        Member b = Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        chat.leave(b);
        assertEquals("leave", last(alice).get("type").asText());
        assertEquals("bob", last(alice).get("user").get("name").asText());
        assertEquals(List.of("welcome", "join"), types(bob), "the leaver gets nothing after its own join");
        chat.leave(a);
        assertEquals(0, chat.rooms().roomCount());
        chat.leave(a);
        assertEquals(0, chat.rooms().roomCount(), "leaving twice is harmless");
    }

    @Test
    void pastThePresenceLimitOnlyMessagesReachEveryone() throws Exception {
        ChatService small = newChat(3, 2);
        RecordingConnection alice = new RecordingConnection();
        RecordingConnection bob = new RecordingConnection();
        RecordingConnection carol = new RecordingConnection();
        Chats.join(small, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        Member b = Chats.join(small, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        Member c = Chats.join(small, JoinRequest.guest("r", "carol", "10.0.0.3"), carol);

        assertEquals(List.of("welcome", "join", "join"), types(alice), "alice hears bob, not carol (the third)");
        assertEquals(List.of("welcome", "join"), types(carol), "carol hears only her own join");
        JsonNode welcome = frames(carol).get(0);
        assertEquals(0, welcome.get("members").size(), "past the limit nobody is listed");
        assertEquals(3, welcome.get("count").asInt());

        small.receive(b, "{\"type\":\"message\",\"text\":\"to all three\"}");
        for (RecordingConnection member : List.of(alice, bob, carol)) {
            assertEquals("to all three", last(member).get("text").asText());
        }

        small.leave(c); // three → two: the room was past the limit, nobody hears it
        assertEquals("message", last(alice).get("type").asText());
        small.leave(b); // two → one: announced again
        assertEquals("leave", last(alice).get("type").asText());
        assertEquals("bob", last(alice).get("user").get("name").asText());
    }

    @Test
    void aMemberWhoLeftCannotSpeak() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        RecordingConnection bob = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        Member b = Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        chat.leave(b);
        int before = alice.sent().size();
        chat.receive(b, "ghost");
        assertEquals(before, alice.sent().size());
    }

    @Test
    void welcomeCarriesMembersAndTheRoomsHistoryBoundedOldestFirst() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        Member a = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        for (int i = 1; i <= 5; i++) {
            chat.receive(a, "m" + i);
        }
        RecordingConnection bob = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        JsonNode welcome = frames(bob).get(0);
        assertEquals(2, welcome.get("members").size());
        List<String> history = new ArrayList<>();
        welcome.get("history").forEach(m -> history.add(m.get("text").asText()));
        assertEquals(List.of("m3", "m4", "m5"), history);
    }

    @Test
    void historySurvivesTheRoomEmptying() throws Exception {
        Member a = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), new RecordingConnection());
        chat.receive(a, "remember me");
        chat.leave(a);
        RecordingConnection bob = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        assertEquals("remember me", frames(bob).get(0).get("history").get(0).get("text").asText());
    }

    @Test
    void refusedFramesAnswerOnlyTheSender() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        RecordingConnection bob = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        Member b = Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        int aliceBefore = alice.sent().size();
        chat.receive(b, "x".repeat(21));
        assertEquals("too_long", last(bob).get("code").asText());
        chat.receive(b, " \n ");
        assertEquals("empty", last(bob).get("code").asText());
        chat.receive(b, "{\"type\":\"dance\"}");
        assertEquals("bad_request", last(bob).get("code").asText());
        assertEquals(aliceBefore, alice.sent().size(), "alice saw nothing of it");
        chat.receive(b, "x".repeat(20));
        assertEquals("message", last(alice).get("type").asText(), "20 code points is within the limit");
    }

    @Test
    void lengthCountsCodePointsNotUtf16Units() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        Member a = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        chat.receive(a, "😀".repeat(20));
        assertEquals("message", last(alice).get("type").asText());
    }

    @Test
    void takenNamesGetASuffixComparedWithoutCase() throws Exception {
        RecordingConnection first = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), first);
        assertEquals("Alice (2)", Chats.join(chat, JoinRequest.guest("r", "Alice", "10.0.0.2"), new RecordingConnection()).user().name());
        assertEquals("alice (3)", Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.3"), new RecordingConnection()).user().name());
        assertEquals("alice", Chats.join(chat, JoinRequest.guest("other", "alice", "10.0.0.3"), new RecordingConnection()).user().name());
    }

    @Test
    void anAuthenticatedUserGetsExactlyItsNameAndGuestsCannotTakeIt() throws Exception {
        RecordingConnection guestFirst = new RecordingConnection();
        Member early = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.9"), guestFirst);
        assertEquals("alice", early.user().name(), "no verified alice known yet");
        Member alice = Chats.join(chat, new JoinRequest("r", "ignored", "10.0.0.1", "alice", null, null), new RecordingConnection());
        assertEquals("alice", alice.user().name(), "the principal's name, whatever was asked for");
        assertTrue(alice.user().hasVerifiedName());
        assertEquals(null, early.user().verified(), "guests carry no verified flag");
        Member guest = Chats.join(chat, JoinRequest.guest("other", "ALICE", "10.0.0.2"), new RecordingConnection());
        assertEquals("ALICE (2)", guest.user().name(), "a verified user's name is reserved in every room");
        JsonNode join = frames(guestFirst).get(frames(guestFirst).size() - 1);
        assertTrue(join.get("user").get("verified").asBoolean(), "others see the name is verified");
    }

    private static List<String> historyTexts(JsonNode welcome) {
        List<String> texts = new ArrayList<>();
        welcome.get("history").forEach(m -> texts.add(m.get("text").asText()));
        return texts;
    }

    private static List<String> messageIds(RecordingConnection connection) throws Exception {
        return frames(connection).stream().filter(f -> f.get("type").asText().equals("message"))
                .map(f -> f.get("id").asText()).toList();
    }

    @Test
    void sinceGivesExactlyTheMessagesAfterItWhileHistoryReachesBack() throws Exception {
        ChatService chat = newChat(5);
        RecordingConnection alice = new RecordingConnection();
        Member a = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        for (int i = 1; i <= 4; i++) {
            chat.receive(a, "m" + i);
        }
        List<String> ids = messageIds(alice);
        RecordingConnection back = new RecordingConnection();
        Chats.join(chat, new JoinRequest("r", "bob", "10.0.0.2", null, ids.get(1), null), back);
        JsonNode welcome = frames(back).get(0);
        assertEquals(List.of("m3", "m4"), historyTexts(welcome));
        assertEquals(false, welcome.get("gap").asBoolean(true));

        RecordingConnection upToDate = new RecordingConnection();
        Chats.join(chat, new JoinRequest("r", "carol", "10.0.0.3", null, ids.get(3), null), upToDate);
        assertEquals(List.of(), historyTexts(frames(upToDate).get(0)));
        assertEquals(false, frames(upToDate).get(0).get("gap").asBoolean(true));
    }

    @Test
    void sinceBeyondHistoryOrUnknownSaysThereIsAGap() throws Exception {
        ChatService chat = newChat(2);
        RecordingConnection alice = new RecordingConnection();
        Member a = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        for (int i = 1; i <= 4; i++) {
            chat.receive(a, "m" + i);
        }
        String first = messageIds(alice).get(0);
        for (String since : List.of(first, "not-an-id", "1")) {
            RecordingConnection back = new RecordingConnection();
            Chats.join(chat, new JoinRequest("r", "b" + since.length(), "10.0.0.2", null, since, null), back);
            JsonNode welcome = frames(back).get(0);
            assertEquals(true, welcome.get("gap").asBoolean(), since);
            assertEquals(List.of("m3", "m4"), historyTexts(welcome), "the recent history instead");
        }
        RecordingConnection fresh = new RecordingConnection();
        Chats.join(chat, new JoinRequest("empty", "x", "10.0.0.3", null, first, null), fresh);
        assertEquals(true, frames(fresh).get(0).get("gap").asBoolean(), "an empty history after a restart is a gap");
        RecordingConnection plain = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "y", "10.0.0.3"), plain);
        assertTrue(!frames(plain).get(0).has("gap"), "no since, no gap field");
    }

    @Test
    void aResentCidIsDeliveredOnceAndTheSenderGetsTheOriginalBack() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        RecordingConnection bob = new RecordingConnection();
        Member a = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        chat.receive(a, "{\"type\":\"message\",\"text\":\"once\",\"cid\":\"c-1\"}");
        chat.leave(a);
        RecordingConnection again = new RecordingConnection();
        Member a2 = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), again);
        chat.receive(a2, "{\"type\":\"message\",\"text\":\"once\",\"cid\":\"c-1\"}");
        assertEquals(1, messageIds(bob).size(), "bob got the message once");
        JsonNode echoed = last(again);
        assertEquals("c-1", echoed.get("cid").asText(), "the resender gets the original, cid included");
        assertEquals(messageIds(bob).get(0), echoed.get("id").asText());
    }

    @Test
    void aCidMatchesOnlyTheSameSendersEarlierMessage() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        RecordingConnection bob = new RecordingConnection();
        Member a = Chats.join(chat, JoinRequest.guest("r", "ann", "10.0.0.1"), alice);
        Member b = Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        chat.receive(a, "{\"type\":\"message\",\"text\":\"from ann\",\"cid\":\"1\"}");
        chat.receive(b, "{\"type\":\"message\",\"text\":\"from bob\",\"cid\":\"1\"}");
        List<String> seenByAnn = frames(alice).stream().filter(f -> f.get("type").asText().equals("message"))
                .map(f -> f.get("text").asText()).toList();
        assertEquals(List.of("from ann", "from bob"), seenByAnn, "bob's message is his own, not a resend of ann's");
        assertEquals("from bob", last(bob).get("text").asText());
    }

    @Test
    void aReconnectWithTheResumeTokenTakesOverTheMembersPlaceUnannounced() throws Exception {
        RecordingConnection stale = new RecordingConnection();
        RecordingConnection bob = new RecordingConnection();
        Member old = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), stale);
        Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        String token = frames(stale).get(0).get("resume").asText();
        int bobBefore = bob.sent().size();
        RecordingConnection fresh = new RecordingConnection();
        Member back = Chats.join(chat, new JoinRequest("r", "alice", "10.0.0.7", null, null, token), fresh);

        assertEquals("alice", back.user().name(), "the same name, not alice (2)");
        assertEquals("10.0.0.7", back.user().address(), "the address the new connection came from");
        assertEquals(CloseCode.REPLACED, stale.closedWith(), "the replaced connection is closed");
        assertEquals(List.of("welcome"), types(fresh), "a takeover gets its welcome and no join of its own");
        JsonNode welcome = frames(fresh).get(0);
        assertEquals(List.of("alice", "bob"), names(welcome.get("members")).stream().sorted().toList(),
                "alice is listed once");
        assertEquals(2, welcome.get("count").asInt());
        assertTrue(!welcome.get("resume").asText().equals(token), "every welcome carries a new token");
        assertEquals(bobBefore, bob.sent().size(), "bob hears no leave and no join");
        assertEquals(2, chat.memberCount());

        chat.leave(old); // the replaced connection's own departure, when its close completes
        assertEquals(bobBefore, bob.sent().size(), "the replaced member's departure announces nothing");
        assertEquals(2, chat.memberCount());
        chat.receive(back, "{\"type\":\"message\",\"text\":\"still me\"}");
        assertEquals("still me", last(bob).get("text").asText());
        chat.leave(back);
        assertEquals(List.of("leave"), types(bob).subList(types(bob).size() - 1, types(bob).size()));
        assertEquals(1, chat.memberCount());
    }

    /**
     * A member whose token expired steps away: out of the room at once, its place kept for the grace. Its page comes
     * back with a new token and its resume token within the grace and takes the place back: nobody sees a leave or a
     * join. One that does not come back leaves when the grace is over, announced as usual.
     */
    @Test
    void aMemberWhoStepsAwayComesBackUnannouncedOrLeavesAfterTheGrace() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            RecordingConnection bob = new RecordingConnection();
            RecordingConnection first = new RecordingConnection();
            Member ann = Chats.join(chat, new JoinRequest("r", null, "10.0.0.1", "ann", null, null), first);
            Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
            String token = frames(first).get(0).get("resume").asText();
            int bobBefore = bob.sent().size();
            chat.stepAway(ann, Duration.ofSeconds(30), timer);
            assertEquals(1, chat.memberCount(), "out of the room here at once");

            RecordingConnection again = new RecordingConnection();
            Member back = Chats.join(chat, new JoinRequest("r", null, "10.0.0.1", "ann", null, token), again);
            assertEquals("ann", back.user().name());
            assertEquals(List.of("welcome"), types(again), "its place, taken back: no join of its own");
            assertEquals(bobBefore, bob.sent().size(), "bob heard no leave and no join");

            RecordingConnection gone = new RecordingConnection();
            Member carol = Chats.join(chat, JoinRequest.guest("r", "carol", "10.0.0.3"), gone);
            chat.stepAway(carol, Duration.ofMillis(50), timer);
            bob.awaitSent(bobBefore + 2, Duration.ofSeconds(5)); // carol's join, then her leave after the grace
            assertEquals(List.of("join", "leave"), types(bob).subList(bobBefore, bobBefore + 2));
            assertEquals("carol", last(bob).get("user").get("name").asText());
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void aTakeoverKeepsTheSendersCidsAsItsOwn() throws Exception {
        RecordingConnection stale = new RecordingConnection();
        RecordingConnection bob = new RecordingConnection();
        Member old = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), stale);
        Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        chat.receive(old, "{\"type\":\"message\",\"text\":\"once\",\"cid\":\"c-1\"}");
        String token = frames(stale).get(0).get("resume").asText();
        RecordingConnection fresh = new RecordingConnection();
        Member back = Chats.join(chat, new JoinRequest("r", "alice", "10.0.0.1", null, null, token), fresh);
        chat.receive(back, "{\"type\":\"message\",\"text\":\"once\",\"cid\":\"c-1\"}");
        assertEquals(1, messageIds(bob).size(), "the outbox's resend after the takeover is not delivered again");
        assertEquals("c-1", last(fresh).get("cid").asText(), "the resender gets the original back");
    }

    @Test
    void aTokenThatIsWrongOrOfAnotherRoomOrOfAMemberWhoLeftJoinsAsUsual() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        Member a = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        String token = frames(alice).get(0).get("resume").asText();
        RecordingConnection guess = new RecordingConnection();
        assertEquals("alice (2)", Chats.join(chat, new JoinRequest("r", "alice", "10.0.0.9", null, null, token + "x"), guess).user().name());
        assertEquals(List.of("welcome", "join"), types(guess));
        RecordingConnection elsewhere = new RecordingConnection();
        assertEquals("alice", Chats.join(chat, new JoinRequest("other", "alice", "10.0.0.9", null, null, token), elsewhere).user().name());
        assertEquals(List.of("welcome", "join"), types(elsewhere), "a joiner in another room, not a takeover");
        assertEquals(null, alice.closedWith(), "neither closed the member the token belongs to");
        chat.leave(a);
        RecordingConnection late = new RecordingConnection();
        assertEquals("alice", Chats.join(chat, new JoinRequest("r", "alice", "10.0.0.1", null, null, token), late).user().name());
        assertEquals(List.of("welcome", "join"), types(late), "after a leave the token is void: a plain join");
    }

    @Test
    void aGuestsTokenDoesNotMakeAVerifiedUserOfItsHolderNorTheReverse() throws Exception {
        RecordingConnection guest = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "carol", "10.0.0.1"), guest);
        String guestToken = frames(guest).get(0).get("resume").asText();
        RecordingConnection verified = new RecordingConnection();
        Member carol = Chats.join(chat, new JoinRequest("r", null, "10.0.0.2", "dave", null, guestToken), verified);
        assertEquals("dave", carol.user().name(), "an authenticated user keeps its own name");
        assertEquals(null, guest.closedWith());
        String daveToken = frames(verified).get(0).get("resume").asText();
        RecordingConnection impostor = new RecordingConnection();
        Member guestWithDavesToken = Chats.join(chat, new JoinRequest("r", "dave", "10.0.0.3", null, null, daveToken), impostor);
        assertEquals("dave (2)", guestWithDavesToken.user().name(), "a guest cannot take a verified user's place");
        assertEquals(null, verified.closedWith());
    }

    @Test
    void typingReachesTheOthersOnlyAndAtMostOnceASecond() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        RecordingConnection bob = new RecordingConnection();
        Member a = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        int aliceBefore = alice.sent().size();
        chat.receive(a, "{\"type\":\"typing\"}");
        chat.receive(a, "{\"type\":\"typing\"}");
        assertEquals(List.of("welcome", "join", "typing"), types(bob));
        assertEquals("alice", last(bob).get("user").get("name").asText());
        assertEquals(aliceBefore, alice.sent().size(), "the typist is not told");
    }

    @Test
    void idsIncreaseInEveryMembersDeliveryOrder() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        Member a = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), new RecordingConnection());
        chat.receive(a, "one");
        chat.receive(a, "two");
        long previous = 0;
        for (JsonNode frame : frames(alice)) {
            if (frame.has("id")) {
                long id = Long.parseLong(frame.get("id").asText());
                assertTrue(id > previous);
                previous = id;
            }
        }
    }

    @Test
    void invalidParametersAreRefused() {
        assertThrows(JoinRefusedException.class, () -> Chats.join(chat, JoinRequest.guest("no spaces", "a", "1"), new RecordingConnection()));
        assertThrows(JoinRefusedException.class, () -> Chats.join(chat, JoinRequest.guest("r", "<b>", "1"), new RecordingConnection()));
        assertEquals(0, chat.rooms().roomCount());
    }

    @Test
    void shutdownClosesEveryConnectionGoingAway() throws Exception {
        RecordingConnection alice = new RecordingConnection();
        RecordingConnection bob = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), alice);
        Chats.join(chat, JoinRequest.guest("s", "bob", "10.0.0.2"), bob);
        chat.shutdown(java.time.Duration.ofSeconds(1));
        assertEquals(CloseCode.GOING_AWAY, alice.closedWith());
        assertEquals(CloseCode.GOING_AWAY, bob.closedWith());
    }
}
