package dev.chatwar.room;

import dev.chatwar.engine.Engine;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

/**
 * This node's rooms by name: a room is created by its first join, which subscribes this node to the room's events,
 * and dropped when its last member leaves, which unsubscribes it (the history stays with the engine). So what a node
 * receives follows its own members. Only local members live here; other nodes' members are reached via the engine.
 */
public final class RoomRegistry {
    private final ConcurrentMap<String, Room> rooms = new ConcurrentHashMap<>();
    /** Bounded by the users the container can authenticate, not by what clients send. */
    private final Set<String> verifiedNames = ConcurrentHashMap.newKeySet();
    private final Engine engine;
    private final FrameCodec codec;
    private final Clock clock;
    private final Telemetry telemetry;
    private final int presenceLimit;
    /** Told of a member taken over on another node, once it is out of its room here. */
    private volatile Consumer<Member> replacedElsewhere = member -> { };

    /** @param presenceLimit members up to which a room announces joins and leaves to all and lists all in welcome */
    public RoomRegistry(Engine engine, FrameCodec codec, Clock clock, Telemetry telemetry, int presenceLimit) {
        this.presenceLimit = presenceLimit;
        this.engine = engine;
        this.codec = codec;
        this.clock = clock;
        this.telemetry = telemetry;
    }

    /** Where an admitted member stands: its room and its admission. */
    record Entry(Room room, Room.Admission admission) {
    }

    /** @param listener told of each member here whose place a reconnect on another node took over */
    void onReplacedElsewhere(Consumer<Member> listener) {
        this.replacedElsewhere = listener;
    }

    /** Whether a member of this room here has this resume token. */
    boolean holds(String room, String resume) {
        Room candidate = rooms.get(room);
        return candidate != null && candidate.holds(resume);
    }

    Entry join(String room, String name, String address, boolean verified, String resume, Engine.Place claimed,
               Connection connection) {
        if (verified) {
            verifiedNames.add(Names.key(name));
        }
        while (true) {
            Room candidate = rooms.computeIfAbsent(room, this::newRoom);
            Room.Admission admission = candidate.admit(name, address, verified, resume, claimed, connection);
            if (admission != null) {
                return new Entry(candidate, admission);
            }
            // It emptied and closed between lookup and admit; its leaver removes it, or we do.
            rooms.remove(room, candidate);
        }
    }

    /**
     * Completes once the room's events reach it; a subscription that failed (the engine was unreachable) is tried
     * again here, so a room created during an outage recovers with the next join.
     */
    CompletionStage<Void> subscribed(Room room) {
        CompletableFuture<Void> current = room.subscription.get();
        if (current.isCompletedExceptionally()) {
            room.subscription.compareAndSet(current, engine.subscribe(room.name(), room).toCompletableFuture());
        }
        return room.subscription.get();
    }

    /** @return false when the member had left already (or its place was taken over) */
    boolean leave(Member member) {
        Room room = rooms.get(member.room());
        if (room == null || !room.remove(member)) {
            return false;
        }
        dropIfClosed(room);
        return true;
    }

    private void dropIfClosed(Room room) {
        if (room.isClosed() && rooms.remove(room.name(), room)) {
            engine.unsubscribe(room.name(), room);
        }
    }

    boolean isWelcomed(Member member) {
        Room room = rooms.get(member.room());
        return room != null && room.isWelcomed(member);
    }

    void sendTo(Member member, RoomEvent event) {
        Room room = rooms.get(member.room());
        if (room != null) {
            room.sendTo(member, event);
        }
    }

    void typing(Member member) {
        Room room = rooms.get(member.room());
        if (room != null) {
            room.typing(member);
        }
    }

    public int roomCount() {
        return rooms.size();
    }

    public List<Member> members() {
        return rooms.values().stream().flatMap(room -> room.members().stream()).toList();
    }

    private Room newRoom(String name) {
        Room room = new Room(name, codec, clock, telemetry, verifiedNames, presenceLimit, (emptied, gone) -> {
            dropIfClosed(emptied);
            replacedElsewhere.accept(gone);
        });
        room.subscription.set(engine.subscribe(name, room).toCompletableFuture());
        return room;
    }
}
