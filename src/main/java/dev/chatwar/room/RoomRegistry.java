package dev.chatwar.room;

import dev.chatwar.engine.Engine;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * This node's rooms by name: a room is created by its first join, which subscribes this node to the room's events,
 * and dropped when its last member leaves, which unsubscribes it (the history stays with the engine). So what a node
 * receives follows its own members. Only local members live here; other nodes' members are reached via the engine.
 */
public final class RoomRegistry {
    private final ConcurrentMap<String, Room> rooms = new ConcurrentHashMap<>();
    private final Engine engine;
    private final FrameCodec codec;
    private final Clock clock;
    private final Telemetry telemetry;
    private final PresenceRule presence;
    /** The runner of each room's rounds, by room name. */
    private final Function<String, Executor> roundRunners;
    /** Told of a member whose place a reconnect took over, once it is out of its room here. */
    private volatile Consumer<Member> replaced = member -> { };

    /** Rooms that fan out each event on the thread that delivers it: for tests and tools. */
    public RoomRegistry(Engine engine, FrameCodec codec, Clock clock, Telemetry telemetry, int presenceLimit) {
        this(engine, codec, clock, telemetry, presenceLimit, room -> Runnable::run);
    }

    /**
     * @param presenceLimit members up to which a room announces joins and leaves to all and lists all in welcome
     * @param roundRunners  for each room name, the executor that fans out its rounds ({@link Room}); events delivered
     *                      while it is busy form the next round, so a single thread per room is what batches them
     */
    public RoomRegistry(Engine engine, FrameCodec codec, Clock clock, Telemetry telemetry, int presenceLimit,
                        Function<String, Executor> roundRunners) {
        this.roundRunners = roundRunners;
        this.presence = new PresenceRule(presenceLimit);
        this.engine = engine;
        this.codec = codec;
        this.clock = clock;
        this.telemetry = telemetry;
    }

    /** @param listener told of each member here whose place a reconnect (on any node) took over */
    void onReplaced(Consumer<Member> listener) {
        this.replaced = listener;
    }

    /** Admits the member into its room here, which its first member creates (and subscribes to the room's events). */
    Room join(Member member) {
        while (true) {
            Room candidate = rooms.computeIfAbsent(member.room(), this::newRoom);
            if (candidate.admit(member)) {
                return candidate;
            }
            // It emptied and closed between lookup and admit; its leaver removes it, or we do.
            rooms.remove(member.room(), candidate);
        }
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
            room.unsubscribe();
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

    int presenceLimit() {
        return presence.limit();
    }

    public int roomCount() {
        return rooms.size();
    }

    public List<Member> members() {
        return rooms.values().stream().flatMap(room -> room.members().stream()).toList();
    }

    private Room newRoom(String name) {
        Room room = new Room(name, engine, codec, clock, telemetry, presence, roundRunners.apply(name),
                (emptied, gone) -> {
                    dropIfClosed(emptied);
                    replaced.accept(gone);
                });
        room.subscribe();
        return room;
    }
}
