package dev.chatwar.room;

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
public final class InMemoryHistoryStore implements HistoryStore {
    private final int size;
    private final Map<String, Ring> rooms;

    public InMemoryHistoryStore(int size, int maxRooms) {
        this.size = size;
        this.rooms = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Ring> eldest) {
                return size() > maxRooms;
            }
        };
    }

    @Override
    public synchronized History open(String room) {
        return rooms.computeIfAbsent(room, name -> new Ring(size));
    }

    private static final class Ring implements History {
        private final int capacity;
        private final ArrayDeque<Message> messages;
        /** By {@link #sentKey}: one sender's client id. */
        private final Map<String, Message> bySentKey = new HashMap<>();

        Ring(int capacity) {
            this.capacity = capacity;
            this.messages = new ArrayDeque<>(Math.min(capacity, 128));
        }

        @Override
        public synchronized void append(Message message) {
            if (capacity == 0) {
                return;
            }
            if (messages.size() == capacity) {
                Message evicted = messages.removeFirst();
                if (evicted.cid() != null) {
                    bySentKey.remove(sentKey(evicted.user().name(), evicted.cid()), evicted);
                }
            }
            messages.addLast(message);
            if (message.cid() != null) {
                bySentKey.put(sentKey(message.user().name(), message.cid()), message);
            }
        }

        @Override
        public synchronized List<Message> recent() {
            return List.copyOf(messages);
        }

        @Override
        public synchronized Message resent(String senderName, String cid) {
            return bySentKey.get(sentKey(senderName, cid));
        }

        /** NUL cannot occur in a name ({@link Names#member}), so no two pairs share a key. */
        private static String sentKey(String senderName, String cid) {
            return Names.key(senderName) + '\0' + cid;
        }
    }
}
