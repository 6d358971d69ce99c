package dev.chatwar.engine;

import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The default engine: one node, everything in memory. Each room's order is its history's lock: an event takes its
 * id, joins the history and reaches every subscriber under it, on the publishing thread, so a single node pays no
 * hop for the order and every call completes before it returns. Several chat nodes in one JVM (as in tests) may
 * share one instance; it cannot join separate processes. History outlives its room, up to {@code maxRooms} rooms.
 */
public final class InMemoryEngine implements Engine {
    private final InMemoryHistoryStore histories;
    private final EventIds ids;
    /** The rooms someone subscribes to, each with the history it orders under, which stays put while subscribed. */
    private final ConcurrentMap<String, Log> logs = new ConcurrentHashMap<>();

    private record Log(History history, Set<Subscriber> subscribers) {
    }

    /** Filed resume tokens: room, then token key. */
    private final ConcurrentMap<String, ConcurrentMap<String, Place>> places = new ConcurrentHashMap<>();

    public InMemoryEngine(int historySize, int maxRooms, EventIds ids) {
        this.histories = new InMemoryHistoryStore(historySize, maxRooms);
        this.ids = ids;
    }

    @Override
    public CompletionStage<Void> subscribe(String room, Subscriber subscriber) {
        logs.compute(room, (name, log) -> {
            Log open = log != null ? log : new Log(histories.open(name), new CopyOnWriteArraySet<>());
            synchronized (open.history()) { // not between a publish's id and its deliveries
                open.subscribers().add(subscriber);
            }
            return open;
        });
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void unsubscribe(String room, Subscriber subscriber) {
        logs.computeIfPresent(room, (name, log) -> {
            log.subscribers().remove(subscriber);
            return log.subscribers().isEmpty() ? null : log;
        });
    }

    @Override
    public CompletionStage<Outcome> publish(RoomEvent event, String senderKey) {
        History history = historyOf(event.room());
        RoomEvent ordered;
        synchronized (history) {
            if (event instanceof Message message && message.cid() != null) {
                Message original = history.resent(senderKey, message.cid());
                if (original != null) {
                    return CompletableFuture.completedFuture(new Outcome(original, true));
                }
            }
            ordered = event.withId(ids.next());
            if (ordered instanceof Message message) {
                history.append(message, senderKey);
            }
            Log log = logs.get(event.room());
            if (log != null && log.history() == history) {
                for (Subscriber subscriber : log.subscribers()) {
                    subscriber.deliver(ordered);
                }
            }
        }
        return CompletableFuture.completedFuture(new Outcome(ordered, false));
    }

    @Override
    public CompletionStage<List<Message>> history(String room) {
        return CompletableFuture.completedFuture(historyOf(room).recent());
    }

    /** A subscribed room's history stays the one it orders under, even if the store forgot it meanwhile. */
    private History historyOf(String room) {
        Log log = logs.get(room);
        return log != null ? log.history() : histories.open(room);
    }

    @Override
    public void file(String room, String resumeKey, Place place) {
        places.computeIfAbsent(room, name -> new ConcurrentHashMap<>()).put(resumeKey, place);
    }

    @Override
    public void withdraw(String room, String resumeKey) {
        places.computeIfPresent(room, (name, filed) -> {
            filed.remove(resumeKey);
            return filed.isEmpty() ? null : filed;
        });
    }

    @Override
    public CompletionStage<Place> claim(String room, String resumeKey, Place claimant) {
        Map<String, Place> filed = places.get(room);
        Place found = filed == null ? null : filed.get(resumeKey);
        Place place = found != null && found.takeableBy(claimant) && filed.remove(resumeKey, found) ? found : null;
        if (place != null) {
            Log log = logs.get(room);
            if (log != null) {
                log.subscribers().forEach(subscriber -> subscriber.replaced(resumeKey));
            }
        }
        return CompletableFuture.completedFuture(place);
    }

    @Override
    public Status status() {
        return Status.OFF;
    }

    @Override
    public void close() {
        logs.clear();
        places.clear();
    }
}
