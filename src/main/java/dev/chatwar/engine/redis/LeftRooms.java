package dev.chatwar.engine.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The channels of rooms this node no longer hears (their last subscriber here left), kept for a while for what they
 * delivered: a node whose room emptied (its members left, or resynced when it lost its lease) may be the only one that
 * knows of events Redis then forgot, since a node that was not hearing the room when they were published finds no
 * hole in what Redis holds. {@link RoomChannels} checks them at every reconnect, and when a room is joined here again.
 *
 * <p>Bounded: a channel is kept for {@link #KEPT_FOR} after its room emptied, and at most {@link #MAX_ROOMS} are kept
 * (the one left longest ago goes first). A loss found later than that, in a room nobody here is in, is not told by
 * this node. Thread-safe.
 */
final class LeftRooms {
    /** How long a room's channel is kept after its last subscriber here left. */
    static final Duration KEPT_FOR = Duration.ofMinutes(5);
    /** Rooms kept at most. */
    static final int MAX_ROOMS = 10_000;

    private record Left(RoomChannel channel, long leftAt) {
    }

    /** In the order the rooms were left. Guarded by this. */
    private final Map<String, Left> left = new LinkedHashMap<>();
    private final Duration keptFor;

    LeftRooms() {
        this(KEPT_FOR);
    }

    LeftRooms(Duration keptFor) {
        this.keptFor = keptFor;
    }

    /**
     * The channel's last subscriber here left; kept if it heard anything, in place of one left before (the same
     * channel again keeps its time). The channel's lock is never taken under this one: a channel that tells a loss
     * asks {@link #highWater} under its own.
     */
    void remember(RoomChannel channel) {
        if (!channel.heardAnything()) {
            return;
        }
        synchronized (this) {
            Left before = left.get(channel.room);
            if (before != null && before.channel() == channel) {
                return;
            }
            left.remove(channel.room); // re-inserted at the end: left last
            left.put(channel.room, new Left(channel, System.nanoTime()));
            if (left.size() > MAX_ROOMS) {
                Iterator<String> oldest = left.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
        }
    }

    /** The room is joined here again: its kept channel, no longer kept, or null. */
    synchronized RoomChannel take(String room) {
        expire();
        Left kept = left.remove(room);
        return kept == null ? null : kept.channel();
    }

    /** The kept channels whose channel name {@code carried} accepts. */
    synchronized List<RoomChannel> kept(Predicate<String> carried) {
        expire();
        List<RoomChannel> channels = new ArrayList<>();
        for (Left kept : left.values()) {
            if (carried.test(kept.channel().name)) {
                channels.add(kept.channel());
            }
        }
        return channels;
    }

    /** The channel has told its loss: there is nothing more to check in it. */
    synchronized void forget(RoomChannel channel) {
        Left kept = left.get(channel.room);
        if (kept != null && kept.channel() == channel) {
            left.remove(channel.room);
        }
    }

    /** The highest id the room's kept channel knows was handed out, or 0: still a floor for the room's next id. */
    synchronized long highWater(String room) {
        Left kept = left.get(room);
        return kept == null ? 0 : kept.channel().highWater();
    }

    /** Must hold the lock. Drops what was left longer than {@link #keptFor} ago (the oldest come first). */
    private void expire() {
        long now = System.nanoTime();
        Iterator<Left> oldest = left.values().iterator();
        while (oldest.hasNext()) {
            if (now - oldest.next().leftAt() < keptFor.toNanos()) {
                return;
            }
            oldest.remove();
        }
    }
}
