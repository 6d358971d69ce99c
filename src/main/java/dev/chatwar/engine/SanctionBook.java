package dev.chatwar.engine;

import dev.chatwar.protocol.Sanction;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node's copy of the chat's sanctions, by {@link Sanction#key}: what {@link Sanctions#find} and
 * {@link Sanctions#list} answer from. Thread-safe; a lookup is a few hash probes.
 */
public final class SanctionBook {
    private final Map<String, Sanction> byKey = new ConcurrentHashMap<>();
    private final Clock clock;

    public SanctionBook(Clock clock) {
        this.clock = clock;
    }

    public void put(Sanction sanction) {
        byKey.put(sanction.key(), sanction);
    }

    /** @return the sanction removed, or null */
    public Sanction remove(String key) {
        return byKey.remove(key);
    }

    /** Replaces the whole copy with what the store holds. */
    public synchronized void replaceAll(Collection<Sanction> held) {
        byKey.keySet().retainAll(held.stream().map(Sanction::key).toList());
        held.forEach(this::put);
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
