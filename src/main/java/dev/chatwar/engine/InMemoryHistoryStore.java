package dev.chatwar.engine;

import dev.chatwar.protocol.ServerEvent.Message;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each room's last {@code size} messages in a ring, kept for at most {@code maxRooms} rooms: the room opened least
 * recently is forgotten first, so rooms that empty out cannot grow memory without bound.
 */
final class InMemoryHistoryStore {
    private final int size;
    private final Map<String, Ring> rooms;

    InMemoryHistoryStore(int size, int maxRooms) {
        this.size = size;
        this.rooms = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Ring> eldest) {
                return size() > maxRooms;
            }
        };
    }

    synchronized History open(String room) {
        return rooms.computeIfAbsent(room, name -> new Ring(size));
    }

    private static final class Ring implements History {
        /** A kept message and, when it has a cid, the key it is found under as a resend. */
        private record Kept(Message message, String sentKey) {
        }

        private final int capacity;
        private final ArrayDeque<Kept> kept;
        /** By {@link #sentKey}: one sender's client id. */
        private final Map<String, Message> bySentKey = new HashMap<>();

        Ring(int capacity) {
            this.capacity = capacity;
            this.kept = new ArrayDeque<>(Math.min(capacity, 128));
        }

        @Override
        public synchronized void append(Message message, String senderKey) {
            if (capacity == 0) {
                return;
            }
            if (kept.size() == capacity) {
                Kept evicted = kept.removeFirst();
                if (evicted.sentKey() != null) {
                    bySentKey.remove(evicted.sentKey(), evicted.message());
                }
            }
            String sentKey = message.cid() == null ? null : sentKey(senderKey, message.cid());
            kept.addLast(new Kept(message, sentKey));
            if (sentKey != null) {
                bySentKey.put(sentKey, message);
            }
        }

        @Override
        public synchronized List<Message> recent() {
            return kept.stream().map(Kept::message).toList();
        }

        @Override
        public synchronized Message resent(String senderKey, String cid) {
            return bySentKey.get(sentKey(senderKey, cid));
        }

        /** NUL cannot occur in a name, so no two pairs share a key. */
        private static String sentKey(String senderKey, String cid) {
            return senderKey + '\0' + cid;
        }
    }
}
