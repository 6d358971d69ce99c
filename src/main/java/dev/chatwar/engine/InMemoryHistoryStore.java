package dev.chatwar.engine;

import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each room's last {@code size} kept events (messages and removals) in a ring, and the {@code cid}s its senders used within the resend window,
 * kept for at most {@code maxRooms} rooms: the room opened least recently is forgotten first, so rooms that empty out
 * cannot grow memory without bound.
 */
final class InMemoryHistoryStore {
    /**
     * Resend keys one room remembers at most, the oldest forgotten first: it bounds memory (about 100 bytes each)
     * when a room carries more than this many messages within the window.
     */
    static final int MAX_RESENDS = 100_000;
    private final int size;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Ring> rooms;

    InMemoryHistoryStore(int size, int maxRooms, Duration window, Clock clock) {
        this.size = size;
        this.window = window;
        this.clock = clock;
        this.rooms = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Ring> eldest) {
                return size() > maxRooms;
            }
        };
    }

    synchronized History open(String room) {
        return rooms.computeIfAbsent(room, name -> new Ring());
    }

    private final class Ring implements History {
        /** When a message was sent with a cid, and its id. */
        private record Sent(String id, long atMillis) {
        }

        private final ArrayDeque<RoomEvent> kept = new ArrayDeque<>(Math.min(size, 128));
        /** By sender key NUL cid, oldest first. */
        private final LinkedHashMap<String, Sent> resends = new LinkedHashMap<>();
        private long lastId = Long.MIN_VALUE;

        @Override
        public synchronized void append(RoomEvent event, String senderKey) {
            long now = clock.millis();
            forgetResends(now);
            if (size > 0) {
                if (kept.size() == size) {
                    kept.removeFirst();
                }
                kept.addLast(event);
            }
            if (event instanceof Message message && message.cid() != null) {
                resends.put(sentKey(senderKey, message.cid()), new Sent(message.id(), now));
            }
        }

        @Override
        public synchronized boolean remove(String id) {
            List<RoomEvent> events = new java.util.ArrayList<>(kept); // rare: a ring has no set, so it is rebuilt
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i) instanceof Message message && message.id().equals(id)) {
                    if (message.wasRemoved()) {
                        return false;
                    }
                    events.set(i, message.placeholder());
                    kept.clear();
                    kept.addAll(events);
                    return true;
                }
            }
            return false;
        }

        /** Resend keys past the window, or past {@link #MAX_RESENDS}, go, oldest first. */
        private void forgetResends(long now) {
            Iterator<Sent> oldest = resends.values().iterator();
            while (oldest.hasNext()) {
                Sent sent = oldest.next();
                if (sent.atMillis() > now - window.toMillis() && resends.size() < MAX_RESENDS) {
                    return;
                }
                oldest.remove();
            }
        }

        @Override
        public synchronized List<RoomEvent> recent() {
            return List.copyOf(kept);
        }

        @Override
        public synchronized Message kept(String id) {
            for (Iterator<RoomEvent> newest = kept.descendingIterator(); newest.hasNext(); ) {
                if (newest.next() instanceof Message message && message.id().equals(id)) {
                    return message;
                }
            }
            return null;
        }

        @Override
        public synchronized String resent(String senderKey, String cid) {
            Sent sent = resends.get(sentKey(senderKey, cid));
            return sent == null || sent.atMillis() <= clock.millis() - window.toMillis() ? null : sent.id();
        }

        @Override
        public synchronized long lastId() {
            return lastId;
        }

        @Override
        public synchronized void lastId(long id) {
            lastId = id;
        }

        /** NUL cannot occur in a name, so no two pairs share a key. */
        private static String sentKey(String senderKey, String cid) {
            return senderKey + '\0' + cid;
        }
    }
}
