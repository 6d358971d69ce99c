package dev.chatwar.transport;

import dev.chatwar.protocol.Packing;

import dev.chatwar.room.JoinRequest;

import dev.chatwar.admission.ConnectionLimits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.protocol.Frame;
import dev.chatwar.room.ChatService;
import dev.chatwar.room.Member;
import dev.chatwar.room.Telemetry;
import dev.chatwar.support.Chats;
import dev.chatwar.support.RecordingConnection;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A member whose send failed leaves exactly once and gives its places back exactly once, whether the container's
 * {@code @OnClose} comes later, came first, or never comes: the queue, the departure and the room as the endpoint
 * wires them, with a scripted peer in place of a socket.
 */
class DepartureTest {
    private final ChatService chat = Chats.node(Chats.inMemory(10), 1000);
    private final ConnectionLimits limits = new ConnectionLimits(20, 100, 64);
    private final RecordingConnection bob = new RecordingConnection();

    /** Alice as the endpoint wires her: her queue's closing announcement makes her leave. */
    private final class Alice {
        final OutboundQueueTest.ScriptedTransport peer = new OutboundQueueTest.ScriptedTransport();
        final AtomicReference<Member> member = new AtomicReference<>();
        final ConnectionLimits.Reservation reservation = limits.reserve("10.0.0.1").reservation();
        final Departure departure = new Departure(() -> {
            reservation.release();
            chat.leave(member.get());
        }, () -> queue().discard());
        final OutboundQueue queue = new OutboundQueue(100, 100_000, Packing.NONE, Telemetry.NONE, Runnable::run,
                departure::leave, q -> peer);

        Alice() throws Exception {
            peer.queue = queue;
            peer.mode = OutboundQueueTest.ScriptedTransport.Mode.INLINE;
            member.set(Chats.join(chat, JoinRequest.guest("r", "alice", "10.0.0.1"), queue));
            peer.mode = OutboundQueueTest.ScriptedTransport.Mode.MANUAL;
        }

        OutboundQueue queue() {
            return queue;
        }

        /** Bob says something; the send of it to Alice is left in flight. */
        void aSendInFlight() throws Exception {
            chat.receive(chat.rooms().members().stream().filter(m -> m.connection() == bob).findFirst().orElseThrow(),
                    "hello");
        }
    }

    private long leavesBobSaw() throws Exception {
        return bob.sent().stream().filter(frame -> frame.contains("\"type\":\"leave\"")).count();
    }

    @Test
    void aFailedSendMakesTheMemberLeaveOnceThoughOnCloseComesLater() throws Exception {
        Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        Alice alice = new Alice();
        alice.aSendInFlight();
        alice.peer.complete(new IOException("connection reset by peer"));

        assertEquals(1, leavesBobSaw(), "bob is told at once, before any @OnClose");
        assertEquals(0, limits.open("10.0.0.1"), "her place is free at once");
        assertEquals(1, alice.peer.abandons.size(), "and her session is released");

        assertTrue(alice.departure.end(), "a late @OnClose, or the reaper when none comes, still ends it (and counts)");
        assertFalse(alice.departure.end());
        assertEquals(1, leavesBobSaw(), "no second leave");
        assertEquals(0, limits.openTotal(), "no second release");
        assertEquals(1, chat.memberCount());
    }

    @Test
    void aFailedSendAfterOnCloseChangesNothing() throws Exception {
        Chats.join(chat, JoinRequest.guest("r", "bob", "10.0.0.2"), bob);
        Alice alice = new Alice();
        alice.aSendInFlight();
        assertTrue(alice.departure.end());
        alice.peer.complete(new IOException("broken pipe"));

        assertEquals(1, leavesBobSaw());
        assertEquals(0, limits.openTotal());
        assertEquals(1, chat.memberCount());
        assertEquals(0, alice.peer.abandons.size(), "a connection the container closed is not abandoned again");
        assertFalse(alice.queue.enqueue(Frame.of("{}")), "and takes nothing more");
    }
}
