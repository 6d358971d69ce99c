package dev.chatwar.engine;

import dev.chatwar.protocol.Sanction;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

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

    private final Map<String, Sanction> byKey = new ConcurrentHashMap<>();
    /** The version of each key's last change, lifts included; only versions above {@link #floor}. */
    private final Map<String, Long> versions = new HashMap<>();
    /** The version of the last snapshot: every change up to it is in the copy already. */
    private long floor = Long.MIN_VALUE;
    private final Clock clock;

    public SanctionBook(Clock clock) {
        this.clock = clock;
    }

    /**
     * Applies a change of one key.
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
        if (sanction == null) {
            byKey.remove(key);
        } else {
            byKey.put(key, sanction);
        }
        return Applied.NEWER;
    }

    /**
     * Replaces the copy with the store's, as of {@code version}: every change up to it is in {@code held} (each with
     * its own version), and lines of older changes that arrive later are ignored.
     *
     * @return the sanctions of {@code held} that the copy did not hold before
     */
    public synchronized List<Sanction> replaceAll(long version, Collection<Sanction> held) {
        Map<String, Sanction> before = Map.copyOf(byKey);
        floor = Math.max(floor, version);
        versions.values().removeIf(known -> known <= floor);
        byKey.keySet().removeIf(key -> !versions.containsKey(key)); // changes newer than the snapshot stay
        for (Sanction sanction : held) {
            if (!versions.containsKey(sanction.key())) {
                byKey.put(sanction.key(), sanction);
            }
        }
        return held.stream().filter(sanction -> !sanction.equals(before.get(sanction.key()))).toList();
    }

    public Optional<Sanction> find(Sanction.Type type, String room, Collection<Sanction.Target> targets) {
        if (byKey.isEmpty()) {
            return Optional.empty();
        }
        long now = clock.millis();
        for (Sanction.Target target : targets) {
            for (String scope : new String[] {room, Sanction.EVERY_ROOM}) {
                Sanction found = byKey.get(Sanction.key(type, scope, target));
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

    /** The keys of sanctions past their end: what the store may forget. */
    public List<String> expired() {
        long now = clock.millis();
        return byKey.values().stream().filter(s -> !s.holdsAt(now)).map(Sanction::key).toList();
    }
}
