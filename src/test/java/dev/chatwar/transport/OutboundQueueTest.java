package dev.chatwar.transport;

import dev.chatwar.protocol.Packing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.Frame;
import dev.chatwar.room.Telemetry;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OutboundQueueTest {

    /** A transport whose sends complete when the test says so, or inline, or on another thread. */
    static final class ScriptedTransport implements OutboundQueue.Transport {
        enum Mode { MANUAL, INLINE, OTHER_THREAD }

        final List<String> sent = new ArrayList<>();
        final List<CloseCode> closes = new ArrayList<>();
        final List<String> abandons = new ArrayList<>();
        final ExecutorService completer = Executors.newSingleThreadExecutor();
        Mode mode = Mode.MANUAL;
        OutboundQueue queue;
        int inFlight;
        int maxInFlight;
        int depth;
        int maxDepth;

        @Override
        public synchronized void send(Frame frame) {
            sent.add(frame.text());
            notifyAll();
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            depth++;
            maxDepth = Math.max(maxDepth, depth);
            try {
                if (mode == Mode.INLINE) {
                    complete(null);
                } else if (mode == Mode.OTHER_THREAD) {
                    completer.execute(() -> complete(null));
                }
            } finally {
                depth--;
            }
        }

        @Override
        public void sendPing() {
            send(Frame.of("PING"));
        }

        void complete(Throwable failure) {
            synchronized (this) {
                inFlight--;
            }
            queue.sent(failure);
        }

        @Override
        public synchronized void close(CloseCode code, String reason) {
            closes.add(code);
        }

        @Override
        public synchronized void abandon(String reason) {
            abandons.add(reason);
        }

        int connectionsClosed;

        @Override
        public synchronized void connectionClosed() {
            connectionsClosed++;
        }
    }

    private final ScriptedTransport transport = new ScriptedTransport();

    private OutboundQueue queue(int maxFrames, long maxBytes) {
        OutboundQueue queue = new OutboundQueue(maxFrames, maxBytes, Telemetry.NONE, q -> transport);
        transport.queue = queue;
        return queue;
    }

    @AfterEach
    void stopCompleter() {
        transport.completer.shutdownNow();
    }

    @Test
    void theFirstEnqueueMakesTheCallerTheWriterAndLaterOnesDoNot() {
        OutboundQueue queue = queue(10, 1_000);
        assertTrue(queue.enqueue(Frame.of("a")));
        assertFalse(queue.enqueue(Frame.of("b")), "a writer is already appointed");
        assertEquals(List.of(), transport.sent, "enqueue never writes");
        queue.flush();
        assertEquals(List.of("a"), transport.sent);
    }

    @Test
    void flushHandsTheWritingToTheWriterAndFramesQueuedMeanwhileLeavePacked() {
        List<Runnable> writer = new ArrayList<>();
        List<int[]> delivered = new ArrayList<>();
        OutboundQueue queue = new OutboundQueue(10, 1_000, new Packing(9), new Telemetry() {
            @Override
            public void delivered(int events, int bytes) {
                delivered.add(new int[] {events, bytes});
            }
        }, writer::add, () -> { }, q -> transport);
        transport.queue = queue;
        transport.mode = ScriptedTransport.Mode.INLINE;
        assertTrue(queue.enqueue(Frame.of("a")));
        queue.flush();
        assertFalse(queue.enqueue(Frame.of("bb")), "the writer has not run yet");
        assertFalse(queue.enqueue(Frame.of("ccc")));
        queue.enqueue(Frame.of("dddd"));
        assertEquals(List.of(), transport.sent, "flush only hands over");
        writer.forEach(Runnable::run);
        assertEquals(List.of("a\nbb\nccc", "dddd"), transport.sent, "packed up to 9 bytes, newline-separated");
        assertEquals(List.of(3, 1), delivered.stream().map(d -> d[0]).toList(), "events counted, not frames");
        assertEquals(List.of(8, 4), delivered.stream().map(d -> d[1]).toList());
    }

    @Test
    void aPingIsNeverPackedAndWithoutPackingEachFrameLeavesAlone() {
        OutboundQueue packing = new OutboundQueue(10, 1_000, new Packing(1_000), Telemetry.NONE, Runnable::run, () -> { }, q -> transport);
        transport.queue = packing;
        packing.enqueue(Frame.of("1"));
        packing.ping();
        packing.enqueue(Frame.of("2"));
        packing.enqueue(Frame.of("3"));
        packing.flush();
        transport.complete(null);
        transport.complete(null);
        transport.complete(null);
        assertEquals(List.of("1", "PING", "2\n3"), transport.sent);

        ScriptedTransport plain = new ScriptedTransport();
        OutboundQueue single = new OutboundQueue(10, 1_000, Telemetry.NONE, q -> plain);
        plain.queue = single;
        plain.mode = ScriptedTransport.Mode.INLINE;
        single.enqueue(Frame.of("x"));
        single.enqueue(Frame.of("y"));
        single.flush();
        assertEquals(List.of("x", "y"), plain.sent);
        plain.completer.shutdownNow();
    }

    @Test
    void aSendInFlightLongerThanTheTimeoutClosesTheConnectionAsSlowAtOnce() {
        OutboundQueue queue = queue(10, 1_000);
        long timeout = 1_000_000_000L;
        assertFalse(queue.closeIfSendStalled(System.nanoTime() + 2 * timeout, timeout), "nothing in flight");
        queue.send(Frame.of("taken"));
        transport.complete(null);
        queue.send(Frame.of("stuck"));
        queue.send(Frame.of("waiting"));
        assertFalse(queue.closeIfSendStalled(System.nanoTime(), timeout), "in flight, but not for long");
        assertTrue(queue.closeIfSendStalled(System.nanoTime() + 2 * timeout, timeout));
        assertEquals(List.of(CloseCode.SLOW_CONSUMER), transport.closes, "closed without waiting for the send");
        assertFalse(queue.enqueue(Frame.of("after")), "a closed queue takes nothing");
        transport.complete(new java.io.IOException("the socket closed"));
        assertEquals(List.of("taken", "stuck"), transport.sent, "what waited was dropped");
        assertEquals(0, queue.size());
    }

    @Test
    void neverTwoSendsInFlightAndOrderIsKept() {
        OutboundQueue queue = queue(10, 1_000);
        queue.send(Frame.of("1"));
        queue.send(Frame.of("2"));
        queue.send(Frame.of("3"));
        assertEquals(List.of("1"), transport.sent, "the second send waits for the first to complete");
        transport.complete(null);
        assertEquals(List.of("1", "2"), transport.sent);
        transport.complete(null);
        transport.complete(null);
        assertEquals(List.of("1", "2", "3"), transport.sent);
        assertEquals(1, transport.maxInFlight);
        assertTrue(queue.enqueue(Frame.of("4")), "an idle queue appoints a writer again");
    }

    @Test
    void inlineCompletionsDoNotGrowTheStack() {
        OutboundQueue queue = queue(200_000, 100_000_000);
        for (int i = 0; i < 100_000; i++) {
            assertTrue(i == 0 == queue.enqueue(Frame.of("f" + i)));
        }
        transport.mode = ScriptedTransport.Mode.INLINE;
        queue.flush();
        assertEquals(100_000, transport.sent.size());
        assertEquals(1, transport.maxDepth, "each send returned before the next began");
        assertEquals("f99999", transport.sent.get(99_999));
    }

    @Test
    void concurrentProducersWithCompletionsOnAnotherThreadLoseNothing() throws Exception {
        transport.mode = ScriptedTransport.Mode.OTHER_THREAD;
        OutboundQueue queue = queue(1_000_000, 100_000_000);
        int producers = 4;
        int each = 5_000;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(producers);
        for (int p = 0; p < producers; p++) {
            String prefix = "p" + p + ":";
            pool.execute(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    queue.send(Frame.of(prefix + i));
                }
            });
        }
        start.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        synchronized (transport) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (transport.sent.size() < producers * each && System.nanoTime() < deadline) {
                transport.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            assertEquals(producers * each, transport.sent.size());
            assertEquals(1, transport.maxInFlight);
            for (int p = 0; p < producers; p++) {
                String prefix = "p" + p + ":";
                List<String> mine = transport.sent.stream().filter(f -> f.startsWith(prefix)).toList();
                for (int i = 0; i < each; i++) {
                    assertEquals(prefix + i, mine.get(i));
                }
            }
        }
    }

    @Test
    void overflowByCountDropsTheQueueAndClosesAsSlowConsumer() {
        OutboundQueue queue = queue(3, 1_000);
        queue.send(Frame.of("in flight"));
        queue.send(Frame.of("1"));
        queue.send(Frame.of("2"));
        queue.send(Frame.of("3"));
        assertFalse(queue.enqueue(Frame.of("overflow")));
        assertEquals(0, queue.size(), "what waited is dropped at once");
        assertEquals(List.of(CloseCode.SLOW_CONSUMER), transport.closes,
                "closed at once, without waiting for the send the peer is not taking");
        transport.complete(null);
        assertEquals(List.of("in flight"), transport.sent);
        assertEquals(List.of(CloseCode.SLOW_CONSUMER), transport.closes);
        assertFalse(queue.enqueue(Frame.of("after close")));
    }

    @Test
    void overflowByBytesClosesAsSlowConsumer() {
        OutboundQueue queue = queue(1_000, 10);
        queue.send(Frame.of("in flight"));
        queue.send(Frame.of("12345"));
        queue.send(Frame.of("678901"));
        transport.complete(null);
        assertEquals(List.of("in flight"), transport.sent);
        assertEquals(List.of(CloseCode.SLOW_CONSUMER), transport.closes);
    }

    /** A queue whose telemetry records each delivery's size into {@code delivered}. */
    private OutboundQueue countingQueue(int maxFrames, long maxBytes, List<Integer> delivered) {
        OutboundQueue queue = new OutboundQueue(maxFrames, maxBytes, new Telemetry() {
            @Override
            public void delivered(int events, int bytes) {
                delivered.add(bytes);
            }
        }, q -> transport);
        transport.queue = queue;
        return queue;
    }

    @Test
    void bytesAreCountedInUtf8AndReportedPerDelivery() {
        List<Integer> delivered = new ArrayList<>();
        OutboundQueue queue = countingQueue(100, 7, delivered);
        queue.send(Frame.of("x"));
        queue.send(Frame.of("字字"));
        assertFalse(queue.enqueue(Frame.of("字")), "3 more bytes than the 6 waiting pass the 7-byte bound");
        transport.complete(null);
        assertEquals(List.of(1), delivered);
        assertEquals(List.of(CloseCode.SLOW_CONSUMER), transport.closes);
    }

    @Test
    void aSendIsReportedCompletedOnTheWriterOnlyWhenItsCompletionCameOnTheSendingThread() throws Exception {
        List<Boolean> onWriter = new CopyOnWriteArrayList<>();
        OutboundQueue queue = new OutboundQueue(100, 1_000, new Telemetry() {
            @Override
            public void sendCompleted(boolean onSendingThread) {
                onWriter.add(onSendingThread);
            }
        }, q -> transport);
        transport.queue = queue;
        transport.mode = ScriptedTransport.Mode.INLINE; // the container took it at once and said so right there
        queue.send(Frame.of("at once"));
        transport.mode = ScriptedTransport.Mode.OTHER_THREAD; // the container handed the completion on
        queue.send(Frame.of("handed off"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (onWriter.size() < 2 && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // the completer thread reports it
        }
        assertEquals(List.of(true, false), onWriter);
    }

    @Test
    void overflowOnAnIdleQueueAppointsAWriterToClose() {
        OutboundQueue queue = queue(10, 5);
        assertTrue(queue.enqueue(Frame.of("123456")), "the caller must flush, which performs the close");
        queue.flush();
        assertEquals(List.of(), transport.sent);
        assertEquals(List.of(CloseCode.SLOW_CONSUMER), transport.closes);
    }

    @Test
    void pingsWaitTheirTurnLikeFramesAndCountAgainstNothing() {
        List<Integer> delivered = new ArrayList<>();
        OutboundQueue queue = countingQueue(1, 1_000, delivered);
        queue.send(Frame.of("a"));
        queue.ping();
        assertEquals(List.of("a"), transport.sent, "the ping waits for the frame in flight");
        transport.complete(null);
        transport.complete(null);
        assertEquals(List.of("a", "PING"), transport.sent);
        assertEquals(List.of(1), delivered, "a ping is no delivery");
        assertEquals(List.of(), transport.closes, "a ping beyond the frame limit does not overflow");
    }

    @Test
    void closeWaitsForQueuedFrames() {
        OutboundQueue queue = queue(10, 1_000);
        queue.send(Frame.of("1"));
        queue.send(Frame.of("2"));
        queue.close(CloseCode.GOING_AWAY, "bye");
        assertEquals(List.of(), transport.closes);
        transport.complete(null);
        transport.complete(null);
        assertEquals(List.of("1", "2"), transport.sent);
        assertEquals(List.of(CloseCode.GOING_AWAY), transport.closes);
        queue.close(CloseCode.SERVER_ERROR, "again");
        assertEquals(1, transport.closes.size(), "closed once");
    }

    @Test
    void aTimedOutSendClosesAsSlowConsumer() {
        OutboundQueue queue = queue(10, 1_000);
        queue.send(Frame.of("1"));
        queue.send(Frame.of("2"));
        transport.complete(new SocketTimeoutException());
        assertEquals(List.of("1"), transport.sent);
        assertEquals(List.of(CloseCode.SLOW_CONSUMER), transport.closes);
    }

    @Test
    void aFailedSendAbandonsTheConnectionOnceAndSendsNothingMore() {
        OutboundQueue queue = queue(10, 1_000);
        queue.send(Frame.of("1"));
        queue.send(Frame.of("2"));
        transport.complete(new IOException("broken pipe"));
        assertEquals(List.of("1"), transport.sent);
        assertEquals(List.of(), transport.closes, "no close frame of ours: nothing can reach the peer");
        assertEquals(1, transport.abandons.size(), "the container's session is released");
        assertTrue(transport.abandons.get(0).contains("broken pipe"), transport.abandons.toString());
        assertFalse(queue.enqueue(Frame.of("3")));
        queue.close(CloseCode.IDLE_TIMEOUT, "later");
        assertEquals(List.of(), transport.closes, "a later close does nothing more");
        assertEquals(1, transport.abandons.size());
    }

    @Test
    void theFirstCloseRequestIsAnnouncedOnceWhoeverMakesIt() {
        assertEquals(List.of("closing"), announcements((queue, peer) -> {
            queue.send(Frame.of("1")); // in flight, never completes
            queue.send(Frame.of("2"));
            queue.send(Frame.of("3")); // over the bound of 2
            queue.close(CloseCode.IDLE_TIMEOUT, "again");
        }), "overflow");
        assertEquals(List.of("closing"), announcements((queue, peer) -> {
            queue.send(Frame.of("1"));
            peer.complete(new IOException("connection reset"));
            queue.close(CloseCode.IDLE_TIMEOUT, "again");
        }), "failed send");
        assertEquals(List.of("closing"), announcements((queue, peer) -> {
            queue.send(Frame.of("1"));
            queue.closeIfSendStalled(System.nanoTime() + 10_000_000_000L, 1_000_000_000L);
            queue.closeIfSendStalled(System.nanoTime() + 20_000_000_000L, 1_000_000_000L);
        }), "stalled send");
        assertEquals(List.of("closing"), announcements((queue, peer) -> {
            queue.close(CloseCode.POLICY_VIOLATION, "flooding");
            queue.close(CloseCode.IDLE_TIMEOUT, "again");
        }), "a close asked for");
        assertEquals(List.of(), announcements((queue, peer) -> {
            queue.send(Frame.of("1"));
            peer.complete(null);
            queue.discard();
        }), "writing announces nothing, nor does the container's own close");
    }

    /** What a fresh queue (bound: 2 frames) announced while the script drove it and its scripted peer. */
    private static List<String> announcements(java.util.function.BiConsumer<OutboundQueue, ScriptedTransport> script) {
        List<String> told = new ArrayList<>();
        ScriptedTransport peer = new ScriptedTransport();
        OutboundQueue queue = new OutboundQueue(2, 1_000, Packing.NONE, Telemetry.NONE, Runnable::run, () -> told.add("closing"),
                q -> peer);
        peer.queue = queue;
        script.accept(queue, peer);
        return told;
    }

    @Test
    void aCloseRequestIsDatedSoAStuckOneCanBeFound() {
        OutboundQueue queue = queue(10, 1_000);
        queue.send(Frame.of("1")); // in flight, never completes: the close waits behind it
        long before = System.nanoTime();
        assertFalse(queue.closeRequestedBefore(before), "no close requested yet");
        queue.close(CloseCode.IDLE_TIMEOUT, "idle");
        assertFalse(queue.closeRequestedBefore(before));
        assertTrue(queue.closeRequestedBefore(System.nanoTime() + 1));
    }

    @Test
    void discardDropsEverythingAndRefusesMore() {
        OutboundQueue queue = queue(10, 1_000);
        queue.send(Frame.of("1"));
        queue.send(Frame.of("2"));
        queue.discard();
        transport.complete(null);
        assertEquals(List.of("1"), transport.sent);
        assertFalse(queue.enqueue(Frame.of("3")));
        assertEquals(List.of(), transport.closes, "a gone connection is not closed again");
    }

    /**
     * The container closed the connection with a send still in flight: the transport is told, so a write it handed
     * elsewhere (the direct write's rest, with Tomcat's wrapper) ends as failed, and that end starts nothing more.
     */
    @Test
    void discardTellsTheTransportSoAWriteLeftWaitingEndsAndNothingFollows() {
        OutboundQueue queue = queue(10, 1_000);
        queue.send(Frame.of("1")); // in flight: the peer has not taken it
        queue.send(Frame.of("2"));
        queue.discard();
        assertEquals(1, transport.connectionsClosed, "told once");
        transport.complete(new java.nio.channels.ClosedChannelException()); // what the direct write reports then
        assertEquals(List.of("1"), transport.sent, "nothing more is written");
        assertEquals(List.of(), transport.closes, "a gone connection is not closed");
        assertEquals(List.of(), transport.abandons, "nor abandoned: the container already let go of it");
    }
}
