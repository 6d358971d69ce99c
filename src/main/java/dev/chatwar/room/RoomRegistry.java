package dev.chatwar.room;

import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.ServerEvent.Leave;
import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * This node's rooms by name: a room is created by its first join and dropped when its last member leaves (its history
 * stays in the {@link HistoryStore}). Only local members live here; other nodes' members are reached via the broker.
 */
public final class RoomRegistry {
    private final ConcurrentMap<String, Room> rooms = new ConcurrentHashMap<>();
    /** Bounded by the users the container can authenticate, not by what clients send. */
    private final Set<String> verifiedNames = ConcurrentHashMap.newKeySet();
    private final HistoryStore histories;
    private final FrameCodec codec;
    private final EventIds ids;
    private final Clock clock;
    private final Telemetry telemetry;
    private final int presenceLimit;

    /** @param presenceLimit members up to which a room announces joins and leaves to all and lists all in welcome */
    public RoomRegistry(HistoryStore histories, FrameCodec codec, EventIds ids, Clock clock, Telemetry telemetry,
                        int presenceLimit) {
        this.presenceLimit = presenceLimit;
        this.histories = histories;
        this.codec = codec;
        this.ids = ids;
        this.clock = clock;
        this.telemetry = telemetry;
    }

    Room.Admission join(String room, String name, String address, boolean verified, String since, String resume,
                        Connection connection) {
        if (verified) {
            verifiedNames.add(Names.key(name));
        }
        while (true) {
            Room candidate = rooms.computeIfAbsent(room, this::newRoom);
            Room.Admission admission = candidate.admit(name, address, verified, since, resume, connection);
            if (admission != null) {
                return admission;
            }
            // It emptied and closed between lookup and admit; its leaver removes it, or we do.
            rooms.remove(room, candidate);
        }
    }

    /** @return the leave event, or null when the member had left already */
    Leave leave(Member member) {
        Room room = rooms.get(member.room());
        if (room == null) {
            return null;
        }
        Leave leave = room.remove(member);
        if (room.isClosed()) {
            rooms.remove(member.room(), room);
        }
        return leave;
    }

    Message say(Member member, String text, String cid) {
        Room room = rooms.get(member.room());
        return room == null ? null : room.say(member, text, cid);
    }

    void typing(Member member) {
        Room room = rooms.get(member.room());
        if (room != null) {
            room.typing(member);
        }
    }

    /** An event from another node: delivered to local members, or only kept in history when none are here. */
    void deliverRemote(RoomEvent event) {
        Room room = rooms.get(event.room());
        if (room != null && !room.isClosed()) {
            room.deliverRemote(event);
        } else if (event instanceof Message message) {
            histories.open(event.room()).append(message);
        }
    }

    public int roomCount() {
        return rooms.size();
    }

    public List<Member> members() {
        return rooms.values().stream().flatMap(room -> room.members().stream()).toList();
    }

    private Room newRoom(String name) {
        return new Room(name, histories.open(name), codec, ids, clock, telemetry, verifiedNames, presenceLimit);
    }
}
