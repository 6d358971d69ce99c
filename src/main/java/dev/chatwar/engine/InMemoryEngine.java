package dev.chatwar.engine;

import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.Remove;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.ServerEvent.Typing;
import dev.chatwar.protocol.User;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The default engine: one node, everything in memory. Each room's order is its history's lock: an event takes its
 * id, joins the history and reaches every subscriber under it, on the publishing thread, so a single node pays no
 * hop for the order and every call completes before it returns. Several chat nodes in one JVM (as in tests) may
 * share one instance, and then share the rooms' presence as nodes on Redis do; it cannot join separate processes,
 * and a node of one JVM never dies alone, so there are no leases. History outlives its room, up to {@code maxRooms}
 * rooms; presence lives while the room has members.
 */
public final class InMemoryEngine implements Engine {
    private final InMemoryHistoryStore histories;
    private final EventIds ids;
    private final String node = "memory-" + UUID.randomUUID().toString().substring(0, 8);
    /** The rooms someone subscribes to, each with the history it orders under, which stays put while subscribed. */
    private final ConcurrentMap<String, Log> logs = new ConcurrentHashMap<>();
    /** The rooms that have members; changed only inside the map's atomic compute for the room. */
    private final ConcurrentMap<String, Presence> presences = new ConcurrentHashMap<>();
    /**
     * Verified names by key, with the user that owns each: no guest and no other user may take them. Bounded by the
     * users the operator's application and the container can authenticate.
     */
    private final ConcurrentHashMap<String, String> verifiedOwners = new ConcurrentHashMap<>();
    /** Members of every room. */
    private final AtomicLong population = new AtomicLong();
    private final InMemorySanctions sanctions;

    private record Log(History history, Set<Subscriber> subscribers) {
    }

    /** One room's members by member key, in the order they entered, and how many members use each name key. */
    private record Presence(Map<String, Entry> members, Map<String, Integer> names) {
        Presence() {
            this(new LinkedHashMap<>(), new HashMap<>());
        }
    }

    private record Entry(User user, String nameKey) {
    }

    /**
     * @param resendWindow how long a message's {@code cid} is recognised in a resend from the same sender, however
     *                     many messages the room carried meanwhile
     */
    public InMemoryEngine(int historySize, int maxRooms, EventIds ids, Duration resendWindow, Clock clock) {
        this.histories = new InMemoryHistoryStore(historySize, maxRooms, resendWindow, clock);
        this.ids = ids;
        this.sanctions = new InMemorySanctions(clock);
    }

    @Override
    public CompletionStage<Void> subscribe(String room, Subscriber subscriber) {
        logs.compute(room, (name, log) -> {
            Log open = log != null ? log
                    : new Log(histories.open(name), new CopyOnWriteArraySet<>());
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
                String originalId = history.resent(senderKey, message.cid());
                if (originalId != null) {
                    // Past the history but within the window: the resend stands for its original, under its id.
                    Message original = history.kept(originalId);
                    return CompletableFuture.completedFuture(
                            new Outcome(original != null ? original : message.withId(originalId), true));
                }
            }
            if (event instanceof Remove remove && !history.remove(remove.message())) {
                return CompletableFuture.completedFuture(Outcome.NOTHING_TO_REMOVE);
            }
            ordered = event.withId(ids.next());
            history.lastId(Long.parseLong(ordered.id()));
            if (ordered.kept()) {
                history.append(ordered, senderKey);
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
    public void signal(Typing notice) {
        Log log = logs.get(notice.room());
        if (log != null) {
            log.subscribers().forEach(subscriber -> subscriber.signal(notice));
        }
    }

    @Override
    public CompletionStage<Snapshot> snapshot(String room, int memberLimit) {
        History history = historyOf(room);
        synchronized (history) { // no event of the room is ordered meanwhile
            long lastId = history.lastId();
            List<User> members = new ArrayList<>();
            int[] count = {0};
            presences.computeIfPresent(room, (name, presence) -> {
                count[0] = presence.members().size();
                if (count[0] <= memberLimit) {
                    presence.members().values().forEach(entry -> members.add(entry.user()));
                }
                return presence;
            });
            return CompletableFuture.completedFuture(new Snapshot(members, count[0], history.recent(), lastId));
        }
    }

    /** A subscribed room's history stays the one it orders under, even if the store forgot it meanwhile. */
    private History historyOf(String room) {
        Log log = logs.get(room);
        return log != null ? log.history() : histories.open(room);
    }

    @Override
    public CompletionStage<Entered> enter(String room, String memberKey, Arrival arrival) {
        String owned = arrival.verified() ? ownedName(arrival) : null;
        Entered[] entered = new Entered[1];
        presences.compute(room, (name, existing) -> {
            Presence presence = existing != null ? existing : new Presence();
            String given = arrival.name();
            String givenKey = arrival.nameKey();
            if (owned != null) {
                given = owned.equals(arrival.nameKey()) ? arrival.name()
                        : arrival.name() + owned.substring(arrival.nameKey().length());
                givenKey = owned;
            }
            for (int n = 2; !arrival.verified() && taken(presence, givenKey); n++) {
                given = arrival.name() + " (" + n + ")";
                givenKey = arrival.nameKey() + " (" + n + ")";
            }
            User user = arrival.user(given);
            presence.members().put(memberKey, new Entry(user, givenKey));
            presence.names().merge(givenKey, 1, Integer::sum);
            entered[0] = new Entered(user, presence.members().size());
            return presence;
        });
        population.incrementAndGet();
        return CompletableFuture.completedFuture(entered[0]);
    }

    /** The key of the verified name this user gets: its own name's, or the first {@code (n)} no other user owns. */
    private String ownedName(Arrival arrival) {
        String key = arrival.nameKey();
        for (int n = 2; ; n++) {
            String owner = verifiedOwners.putIfAbsent(key, arrival.userId());
            if (owner == null || owner.equals(arrival.userId())) {
                return key;
            }
            key = arrival.nameKey() + " (" + n + ")";
        }
    }

    private boolean taken(Presence presence, String nameKey) {
        return presence.names().containsKey(nameKey) || verifiedOwners.containsKey(nameKey);
    }

    @Override
    public CompletionStage<Integer> leave(String room, String memberKey) {
        int[] count = {-1};
        presences.computeIfPresent(room, (name, presence) -> {
            Entry gone = presence.members().remove(memberKey);
            if (gone == null) {
                return presence;
            }
            presence.names().computeIfPresent(gone.nameKey(), (key, users) -> users == 1 ? null : users - 1);
            count[0] = presence.members().size();
            return presence.members().isEmpty() ? null : presence;
        });
        if (count[0] >= 0) {
            population.decrementAndGet();
        }
        return CompletableFuture.completedFuture(count[0]);
    }

    @Override
    public CompletionStage<Entered> claim(String room, String memberKey, String newKey, Arrival claimant) {
        Entered[] claimed = new Entered[1];
        presences.computeIfPresent(room, (name, presence) -> {
            Entry held = presence.members().get(memberKey);
            if (held == null || !mayTake(held, claimant)) {
                return presence;
            }
            presence.members().remove(memberKey);
            User moved = new User(held.user().name(), claimant.address(), held.user().verified(),
                    claimant.moderator() ? Boolean.TRUE : null);
            presence.members().put(newKey, new Entry(moved, held.nameKey()));
            claimed[0] = new Entered(moved, presence.members().size());
            return presence;
        });
        if (claimed[0] != null) {
            Log log = logs.get(room);
            if (log != null) {
                log.subscribers().forEach(subscriber -> subscriber.replaced(memberKey));
            }
        }
        return CompletableFuture.completedFuture(claimed[0]);
    }

    /** A guest's place serves any guest; a verified user's only that same user, the owner of its name. */
    private boolean mayTake(Entry holder, Arrival claimant) {
        return holder.user().hasVerifiedName() == claimant.verified()
                && (!claimant.verified() || claimant.userId().equals(verifiedOwners.get(holder.nameKey())));
    }

    /** One node: the node's own count (which the caller keeps) is the chat's, so nothing is counted here. */
    @Override
    public CompletionStage<String> connect(String client, int limit) {
        return CompletableFuture.completedFuture(node);
    }

    @Override
    public void disconnect(String client, String receipt) {
    }

    @Override
    public CompletionStage<RoomPage> rooms(String cursor, int limit) {
        int from;
        try {
            from = cursor == null ? 0 : Integer.parseInt(cursor);
        } catch (NumberFormatException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not a cursor of this chat"));
        }
        if (from < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not a cursor of this chat"));
        }
        List<String> names = presences.keySet().stream().sorted().toList();
        List<RoomCount> page = new ArrayList<>();
        for (int i = from; i < names.size() && page.size() < limit; i++) {
            int[] count = {0};
            presences.computeIfPresent(names.get(i), (name, presence) -> {
                count[0] = presence.members().size();
                return presence;
            });
            if (count[0] > 0) {
                page.add(new RoomCount(names.get(i), count[0]));
            }
        }
        int next = from + limit;
        return CompletableFuture.completedFuture(new RoomPage(page, next < names.size() ? Integer.toString(next) : null));
    }

    @Override
    public Sanctions sanctions() {
        return sanctions;
    }

    @Override
    public String node() {
        return node;
    }

    @Override
    public long clusterMembers() {
        return population.get();
    }

    @Override
    public Status status() {
        return Status.OFF;
    }

    @Override
    public void close() {
        logs.clear();
        presences.clear();
    }
}
