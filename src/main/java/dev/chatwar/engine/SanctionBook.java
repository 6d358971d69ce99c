package dev.chatwar.engine;

import dev.chatwar.protocol.Sanction;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A node's copy of the chat's sanctions, by {@link Sanction#key}: what {@link Sanctions#find} and
 * {@link Sanctions#list} answer from. Thread-safe; a lookup is a few hash probes.
 *
 * <p>Every change carries the store's version, which grows with each change. A change reaches a node twice, by two
 * paths that race (the reply to the node that made it, and the line every node hears), and changes of one key made on
 * two nodes may arrive in either order; so a change older than what the copy holds for its key, or older than the
 * last snapshot the copy was replaced with, is ignored. A lift leaves its version behind, so an older imposition that
 * arrives after it cannot bring the sanction back.
 */
public final class SanctionBook {
    /** How a change compared with the copy. */
    public enum Applied {
        /** Newer than anything the copy knew of its key: applied. */
        NEWER,
        /** The change the copy holds already (it came by the other path first). */
        SAME,
        /** Older than what the copy holds: ignored. */
        OLDER
    }

    /**
     * What the copy holds, never changed in place: a change builds the next map and publishes it, so a lookup never
     * sees a copy half replaced (changes are rare; lookups are on every handshake and message).
     */
    private volatile Map<String, Sanction> byKey = Map.of();
    /** The version of each key's last change, lifts included; only versions above {@link #floor}. */
    private final Map<String, Long> versions = new HashMap<>();
    /** The version of the last snapshot: every change up to it is in the copy already. */
    private long floor = Long.MIN_VALUE;
    private final Clock clock;

    public SanctionBook(Clock clock) {
        this.clock = clock;
    }

    /**
     * Applies a change of one key; sanctions past their end leave the copy on the way.
     *
     * @param sanction the sanction now held under the key, or null for a lift
     */
    public synchronized Applied apply(long version, String key, Sanction sanction) {
        long known = Math.max(floor, versions.getOrDefault(key, Long.MIN_VALUE));
        if (version < known || version == floor) {
            return Applied.OLDER;
        }
        if (version == known) {
            return Applied.SAME;
        }
        versions.put(key, version);
        Map<String, Sanction> next = holding(byKey);
        if (sanction == null) {
            next.remove(key);
        } else {
            next.put(key, sanction);
        }
        byKey = Map.copyOf(next);
        return Applied.NEWER;
    }

    /**
     * Replaces the copy with the store's, as of {@code version}: every change up to it is in {@code held}, and lines
     * of older changes that arrive later are ignored. Changes newer than the snapshot stay as they are.
     *
     * @return the sanctions this put into the copy that it did not hold before, and that still hold
     */
    public synchronized List<Sanction> replaceAll(long version, Collection<Sanction> held) {
        Map<String, Sanction> before = byKey;
        floor = Math.max(floor, version);
        versions.values().removeIf(known -> known <= floor);
        Map<String, Sanction> next = new HashMap<>();
        before.forEach((key, sanction) -> {
            if (versions.containsKey(key)) {
                next.put(key, sanction); // changed after the snapshot
            }
        });
        List<Sanction> added = new ArrayList<>();
        long now = clock.millis();
        for (Sanction sanction : held) {
            if (!versions.containsKey(sanction.key()) && sanction.holdsAt(now)) {
                next.put(sanction.key(), sanction);
                if (!sanction.equals(before.get(sanction.key()))) {
                    added.add(sanction);
                }
            }
        }
        byKey = Map.copyOf(next);
        return added;
    }

    /** The sanctions of {@code current} that still hold, in a map to change. */
    private Map<String, Sanction> holding(Map<String, Sanction> current) {
        long now = clock.millis();
        Map<String, Sanction> next = new HashMap<>(current);
        next.values().removeIf(sanction -> !sanction.holdsAt(now));
        return next;
    }

    public Optional<Sanction> find(Sanction.Type type, String room, Collection<Sanction.Target> targets) {
        Map<String, Sanction> held = byKey;
        if (held.isEmpty()) {
            return Optional.empty();
        }
        long now = clock.millis();
        for (Sanction.Target target : targets) {
            for (String scope : new String[] {room, Sanction.EVERY_ROOM}) {
                Sanction found = held.get(Sanction.key(type, scope, target));
                if (found != null && found.holdsAt(now)) {
                    return Optional.of(found);
                }
            }
        }
        return Optional.empty();
    }

    /** Whether the sanction under this key holds now. */
    public boolean holds(String key) {
        Sanction found = byKey.get(key);
        return found != null && found.holdsAt(clock.millis());
    }

    public List<Sanction> list(Sanction.Type type) {
        long now = clock.millis();
        return byKey.values().stream().filter(s -> s.type() == type && s.holdsAt(now)).toList();
    }

}
