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
        private final Map<String, Message> byCid = new HashMap<>();

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
                    byCid.remove(evicted.cid(), evicted);
                }
            }
            messages.addLast(message);
            if (message.cid() != null) {
                byCid.put(message.cid(), message);
            }
        }

        @Override
        public synchronized List<Message> recent() {
            return List.copyOf(messages);
        }

        @Override
        public synchronized Message byCid(String cid) {
            return byCid.get(cid);
        }
    }
}
