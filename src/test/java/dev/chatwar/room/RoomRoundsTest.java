package dev.chatwar.room;

import dev.chatwar.protocol.Packing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.transport.OutboundQueue;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.Frame;
import dev.chatwar.support.Chats;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A room's events gather into rounds while its runner is busy; each round is encoded once and, for members that take
 * packed frames, packed once into the same frames for all of them. Here the runner runs only when the test says, so
 * every interleaving of rounds, joins, leaves and stalled readers can be set up on purpose.
 */
class RoomRoundsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PACK_BYTES = 2_000;

    /** The round runner: tasks wait until the test runs them. */
    private final Deque<Runnable> rounds = new ArrayDeque<>();
    private final ChatService chat = Chats.node(Chats.inMemory(10), 1_000, rounds::add);

    /** A member's socket: a real {@link OutboundQueue} whose sends complete at once, or only when resumed. */
    private static final class Peer implements OutboundQueue.Transport {
        final List<String> frames = new ArrayList<>();
        final List<CloseCode> closes = new ArrayList<>();
        final OutboundQueue queue;
        boolean stalled;
        int unfinishedSends;

        Peer(int packBytes, int maxEvents) {
            queue = new OutboundQueue(maxEvents, 1_000_000, new Packing(packBytes), dev.chatwar.room.Telemetry.NONE,
                    Runnable::run, () -> { }, q -> this);
        }

        @Override
        public void send(Frame frame) {
            frames.add(frame.text());
            if (stalled) {
                unfinishedSends++;
            } else {
                queue.sent(null);
            }
        }

        @Override
        public void sendPing() {
            queue.sent(null);
        }

        @Override
        public void close(CloseCode code, String reason) {
            closes.add(code);
        }

        @Override
        public void abandon(String reason) {
        }

        void resume() {
            stalled = false;
            while (unfinishedSends > 0) {
                unfinishedSends--;
                queue.sent(null);
            }
        }

        /** Every event received, one per line, in order. */
        List<JsonNode> events() throws Exception {
            List<JsonNode> events = new ArrayList<>();
            for (String frame : frames) {
                for (String line : frame.split("\n")) {
                    events.add(JSON.readTree(line));
                }
            }
            return events;
        }

        /** The texts of the messages received: the welcome's history, then live ones. */
        List<String> texts() throws Exception {
            List<String> texts = new ArrayList<>();
            for (JsonNode event : events()) {
                if (event.path("type").asText().equals("welcome")) {
                    event.path("history").forEach(m -> texts.add(m.path("text").asText()));
                } else if (event.path("type").asText().equals("message")) {
                    texts.add(event.path("text").asText());
                }
            }
            return texts;
        }

        List<String> frames() {
            return frames;
        }
    }

    private static Peer packing() {
        return new Peer(PACK_BYTES, 10_000);
    }

    private static Peer single() {
        return new Peer(0, 10_000);
    }

    private Member join(String name, Peer peer) throws Exception {
        Member member = Chats.join(chat, JoinRequest.guest("r", name, "10.0.0.1"), peer.queue);
        runRounds();
        return member;
    }

    /** {@code rounds} rounds of {@code perRound} messages from {@code speaker}, each run; returns what was said. */
    private List<String> sayInRounds(Member speaker, int rounds, int perRound) {
        List<String> said = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < perRound; i++) {
                said.add("r" + round + "e" + i);
                chat.receive(speaker, said.get(said.size() - 1));
            }
            runRounds();
        }
        return said;
    }

    private void runRounds() {
        while (!rounds.isEmpty()) {
            rounds.poll().run();
        }
    }

    @Test
    void aLoneMessageInAQuietRoomIsHandedToTheRunnerAtOnceAndLeavesAlone() throws Exception {
        Peer alice = packing();
        Member a = join("alice", alice);
        int before = alice.frames().size();
        chat.receive(a, "hello");
        assertEquals(1, rounds.size(), "the first event of a round schedules its fan-out, with no delay");
        runRounds();
        assertEquals(before + 1, alice.frames().size());
        assertEquals(1, alice.frames().get(before).split("\n").length, "a round of one is one event");
    }

    @Test
    void eventsThatArriveWhileTheRunnerIsBusyLeaveAsOneFrameBuiltOnceForEveryPackingMember() throws Exception {
        Peer alice = packing();
        Peer bob = packing();
        Peer carol = single();
        Member a = join("alice", alice);
        join("bob", bob);
        join("carol", carol);
        int aliceBefore = alice.frames().size();
        int bobBefore = bob.frames().size();
        int carolBefore = carol.frames().size();
        for (String text : List.of("one", "two", "three")) {
            chat.receive(a, text);
        }
        assertEquals(1, rounds.size(), "one fan-out for the three");
        runRounds();
        List<String> aliceGot = alice.frames().subList(aliceBefore, alice.frames().size());
        List<String> bobGot = bob.frames().subList(bobBefore, bob.frames().size());
        assertEquals(1, aliceGot.size(), "one frame: " + aliceGot);
        assertSame(aliceGot.get(0), bobGot.get(0), "the same frame, built once, for both");
        assertEquals(3, carol.frames().size() - carolBefore, "batch=0: one event per frame, unchanged");
        for (Peer peer : List.of(alice, bob, carol)) {
            List<String> texts = peer.texts();
            assertEquals(List.of("one", "two", "three"), texts.subList(texts.size() - 3, texts.size()));
        }
    }

    @Test
    void aRoundLargerThanAFrameIsSplitInOrderAndEachPartStaysWithinTheLimit() throws Exception {
        Peer alice = packing();
        Member a = join("alice", alice);
        int before = alice.frames().size();
        List<String> said = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            said.add("m" + i + "-" + "x".repeat(10));
            chat.receive(a, said.get(i));
        }
        runRounds();
        List<String> got = alice.frames().subList(before, alice.frames().size());
        assertTrue(got.size() > 1, "60 events of ~150 bytes do not fit in one frame of 2,000");
        got.forEach(frame -> assertTrue(frame.length() <= PACK_BYTES, frame.length() + " bytes"));
        assertEquals(said, alice.texts());
    }

    @Test
    void aReaderThatFallsBehindCatchesUpWithEverythingInOrderInFewerWrites() throws Exception {
        Peer alice = packing();
        Peer slow = packing();
        Member a = join("alice", alice);
        join("slow", slow);
        slow.stalled = true;
        List<String> said = sayInRounds(a, 10, 3);
        int writesWhileStalled = slow.frames().size();
        slow.resume();
        assertEquals(said, slow.texts().subList(slow.texts().size() - said.size(), slow.texts().size()));
        assertTrue(slow.frames().size() - writesWhileStalled < 10,
                "ten waiting rounds leave joined: " + (slow.frames().size() - writesWhileStalled) + " writes");
        assertEquals(List.of(), slow.closes);
    }

    @Test
    void readersThatFellBehindAtTheSamePointCatchUpWithOneSharedFrame() throws Exception {
        Peer alice = packing();
        Peer first = packing();
        Peer second = packing();
        Member a = join("alice", alice);
        join("first", first);
        join("second", second);
        chat.receive(a, "before"); // each has one send in flight now, and the rest waits behind it
        runRounds();
        first.stalled = true;
        second.stalled = true;
        for (int round = 0; round < 5; round++) {
            chat.receive(a, "r" + round);
            runRounds();
        }
        int firstBefore = first.frames().size();
        int secondBefore = second.frames().size();
        first.resume();
        second.resume();
        List<String> firstGot = first.frames().subList(firstBefore, first.frames().size());
        List<String> secondGot = second.frames().subList(secondBefore, second.frames().size());
        assertEquals(1, firstGot.size(), "five waiting rounds in one frame: " + firstGot);
        assertSame(firstGot.get(0), secondGot.get(0), "joined once for both");
        assertEquals(List.of("before", "r0", "r1", "r2", "r3", "r4"), second.texts().subList(
                second.texts().size() - 6, second.texts().size()));
    }

    @Test
    void aReaderThatFallsTooFarBehindIsClosedAsTooSlowAndTheOthersGoOn() throws Exception {
        Peer alice = packing();
        Peer slow = new Peer(PACK_BYTES, 20);
        Member a = join("alice", alice);
        join("slow", slow);
        slow.stalled = true;
        sayInRounds(a, 10, 3);
        assertEquals(List.of(CloseCode.SLOW_CONSUMER), slow.closes, "30 events against a bound of 20");
        assertEquals(30, alice.texts().size());
    }

    /**
     * Random interleavings of messages, rounds, joins, leaves and stalls: every member still here at the end has
     * every message said since it joined, once and in order, and only a contiguous run of the room's messages.
     */
    @Test
    void everyMemberGetsEveryEventOnceInOrderWhateverTheInterleaving() throws Exception {
        Random random = new Random(12);
        for (int trial = 0; trial < 30; trial++) {
            ChatService chat = Chats.node(Chats.inMemory(10), trial % 2 == 0 ? 1_000 : 3, rounds::add);
            List<String> said = new ArrayList<>();
            List<Peer> peers = new ArrayList<>();
            List<Member> members = new ArrayList<>();
            List<Integer> joinedAt = new ArrayList<>();
            for (int step = 0; step < 200; step++) {
                int action = random.nextInt(10);
                if (action == 0 || members.isEmpty()) {
                    Peer peer = random.nextBoolean() ? packing() : single();
                    peer.stalled = random.nextInt(4) == 0;
                    peers.add(peer);
                    members.add(Chats.join(chat, JoinRequest.guest("r", "p" + step, "10.0.0.1"), peer.queue));
                    joinedAt.add(said.size());
                } else if (action == 1 && members.size() > 1) {
                    int gone = random.nextInt(members.size());
                    chat.leave(members.remove(gone));
                    peers.remove(gone);
                    joinedAt.remove(gone);
                } else if (action < 7) {
                    String text = "m" + said.size();
                    said.add(text);
                    chat.receive(members.get(random.nextInt(members.size())), text);
                } else if (action == 7) {
                    peers.get(random.nextInt(peers.size())).resume();
                } else if (!rounds.isEmpty()) {
                    rounds.poll().run();
                }
            }
            runRounds();
            for (int i = 0; i < peers.size(); i++) {
                Peer peer = peers.get(i);
                peer.resume();
                List<String> texts = peer.texts();
                String context = "trial " + trial + ", member " + i + " joined before " + joinedAt.get(i);
                assertEquals(List.of(), peer.closes, context);
                int first = texts.isEmpty() ? said.size() : Integer.parseInt(texts.get(0).substring(1));
                assertTrue(first <= joinedAt.get(i), context + ": missed messages after its join: " + texts);
                assertEquals(said.subList(first, said.size()), texts, context);
            }
        }
    }
}
