package dev.chatwar.room;

import static dev.chatwar.support.Frames.frames;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.engine.Engine;
import dev.chatwar.engine.InMemoryEngine;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.ServerEvent.Typing;
import dev.chatwar.support.Chats;
import dev.chatwar.support.RecordingConnection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * A newcomer's welcome is built from a history read that takes time (with Redis, a round trip), while the room goes
 * on. Whatever is delivered meanwhile must reach the newcomer exactly once: in the welcome's history if the read saw
 * it, else right after the welcome.
 */
class WelcomeMergeTest {

    /** The real in-memory engine, whose snapshots answer only when the test says, read then or earlier. */
    private static final class SlowHistory implements Engine {
        final InMemoryEngine engine = Chats.inMemory(10);
        final List<Runnable> pending = new ArrayList<>();
        boolean readWhenAnswered;
        /** While true, what the engine delivers to this node's rooms waits (a subscription behind the reads). */
        boolean holdDeliveries;
        final List<Runnable> heldDeliveries = new ArrayList<>();
        final Map<Subscriber, Subscriber> lagging = new HashMap<>();

        void releaseDeliveries() {
            holdDeliveries = false;
            heldDeliveries.forEach(Runnable::run);
            heldDeliveries.clear();
        }

        @Override
        public CompletionStage<Snapshot> snapshot(String room, int memberLimit) {
            CompletableFuture<Snapshot> answer = new CompletableFuture<>();
            Snapshot readNow = engine.snapshot(room, memberLimit).toCompletableFuture().join();
            pending.add(() -> answer.complete(readWhenAnswered
                    ? engine.snapshot(room, memberLimit).toCompletableFuture().join() : readNow));
            return answer;
        }

        void answer() {
            pending.forEach(Runnable::run);
            pending.clear();
        }

        @Override
        public CompletionStage<RoomPage> rooms(String cursor, int limit) {
            return engine.rooms(cursor, limit);
        }

        @Override
        public dev.chatwar.engine.Sanctions sanctions() {
            return engine.sanctions();
        }

        @Override
        public CompletionStage<Void> subscribe(String room, Subscriber subscriber) {
            Subscriber behind = lagging.computeIfAbsent(subscriber, key -> new Subscriber() {
                @Override
                public void deliver(RoomEvent event) {
                    if (holdDeliveries) {
                        heldDeliveries.add(() -> subscriber.deliver(event));
                    } else {
                        subscriber.deliver(event);
                    }
                }
            });
            return engine.subscribe(room, behind);
        }

        @Override
        public void unsubscribe(String room, Subscriber subscriber) {
            Subscriber behind = lagging.remove(subscriber);
            engine.unsubscribe(room, behind != null ? behind : subscriber);
        }

        @Override
        public CompletionStage<Outcome> publish(RoomEvent event, String senderKey) {
            return engine.publish(event, senderKey);
        }

        @Override
        public void signal(Typing notice) {
            engine.signal(notice);
        }

        @Override
        public CompletionStage<Entered> enter(String room, String memberKey, Arrival arrival) {
            return engine.enter(room, memberKey, arrival);
        }

        @Override
        public CompletionStage<Integer> leave(String room, String memberKey) {
            return engine.leave(room, memberKey);
        }

        @Override
        public CompletionStage<Entered> claim(String room, String memberKey, String newKey, Arrival claimant) {
            return engine.claim(room, memberKey, newKey, claimant);
        }

        @Override
        public CompletionStage<String> connect(String client, int limit) {
            return engine.connect(client, limit);
        }

        @Override
        public void disconnect(String client, String receipt) {
            engine.disconnect(client, receipt);
        }

        @Override
        public String node() {
            return engine.node();
        }

        @Override
        public long clusterMembers() {
            return engine.clusterMembers();
        }

        @Override
        public Status status() {
            return Status.UP;
        }

        @Override
        public void close() {
        }
    }

    private final SlowHistory engine = new SlowHistory();
    private final ChatService chat = Chats.node(engine, 1000);

    private static List<String> texts(RecordingConnection connection) throws Exception {
        List<String> seen = new ArrayList<>();
        for (JsonNode frame : frames(connection)) {
            if (frame.path("type").asText().equals("welcome")) {
                frame.path("history").forEach(m -> seen.add("history:" + m.path("text").asText()));
            } else if (frame.path("type").asText().equals("message")) {
                seen.add("live:" + frame.path("text").asText());
            }
        }
        return seen;
    }

    private Member speaker() throws Exception {
        Member alice = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), new RecordingConnection());
        engine.answer();
        chat.receive(alice, "earlier");
        return alice;
    }

    @Test
    void aMessageDeliveredAfterTheReadFollowsTheWelcomeOnce() throws Exception {
        Member alice = speaker();
        RecordingConnection bob = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob); // the read happens now, the answer comes later
        chat.receive(alice, "meanwhile");
        assertEquals(List.of(), bob.sent(), "nothing before the welcome");
        engine.answer();
        assertEquals(List.of("history:earlier", "live:meanwhile"), texts(bob));
    }

    @Test
    void aMessageTheReadAlreadySawIsNotDeliveredAgain() throws Exception {
        Member alice = speaker();
        engine.readWhenAnswered = true;
        RecordingConnection bob = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        chat.receive(alice, "meanwhile"); // delivered to the room while bob waits, and seen by the late read
        engine.answer();
        assertEquals(List.of("history:earlier", "history:meanwhile"), texts(bob));
    }

    /**
     * The read can be ahead of this node's delivery: with Redis the snapshot comes on one connection and the events
     * on another, and while a lost subscription is repaired the room's events wait. An event the welcome's history
     * holds must not reach the newcomer a second time when it arrives (the chaos checker found this).
     */
    @Test
    void aMessageTheReadSawThatReachesTheRoomOnlyAfterTheWelcomeIsNotDeliveredAgain() throws Exception {
        Member alice = speaker();
        engine.holdDeliveries = true;
        chat.receive(alice, "late"); // ordered and kept, not yet delivered to this node's room
        RecordingConnection bob = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        engine.readWhenAnswered = true;
        engine.answer();
        engine.releaseDeliveries();
        chat.receive(alice, "after");
        assertEquals(List.of("history:earlier", "history:late", "live:after"), texts(bob));
    }

    /**
     * The answer to a resend (the original, to its sender alone) must not overtake what the room has not yet
     * delivered: the page takes the last id it showed as its {@code since}, and would skip what came before.
     */
    @Test
    void theAnswerToAResendWaitsUntilTheRoomHasDeliveredItsOriginal() throws Exception {
        RecordingConnection aliceSees = new RecordingConnection();
        Member alice = Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), aliceSees);
        engine.answer();
        Member bob = Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), new RecordingConnection());
        engine.answer();
        engine.holdDeliveries = true; // the room's events wait (a subscription being repaired)
        chat.receive(bob, "from bob");
        chat.receive(alice, "{\"type\":\"message\",\"text\":\"mine\",\"cid\":\"c-1\"}");
        chat.receive(alice, "{\"type\":\"message\",\"text\":\"mine\",\"cid\":\"c-1\"}"); // her outbox again
        assertEquals(List.of(), texts(aliceSees), "nothing ahead of the room");
        engine.releaseDeliveries();
        assertEquals(List.of("live:from bob", "live:mine", "live:mine"), texts(aliceSees),
                "the answer after its original, in the room's order");
    }

    @Test
    void aNewcomerWhoLeavesBeforeItsWelcomeIsNeverAnnounced() throws Exception {
        Member alice = speaker();
        RecordingConnection aliceSees = new RecordingConnection();
        Member watcher = Chats.join(chat, JoinRequest.guest("r", "carol", "10.0.0.3"), aliceSees);
        engine.answer();
        Member bob = Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), new RecordingConnection());
        chat.leave(bob);
        engine.answer();
        List<String> types = frames(aliceSees).stream().map(f -> f.path("type").asText()
                + ":" + f.path("user").path("name").asText()).toList();
        assertEquals(List.of("welcome:", "join:carol"), types, "no join and no leave of bob");
        chat.leave(watcher);
        chat.leave(alice);
    }

    @Test
    void aMemberListedInTheWelcomeIsNotAnnouncedAgainByAJoinThatCameMeanwhile() throws Exception {
        Member alice = speaker();
        RecordingConnection carolSees = new RecordingConnection();
        RecordingConnection bobSees = new RecordingConnection();
        Chats.join(chat, JoinRequest.guest("r", "carol", "10.0.0.3"), carolSees); // in the presence now; her join is ordered after her welcome
        Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bobSees); // his snapshot lists carol, and her join reaches him meanwhile
        engine.answer();
        List<String> seen = frames(bobSees).stream().map(f -> f.path("type").asText() + ":"
                + (f.path("type").asText().equals("welcome") ? f.path("members").size()
                : f.path("user").path("name").asText())).toList();
        assertEquals(List.of("welcome:3", "join:bob"), seen, "carol is listed once, not announced after");
        assertEquals("join:carol", frames(carolSees).stream().skip(1).findFirst()
                .map(f -> f.path("type").asText() + ":" + f.path("user").path("name").asText()).orElse(""));
        chat.leave(alice);
    }
}
