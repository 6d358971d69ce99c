package dev.chatwar.engine.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.User;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * The rules of {@link RoomChannel} that a real Redis cannot stage on demand: reads that fail and fail again, a loss
 * while a repair reads, a hold that overflows. The link to Redis is scripted: each read answers what the test put in
 * its queue, and retries run when the test says so. What a real Redis does is {@code RedisEngineTest}'s.
 */
class RoomChannelTest {
    private static final int HISTORY = 10;

    /** Answers each read with the next reply or failure queued; keeps scheduled retries for the test to run. */
    private static final class ScriptedLink implements RoomChannel.Link {
        final Deque<CompletableFuture<List<Object>>> reads = new ArrayDeque<>();
        final List<Runnable> scheduled = new ArrayList<>();
        int readsAsked;
        int subscribes;

        @Override
        public CompletionStage<Void> subscribe(String channel) {
            subscribes++;
            return CompletableFuture.completedFuture(null);
        }

        final List<Long> lastMessagesAsked = new ArrayList<>();

        @Override
        public CompletionStage<List<Object>> readRepair(String room, long after, long lastMessage, int limit) {
            readsAsked++;
            lastMessagesAsked.add(lastMessage);
            CompletableFuture<List<Object>> next = reads.poll();
            return next != null ? next : CompletableFuture.failedFuture(new IllegalStateException("no read queued"));
        }

        @Override
        public RoomEvent decode(List<?> entry) {
            String id = (String) entry.get(0);
            long number = Long.parseLong(id.substring(0, id.indexOf('-')));
            String json = (String) ((List<?>) entry.get(1)).get(1);
            if (json.startsWith("lost ")) { // "lost <after> <through>": another node's lost event
                String[] bounds = json.split(" ");
                return new dev.chatwar.protocol.ServerEvent.Lost("r", "2026-12-06T00:00:00Z", Long.toString(number),
                        bounds[1], bounds[2]);
            }
            return message(number);
        }

        @Override
        public void schedule(Runnable task, long delayMillis) {
            scheduled.add(task);
        }

        @Override
        public CompletionStage<?> tellLost(String room, long after, long through) {
            told.add(after + ".." + through);
            return tellFailures-- > 0 ? CompletableFuture.failedFuture(new IllegalStateException("not connected"))
                    : CompletableFuture.completedFuture(null);
        }

        final List<String> told = new ArrayList<>();
        int tellFailures;

        void runScheduled() {
            List<Runnable> due = List.copyOf(scheduled);
            scheduled.clear();
            due.forEach(Runnable::run);
        }

        void answer(long lastId, long... missed) {
            reads.add(CompletableFuture.completedFuture(reply(lastId, missed)));
        }

        void fail() {
            reads.add(CompletableFuture.failedFuture(new IllegalStateException("Currently not connected")));
        }
    }

    /** A {@code repair.lua} reply: the room's last id, its last message kept, no oldest id needed, the entries. */
    private static List<Object> reply(long lastId, long... missed) {
        List<Object> entries = new ArrayList<>();
        for (long id : missed) {
            entries.add(List.of(id + "-0", List.of("e", "{}")));
        }
        List<Object> reply = new ArrayList<>();
        reply.add(Long.toString(lastId));
        reply.add(1L);
        reply.add(null);
        reply.add(entries);
        return reply;
    }

    private static Message message(long id) {
        return new Message("r", "2026-12-06T00:00:00Z", Long.toString(id), new User("ann", "10.0.0.1"), "m" + id);
    }

    /** What the room's subscriber got. */
    private static final class Inbox implements Engine.Subscriber {
        final List<Long> ids = new ArrayList<>();
        int lost;

        @Override
        public void deliver(RoomEvent event) {
            ids.add(Long.parseLong(event.id()));
        }

        @Override
        public void lost() {
            lost++;
        }
    }

    /** Counts what the channel reports. */
    private static final class Counts implements EngineTelemetry {
        int retried;
        int givenUp;
        int rollbacks;

        @Override
        public void repairRetried() {
            retried++;
        }

        @Override
        public void repairGivenUp() {
            givenUp++;
        }

        @Override
        public void rollbackDetected() {
            rollbacks++;
        }
    }

    private final ScriptedLink link = new ScriptedLink();
    private final Counts counts = new Counts();
    private final Inbox inbox = new Inbox();

    private RoomChannel channel(Duration patience) {
        RoomChannel channel = new RoomChannel("r", "chat:{r}", HISTORY, link, counts, patience);
        channel.subscribers.add(inbox);
        return channel;
    }

    @Test
    void liveEventsWaitFromTheLossUntilWhatWasMissedIsDeliveredInOrder() {
        RoomChannel channel = channel(RoomChannel.PATIENCE);
        channel.deliver(message(1));
        channel.hold();
        channel.deliver(message(5)); // Lettuce resubscribed on its own: live, but after the hole
        link.answer(5, 2, 3, 4, 5);
        channel.repair();
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), inbox.ids, "the hole first, then what waited, none twice");
        channel.deliver(message(6));
        assertEquals(6L, inbox.ids.get(inbox.ids.size() - 1), "live again");
        assertEquals(0, inbox.lost);
    }

    /**
     * A channel that has delivered nothing has nothing to repair, but its repair still subscribes it: on a Redis
     * Cluster a channel moved off a dead shard is subscribed nowhere until then (the review of the cluster change
     * found it left there), and what waited goes through once it is.
     */
    @Test
    void aRepairOfAChannelThatDeliveredNothingStillSubscribesItAndReleasesWhatWaited() {
        RoomChannel channel = channel(RoomChannel.PATIENCE);
        channel.hold();
        channel.deliver(message(7));
        channel.repair();
        assertEquals(1, link.subscribes, "subscribed again");
        assertEquals(0, link.readsAsked, "nothing to read back");
        assertEquals(List.of(7L), inbox.ids);
        channel.subscribers.remove(inbox);
        channel.hold();
        channel.repair();
        assertEquals(1, link.subscribes, "a channel nobody here listens to any more is not subscribed again");
    }

    /** The read comes on the command connection, the events on the pub/sub one: a live copy may come after the read. */
    @Test
    void aLiveCopyOfWhatTheRepairReadIsSkippedQuietlyNotTakenForARollback() {
        RoomChannel channel = channel(RoomChannel.PATIENCE);
        channel.deliver(message(1));
        channel.hold();
        link.answer(3, 2, 3);
        channel.repair();
        channel.deliver(message(3));
        channel.deliver(message(4));
        assertEquals(List.of(1L, 2L, 3L, 4L), inbox.ids);
        assertEquals(0, inbox.lost);
        assertEquals(0, counts.rollbacks);
    }

    @Test
    void aFailedReadIsRetriedUntilItSucceedsAndNothingLiveOvertakesIt() {
        RoomChannel channel = channel(RoomChannel.PATIENCE);
        channel.deliver(message(1));
        channel.hold();
        link.fail();
        link.fail();
        link.answer(4, 2, 3);
        channel.repair();
        channel.deliver(message(4));
        assertEquals(List.of(1L), inbox.ids, "held while the read fails");
        link.runScheduled();
        link.runScheduled();
        assertEquals(List.of(1L, 2L, 3L, 4L), inbox.ids);
        assertEquals(2, counts.retried);
        assertEquals(0, inbox.lost);
    }

    @Test
    void readsThatFailForThePatienceResyncTheRoomAndReleaseWhatWaited() {
        RoomChannel channel = channel(Duration.ZERO);
        channel.deliver(message(1));
        channel.hold();
        link.fail();
        channel.repair();
        channel.deliver(message(9));
        assertEquals(1, inbox.lost, "the members resync: never a silent hole");
        assertEquals(1, counts.givenUp);
        assertEquals(List.of(1L, 9L), inbox.ids, "live again, to whoever is still here");
    }

    @Test
    void aLossWhileTheRepairReadsMakesItReadAgainBeforeAnythingLiveGoesThrough() {
        RoomChannel channel = channel(RoomChannel.PATIENCE);
        channel.deliver(message(1));
        channel.hold();
        CompletableFuture<List<Object>> slow = new CompletableFuture<>();
        link.reads.add(slow);
        channel.repair();
        channel.hold(); // lost again while the read is out
        slow.complete(reply(2, 2));
        channel.deliver(message(7));
        assertEquals(List.of(1L, 2L), inbox.ids, "what was read is delivered; 7 waits for the next read");
        link.answer(7, 3, 4, 5, 6, 7);
        link.runScheduled();
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), inbox.ids);
    }

    @Test
    void aRepairThatFindsRedisBehindWhatWasDeliveredResyncsTheRoom() {
        RoomChannel channel = channel(RoomChannel.PATIENCE);
        channel.deliver(message(5));
        channel.hold();
        link.answer(3); // Redis's last id is 3: it forgot 4 and 5
        channel.repair();
        assertEquals(1, inbox.lost);
        assertEquals(1, counts.rollbacks);
        assertEquals(List.of("3..5"), link.told, "the loss is told to every node: after 3, through 5");
    }

    @Test
    void aLostLastMessageWithNewerEventsSinceIsToldFromTheNewestEntryHeldBeforeIt() {
        RoomChannel channel = channel(RoomChannel.PATIENCE);
        channel.deliver(message(5));
        channel.hold();
        List<Object> reply = reply(9, 8, 9); // events came after the loss: the last id alone shows nothing
        reply.set(1, 0L); // message 5 is gone
        reply.set(2, "1"); // though the history reaches back to 1
        reply.add("2"); // the newest entry still held before 5
        link.reads.add(CompletableFuture.completedFuture(reply));
        channel.repair();
        assertEquals(1, inbox.lost);
        assertEquals(List.of("2..5"), link.told);
    }

    @Test
    void aLossAlreadyToldByAnotherNodeIsNotToldAgainAndItsLastMessageIsNotAskedAboutAgain() {
        RoomChannel channel = repairAfterAnotherNodeToldALoss("7-0", "lost 3 6"); // it had delivered up to 6
        assertEquals(1, inbox.lost, "this node's members resync all the same");
        assertEquals(List.of(), link.told, "3..6 covers 3..5: told once is enough");
        channel.hold();
        link.answer(3);
        channel.repair();
        assertEquals(0L, link.lastMessagesAsked.get(1), "message 5 went with the loss: not taken for a new one");
        assertEquals(1, counts.rollbacks, "the same loss is not found twice");
    }

    @Test
    void aLossToldByAnotherNodeOverANarrowerRangeIsStillToldHere() {
        repairAfterAnotherNodeToldALoss("6-0", "lost 3 4"); // it had delivered up to 4
        assertEquals(List.of("3..5"), link.told, "5 was delivered here only: the others must hear of it");
    }

    /**
     * A channel that delivered message 5 repairs, and finds Redis holding only up to message 3 plus another node's
     * lost event (entry {@code id}, body {@code "lost AFTER THROUGH"}): a rollback another node found first.
     */
    @SuppressWarnings("unchecked") // the reply's entries, as the scripted link builds them
    private RoomChannel repairAfterAnotherNodeToldALoss(String id, String entry) {
        RoomChannel channel = channel(RoomChannel.PATIENCE);
        channel.deliver(message(5));
        channel.hold();
        List<Object> reply = reply(3);
        ((List<Object>) reply.get(3)).add(List.of(id, List.of("e", entry)));
        link.reads.add(CompletableFuture.completedFuture(reply));
        channel.repair();
        return channel;
    }

    @Test
    void aLossIsToldAgainWhileRedisDoesNotTakeIt() {
        RoomChannel channel = channel(RoomChannel.PATIENCE);
        channel.deliver(message(5));
        channel.hold();
        link.answer(3);
        link.tellFailures = 1;
        channel.repair();
        assertEquals(List.of("3..5"), link.told);
        link.runScheduled();
        assertEquals(List.of("3..5", "3..5"), link.told, "tried again after the failure");
        link.runScheduled();
        assertEquals(2, link.told.size(), "and not after it was taken");
    }

    @Test
    void aLiveEventNotAboveWhatWasDeliveredResyncsAndTheNewOrderGoesOn() {
        RoomChannel channel = channel(RoomChannel.PATIENCE);
        channel.deliver(message(5));
        channel.deliver(message(4));
        assertEquals(1, inbox.lost);
        assertEquals(1, counts.rollbacks);
        channel.deliver(message(6));
        assertEquals(List.of(5L, 6L), inbox.ids, "4 is never delivered after 5");
    }

    @Test
    void aHoldThatOverflowsResyncsTheRoom() {
        RoomChannel channel = channel(RoomChannel.PATIENCE);
        channel.deliver(message(1));
        channel.hold();
        for (long id = 2; id <= RoomChannel.MAX_HELD + 2; id++) {
            channel.deliver(message(id));
        }
        link.answer(RoomChannel.MAX_HELD + 2);
        channel.repair();
        assertEquals(1, inbox.lost, "the node's memory is bounded; the members resync instead");
        assertTrue(inbox.ids.size() <= RoomChannel.MAX_HELD + 1, "what overflowed is not delivered");
    }

    @Test
    void aChannelThatNeverDeliveredHasNothingToRepair() {
        RoomChannel channel = channel(RoomChannel.PATIENCE);
        channel.hold();
        channel.deliver(message(3));
        channel.repair();
        assertEquals(0, link.readsAsked);
        assertEquals(List.of(3L), inbox.ids);
    }
}
