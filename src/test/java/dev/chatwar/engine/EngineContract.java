package dev.chatwar.engine;

import dev.chatwar.support.Poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.protocol.AuditEntry;
import dev.chatwar.protocol.Sanction;
import dev.chatwar.protocol.ServerEvent.Join;
import dev.chatwar.protocol.ServerEvent.Remove;
import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.ServerEvent.Typing;
import dev.chatwar.protocol.User;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every engine promises ({@link Engine}'s Javadoc), as tests: the in-memory one and the Redis one each run all
 * of them. Two nodes of one chat are two {@link #node()}s: the Redis engine gives each its own connections to one
 * Redis; the in-memory engine serves both from one instance, as it serves two chat nodes in one JVM.
 */
public abstract class EngineContract {
    protected static final Duration WAIT = Duration.ofSeconds(5);
    protected static final int HISTORY = 3;
    private final List<Engine> engines = new ArrayList<>();

    /** A node of one chat, keeping {@link #HISTORY} messages per room. */
    protected abstract Engine newNode();

    /** The store forgets everything, as a Redis restarted without its data (the in-memory engine: a restart). */
    protected abstract void wipe() throws Exception;

    protected Engine node() {
        Engine engine = newNode();
        engines.add(engine);
        return engine;
    }

    @AfterEach
    protected void closeNodes() {
        engines.forEach(Engine::close);
    }

    /** Records what a subscriber receives. */
    protected static final class Inbox implements Engine.Subscriber {
        public final BlockingQueue<RoomEvent> events = new LinkedBlockingQueue<>();
        public final BlockingQueue<String> replaced = new LinkedBlockingQueue<>();
        public final BlockingQueue<Typing> signals = new LinkedBlockingQueue<>();
        public final BlockingQueue<Boolean> lost = new LinkedBlockingQueue<>();

        @Override
        public void deliver(RoomEvent event) {
            events.add(event);
        }

        @Override
        public void replaced(String resumeKey) {
            replaced.add(resumeKey);
        }

        @Override
        public void signal(Typing notice) {
            signals.add(notice);
        }

        @Override
        public void lost() {
            lost.add(true);
        }

        public RoomEvent next() throws InterruptedException {
            RoomEvent event = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(event, "no event within " + WAIT);
            return event;
        }

        public List<RoomEvent> next(int count) throws InterruptedException {
            List<RoomEvent> received = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                received.add(next());
            }
            return received;
        }
    }

    protected static Message say(String room, String sender, String text, String cid) {
        return new Message(room, "2026-12-05T00:00:00Z", null, new User(sender, "10.0.0.1"), text, cid);
    }

    protected static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The room's kept messages (removals left out). */
    protected static List<Message> history(Engine node, String room) throws Exception {
        return await(node.snapshot(room, 0)).history().stream()
                .filter(Message.class::isInstance).map(Message.class::cast).toList();
    }

    protected static Inbox subscribed(Engine node, String room) throws Exception {
        Inbox inbox = new Inbox();
        await(node.subscribe(room, inbox));
        return inbox;
    }

    /** Polls a node's status (a state, not a message: there is nothing to take from a queue) until it is reached. */
    protected static void awaitStatus(Engine engine, Engine.Status wanted) {
        Poll.until(WAIT, "the engine's status", engine::status, wanted);
    }

    protected static long id(RoomEvent event) {
        return Long.parseLong(event.id());
    }

    @Test
    void everyNodeGetsEveryEventOnceInOneIncreasingOrder() throws Exception {
        Engine east = node();
        Engine west = node();
        Inbox atEast = subscribed(east, "r");
        Inbox atWest = subscribed(west, "r");
        int perSender = 100;
        ExecutorService senders = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Engine node : List.of(east, west)) {
                done.add(senders.submit(() -> {
                    List<CompletableFuture<Engine.Outcome>> published = new ArrayList<>();
                    for (int i = 0; i < perSender; i++) {
                        published.add(node.publish(say("r", "s" + node.hashCode(), "m" + i, null), "s")
                                .toCompletableFuture());
                    }
                    published.forEach(CompletableFuture::join);
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(WAIT.toMillis() * 2, TimeUnit.MILLISECONDS);
            }
        } finally {
            senders.shutdownNow();
        }
        List<RoomEvent> east200 = atEast.next(2 * perSender);
        List<RoomEvent> west200 = atWest.next(2 * perSender);
        assertEquals(east200, west200, "both nodes, one order");
        for (int i = 1; i < east200.size(); i++) {
            assertTrue(id(east200.get(i)) > id(east200.get(i - 1)), "ids increase in delivery order at " + i);
        }
        assertEquals(null, atEast.events.poll(), "nothing twice");
    }

    @Test
    void publishReturnsTheEventWithTheIdItsSubscribersGet() throws Exception {
        Engine node = node();
        Inbox inbox = subscribed(node, "r");
        Engine.Outcome outcome = await(node.publish(say("r", "ann", "hi", null), "ann"));
        assertFalse(outcome.duplicate());
        assertEquals(outcome.event(), inbox.next());
        assertEquals("hi", ((Message) outcome.event()).text());
    }

    @Test
    void theHistoryKeepsTheLastMessagesOldestFirstAndNoJoins() throws Exception {
        Engine node = node();
        Inbox inbox = subscribed(node, "r");
        await(node.publish(new Join("r", "t", null, new User("ann", "10.0.0.1")), "ann"));
        for (int i = 1; i <= 5; i++) {
            await(node.publish(say("r", "ann", "m" + i, null), "ann"));
        }
        List<RoomEvent> delivered = inbox.next(6);
        List<Message> history = history(node, "r");
        assertEquals(List.of("m3", "m4", "m5"), history.stream().map(Message::text).toList());
        assertEquals(delivered.subList(3, 6), history, "the same events, with the same ids");
        assertEquals(List.of(), history(node, "empty"), "a room nobody spoke in");
    }

    @Test
    void aResendOfTheSameSenderIsNotPublishedAgainAndAnotherSendersCidIsItsOwn() throws Exception {
        Engine node = node();
        Inbox inbox = subscribed(node, "r");
        Engine.Outcome first = await(node.publish(say("r", "ann", "from ann", "1"), "ann"));
        Engine.Outcome again = await(node.publish(say("r", "ann", "from ann", "1"), "ann"));
        Engine.Outcome bobs = await(node.publish(say("r", "bob", "from bob", "1"), "bob"));
        assertTrue(again.duplicate());
        assertEquals(first.event(), again.event(), "the original, with its id");
        assertFalse(bobs.duplicate(), "bob numbers his messages too");
        assertEquals(List.of(first.event(), bobs.event()), inbox.next(2));
        assertEquals(List.of("from ann", "from bob"),
                history(node, "r").stream().map(Message::text).toList());
    }

    @Test
    void aResendIsAcrossNodes() throws Exception {
        Engine east = node();
        Engine west = node();
        Engine.Outcome first = await(east.publish(say("r", "ann", "once", "c-1"), "ann"));
        Engine.Outcome again = await(west.publish(say("r", "ann", "once", "c-1"), "ann"));
        assertTrue(again.duplicate());
        assertEquals(first.event().id(), again.event().id());
    }

    @Test
    void aResendIsRecognisedWithinTheWindowAfterItsMessageLeftTheHistory() throws Exception {
        Engine node = node();
        Inbox inbox = subscribed(node, "r");
        Engine.Outcome first = await(node.publish(say("r", "ann", "old", "c-1"), "ann"));
        for (int i = 0; i < HISTORY + 5; i++) {
            await(node.publish(say("r", "bob", "push " + i, null), "bob"));
        }
        inbox.next(HISTORY + 6);
        Engine.Outcome again = await(node.publish(say("r", "ann", "old", "c-1"), "ann"));
        assertTrue(again.duplicate(), "however many messages came since, within the window");
        assertEquals(first.event().id(), again.event().id(), "it stands for the original, under its id");
        assertEquals("old", ((Message) again.event()).text());
        assertEquals(null, inbox.events.poll(200, TimeUnit.MILLISECONDS), "published no second time");
    }

    @Test
    void aRoomsLastIdCountsJoinsAndOutlivesItsSubscribers() throws Exception {
        Engine node = node();
        Inbox inbox = subscribed(node, "r");
        await(node.publish(say("r", "ann", "said", null), "ann"));
        await(node.publish(new Join("r", "2026-12-05T00:00:00Z", null, new User("bob", "10.0.0.1"), 2), ""));
        inbox.next();
        long join = id(inbox.next());
        node.unsubscribe("r", inbox);
        assertEquals(join, await(node().snapshot("r", 10)).lastId(), "the join's id, read by any node");
    }

    @Test
    void roomsAreSeparateAndAnUnsubscribedNodeGetsNothing() throws Exception {
        Engine east = node();
        Engine west = node();
        Inbox elsewhere = subscribed(east, "elsewhere");
        Inbox leaving = subscribed(west, "r");
        west.unsubscribe("r", leaving);
        Inbox staying = subscribed(east, "r");
        RoomEvent published = await(west.publish(say("r", "ann", "hi", null), "ann")).event();
        assertEquals(published, staying.next());
        assertEquals(null, elsewhere.events.poll(200, TimeUnit.MILLISECONDS), "another room's subscriber");
        assertEquals(null, leaving.events.poll(), "an unsubscribed node");
    }

    @Test
    void idsKeepGrowingAfterTheStoreLostItsData() throws Exception {
        Engine node = node();
        long before = id(await(node.publish(say("r", "ann", "before", null), "ann")).event());
        wipe();
        Engine after = node();
        RoomEvent next = await(after.publish(say("r", "ann", "after", null), "ann")).event();
        assertTrue(id(next) > before, "an old since falls before the new history: " + before + " then " + next.id());
        assertEquals(List.of("after"), history(after, "r").stream().map(Message::text).toList());
    }

    @Test
    void idsAreDecimalNumbersAtLeastTheClockInMicroseconds() throws Exception {
        long floor = System.currentTimeMillis() * 1000;
        String id = await(node().publish(say("fresh", "ann", "x", null), "ann")).event().id();
        assertTrue(id.matches("[1-9][0-9]*"), id);
        assertTrue(Long.parseLong(id) >= floor - 5_000_000, "about the clock in microseconds: " + id);
    }

    protected static Engine.Arrival guest(String name) {
        return new Engine.Arrival(name, name.toLowerCase(Locale.ROOT), false, "10.0.0.1");
    }

    protected static List<String> names(Engine.Snapshot snapshot) {
        return snapshot.members().stream().map(User::name).sorted().toList();
    }

    @Test
    void aRoomsMembersAndCountAreTheSameOnEveryNode() throws Exception {
        Engine east = node();
        Engine west = node();
        assertEquals(1, await(east.enter("r", "k-ann", guest("ann"))).count());
        assertEquals(2, await(west.enter("r", "k-bob", guest("bob"))).count());
        await(west.enter("other", "k-cid", guest("cid")));
        for (Engine node : List.of(east, west)) {
            Engine.Snapshot snapshot = await(node.snapshot("r", 10));
            assertEquals(List.of("ann", "bob"), names(snapshot));
            assertEquals(2, snapshot.count());
        }
        Engine.Snapshot counted = await(east.snapshot("r", 1));
        assertEquals(List.of(), counted.members(), "past the limit: counted, not listed");
        assertEquals(2, counted.count());
        assertEquals(1, await(east.leave("r", "k-bob")));
        assertEquals(-1, await(west.leave("r", "k-bob")), "gone already");
        assertEquals(List.of("ann"), names(await(west.snapshot("r", 10))));
    }

    @Test
    void guestsAskingForOneNameAtOnceOnTwoNodesGetDistinctNames() throws Exception {
        Engine east = node();
        Engine west = node();
        List<CompletableFuture<Engine.Entered>> entering = new ArrayList<>();
        ExecutorService askers = Executors.newFixedThreadPool(4);
        try {
            List<Future<CompletableFuture<Engine.Entered>>> asked = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Engine node = i % 2 == 0 ? east : west;
                String key = "k-" + i;
                asked.add(askers.submit(() -> node.enter("r", key, guest("Alice")).toCompletableFuture()));
            }
            for (Future<CompletableFuture<Engine.Entered>> future : asked) {
                entering.add(future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            }
        } finally {
            askers.shutdownNow();
        }
        Set<String> given = new TreeSet<>();
        for (CompletableFuture<Engine.Entered> entered : entering) {
            given.add(await(entered).user().name());
        }
        assertEquals(20, given.size(), "twenty distinct names: " + given);
        assertTrue(given.contains("Alice") && given.contains("Alice (20)"), given.toString());
    }

    @Test
    void aNameLeftIsFreeAndAVerifiedNameIsReservedForGood() throws Exception {
        Engine east = node();
        Engine west = node();
        await(east.enter("r", "k-1", guest("bob")));
        assertEquals("BOB (2)", await(west.enter("r", "k-2", guest("BOB"))).user().name(), "case folded");
        await(east.leave("r", "k-1"));
        assertEquals("bob", await(west.enter("r", "k-3", guest("bob"))).user().name(), "free again");
        Engine.Entered verified = await(east.enter("r", "k-4",
                new Engine.Arrival("carol", "carol", true, "10.0.0.2")));
        assertEquals(new User("carol", "10.0.0.2", true), verified.user());
        await(east.leave("r", "k-4"));
        assertEquals("carol (2)", await(west.enter("elsewhere", "k-5", guest("carol"))).user().name(),
                "reserved in every room, also after she left");
    }

    /**
     * The identity is the user, not the display name: two users whose application calls them both "Ann" are two
     * members with two names, on every node and in every room; one user's connections on two nodes share one name; and
     * only that user can claim its place back.
     */
    @Test
    void aVerifiedNameBelongsToOneUserAndEveryConnectionOfThatUserGetsIt() throws Exception {
        Engine east = node();
        Engine west = node();
        Engine.Arrival first = new Engine.Arrival("Ann", "ann", true, "10.0.0.1", "t:u-1");
        Engine.Arrival second = new Engine.Arrival("Ann", "ann", true, "10.0.0.2", "t:u-2");
        assertEquals("Ann", await(east.enter("r", "k-1", first)).user().name());
        assertEquals("Ann (2)", await(west.enter("r", "k-2", second)).user().name(), "another user, another name");
        assertEquals("Ann", await(west.enter("r", "k-3", first)).user().name(), "the first user, on the other node");
        assertEquals("Ann (2)", await(east.enter("elsewhere", "k-4", second)).user().name(), "in every room");
        assertNotEquals("Ann (2)", await(east.enter("r", "k-5", guest("Ann (2)"))).user().name(),
                "no guest takes a user's name");
        assertEquals(null, await(east.claim("r", "k-2", "k-6", first)), "a place is claimed by its own user only");
        assertEquals("Ann (2)", await(east.claim("r", "k-2", "k-7", second)).user().name());
    }

    /** Verified names are chat-wide and a room's are its own: a guest skips both, however many of them there are. */
    @Test
    void aGuestSkipsEveryNameAUserOwnsAndEveryNameInUseHoweverMany() throws Exception {
        Engine east = node();
        Engine west = node();
        for (int i = 1; i <= 12; i++) {
            String name = i == 1 ? "Zed" : "Zed (" + i + ")";
            await(east.enter("elsewhere", "k-v" + i, new Engine.Arrival(name, name.toLowerCase(Locale.ROOT), true,
                    "10.0.0.1", "t:z-" + i)));
        }
        for (int i = 13; i <= 20; i++) {
            assertEquals("zed (" + i + ")", await(west.enter("r", "k-g" + i, guest("zed"))).user().name());
        }
        await(west.leave("r", "k-g15"));
        assertEquals("Zed (15)", await(east.enter("r", "k-again", guest("Zed"))).user().name(),
                "the first name neither owned nor in use");
    }

    @Test
    void aClaimMovesThePlaceOnceKeepsItsNameAndTellsTheOldNode() throws Exception {
        Engine east = node();
        Engine west = node();
        Inbox atEast = subscribed(east, "r");
        await(east.enter("r", "k-old", guest("ann")));
        Engine.Arrival verifiedAnn = new Engine.Arrival("ann", "ann", true, "10.0.0.9");
        assertEquals(null, await(west.claim("r", "k-old", "k-x", verifiedAnn)), "a guest's place serves guests");
        Engine.Entered claimed = await(west.claim("r", "k-old", "k-new",
                new Engine.Arrival("someone", "someone", false, "10.0.0.7")));
        assertEquals(new User("ann", "10.0.0.7"), claimed.user(), "her name, the new address");
        assertEquals("k-old", atEast.replaced.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(null, await(east.claim("r", "k-old", "k-again", guest("x"))), "once");
        assertEquals(List.of("ann"), names(await(east.snapshot("r", 10))), "one member, not two");
        assertEquals(0, await(west.leave("r", "k-new")));
    }

    @Test
    void aSnapshotsLastIdSeparatesWhatItReflectsFromWhatCameAfter() throws Exception {
        Engine node = node();
        Inbox inbox = subscribed(node, "r");
        await(node.publish(say("r", "ann", "before", null), "ann"));
        long before = id(inbox.next());
        Engine.Snapshot snapshot = await(node.snapshot("r", 10));
        await(node.publish(say("r", "ann", "after", null), "ann"));
        long after = id(inbox.next());
        assertTrue(before <= snapshot.lastId() && snapshot.lastId() < after, before + " " + snapshot + " " + after);
    }

    @Test
    void typingReachesEveryNodeAndIsNeverKept() throws Exception {
        Engine east = node();
        Engine west = node();
        Inbox atWest = subscribed(west, "r");
        subscribed(east, "r");
        east.signal(new Typing("r", "2026-12-05T00:00:00Z", new User("ann", "::1")));
        Typing typing = atWest.signals.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(typing, "no typing notice on the other node");
        assertEquals("ann", typing.user().name());
        assertEquals(List.of(), history(west, "r"));
    }

    // Moderation: removals in the room's order, and the sanctions every node shares (Sanctions' Javadoc).

    @Test
    void aRemovalIsOrderedLikeAnyEventAndLeavesOnlyAPlaceholderInTheHistory() throws Exception {
        Engine east = node();
        Engine west = node();
        Inbox atWest = subscribed(west, "mod");
        String spam = await(east.publish(say("mod", "alice", "spam", "c1"), "alice")).event().id();
        await(east.publish(say("mod", "alice", "fine", null), "alice"));
        Engine.Outcome removal = await(east.publish(new Remove("mod", "2026-12-05T00:00:01Z", null,
                new User("mo", "10.0.0.9", true, true), spam), ""));
        assertTrue(removal.published());
        List<RoomEvent> seen = atWest.next(3);
        assertEquals(List.of("spam", "fine"), List.of(((Message) seen.get(0)).text(), ((Message) seen.get(1)).text()));
        assertEquals(spam, ((Remove) seen.get(2)).message(), "the removal comes in the room's order");
        assertEquals("mo", seen.get(2).user().name());
        List<RoomEvent> kept = await(west.snapshot("mod", 0)).history();
        assertEquals(3, kept.size(), "the placeholder and the removal are both kept: " + kept);
        Message placeholder = (Message) kept.get(0);
        assertEquals(spam, placeholder.id());
        assertTrue(placeholder.wasRemoved());
        assertEquals("", placeholder.text(), "the text is gone from the store");
        assertEquals(null, placeholder.cid());
        assertEquals(removal.event().id(), kept.get(2).id());
        assertEquals(Engine.Outcome.NOTHING_TO_REMOVE, await(west.publish(new Remove("mod", "2026-12-05T00:00:02Z",
                null, new User("mo", "10.0.0.9"), spam), "")), "removed already");
        assertEquals(Engine.Outcome.NOTHING_TO_REMOVE, await(west.publish(new Remove("mod", "2026-12-05T00:00:02Z",
                null, new User("mo", "10.0.0.9"), "42"), "")), "no such message");
        Engine.Outcome resend = await(west.publish(say("mod", "alice", "spam", "c1"), "alice"));
        assertTrue(resend.duplicate(), "a resend of a removed message is still recognised");
        assertEquals(spam, resend.event().id());
        assertTrue(((Message) resend.event()).wasRemoved(), "and gives its sender the placeholder");
    }

    private static Sanction ban(String room, String address, Long until) {
        return new Sanction(Sanction.Type.BAN, room, new Sanction.Target(Sanction.Kind.ADDRESS, address), until, "mo",
                "spam", System.currentTimeMillis());
    }

    private static final class Heard implements Sanctions.Listener {
        final BlockingQueue<Sanction> imposed = new LinkedBlockingQueue<>();
        final BlockingQueue<String> kicked = new LinkedBlockingQueue<>();

        @Override
        public void imposed(Sanction sanction) {
            imposed.add(sanction);
        }

        @Override
        public void kicked(String room, Sanction.Target target) {
            kicked.add(room + " " + target);
        }
    }

    @Test
    void aSanctionImposedOnOneNodeHoldsOnEveryNodeUntilItIsLifted() throws Exception {
        Engine east = node();
        Engine west = node();
        Heard heard = new Heard();
        west.sanctions().listen(heard);
        List<Sanction.Target> troll = List.of(new Sanction.Target(Sanction.Kind.ADDRESS, "10.0.0.66"));
        await(east.sanctions().impose(ban("r", "10.0.0.66", null)));
        assertTrue(east.sanctions().find(Sanction.Type.BAN, "r", troll).isPresent(), "at once where imposed");
        assertEquals("10.0.0.66", heard.imposed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS).target().value(),
                "the other node's listeners hear of it");
        assertTrue(west.sanctions().find(Sanction.Type.BAN, "r", troll).isPresent());
        assertFalse(west.sanctions().find(Sanction.Type.BAN, "elsewhere", troll).isPresent(), "in its room only");
        assertFalse(west.sanctions().find(Sanction.Type.MUTE, "r", troll).isPresent(), "a ban is no mute");
        assertEquals(1, west.sanctions().list(Sanction.Type.BAN).size());
        assertTrue(await(west.sanctions().lift(Sanction.Type.BAN, "r", troll.get(0))));
        assertFalse(west.sanctions().find(Sanction.Type.BAN, "r", troll).isPresent(), "at once where lifted");
        Poll.until(WAIT, "the lift reaches the other node",
                () -> east.sanctions().find(Sanction.Type.BAN, "r", troll).isPresent(), false);
        assertFalse(await(west.sanctions().lift(Sanction.Type.BAN, "r", troll.get(0))), "nothing left to lift");
    }

    @Test
    void aChatWideBanHoldsInEveryRoomAndAnExpiredOneInNone() throws Exception {
        Engine east = node();
        Engine west = node();
        await(east.sanctions().impose(ban(Sanction.EVERY_ROOM, "10.0.0.66", null)));
        await(east.sanctions().impose(ban(Sanction.EVERY_ROOM, "10.0.0.77", System.currentTimeMillis() - 1)));
        Poll.until(WAIT, "the ban reaches the other node", () -> west.sanctions().find(Sanction.Type.BAN, "any",
                List.of(new Sanction.Target(Sanction.Kind.ADDRESS, "10.0.0.66"))).isPresent(), true);
        assertFalse(west.sanctions().find(Sanction.Type.BAN, "any",
                List.of(new Sanction.Target(Sanction.Kind.ADDRESS, "10.0.0.77"))).isPresent(), "past its end");
        assertEquals(1, west.sanctions().list(Sanction.Type.BAN).size(), "an expired ban is not listed");
    }

    /**
     * Read before the node reports up: a load balancer that trusts the health sends members to a node once it is up,
     * and a node that knew no ban then would let the banned in.
     */
    @Test
    void aNodeThatStartsLaterHoldsTheSanctionsImposedBeforeItOnceUp() throws Exception {
        Engine east = node();
        await(east.sanctions().impose(ban("r", "10.0.0.66", null)));
        Engine later = node();
        assertTrue(later.sanctions().find(Sanction.Type.BAN, "r",
                List.of(new Sanction.Target(Sanction.Kind.ADDRESS, "10.0.0.66"))).isPresent(), "the new node's copy");
    }

    @Test
    void aKickReachesEveryNodesListenersAndIsNotKept() throws Exception {
        Engine east = node();
        Engine west = node();
        Heard heard = new Heard();
        west.sanctions().listen(heard);
        await(east.sanctions().kick("r", new Sanction.Target(Sanction.Kind.NAME, "bob")));
        assertEquals("r name:bob", heard.kicked.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(west.sanctions().list(Sanction.Type.BAN).isEmpty());
    }

    @Test
    void theAuditTrailGivesTheNewestEntriesFirst() throws Exception {
        Engine east = node();
        Engine west = node();
        for (int i = 0; i < 5; i++) {
            await(east.sanctions().audit(new AuditEntry("kick", "mo", "r", "name:n" + i, null, null,
                    "2026-12-06T00:00:0" + i + "Z")));
        }
        List<AuditEntry> newest = await(west.sanctions().audit(3));
        assertEquals(List.of("name:n4", "name:n3", "name:n2"), newest.stream().map(AuditEntry::target).toList());
    }
}
