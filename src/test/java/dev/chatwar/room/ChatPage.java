package dev.chatwar.room;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.support.RecordingConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The page ({@code webapp/chat.js}) as far as delivery goes, driven at the level of {@link ChatService}, without a
 * socket: it shows a message once (by id, and by sender and {@code cid}), remembers the last message it showed, and
 * after any close reconnects with {@code since} and {@code resume}; it keeps what it typed in an outbox until the
 * server confirms it, and sends the outbox again after every welcome and, after {@code unavailable}, a moment later.
 *
 * <p>It records what it was shown and told, for {@link DeliveryChecker}: the messages shown, the ids its own messages
 * were confirmed under, the gaps it was told of, and what it saw that breaks the protocol's order (checked as it goes:
 * each connection's messages in increasing id order, and a welcome without a gap holding only what came after
 * {@code since}). Not thread-safe: one driver thread pumps every page.
 */
final class ChatPage {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long RESEND_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(300);
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long LAST_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** A message as shown. */
    record Shown(long id, String sender, String cid, String text) {
    }

    /** Told at a reconnect that messages after {@code after} and before {@code before} may be missing. */
    record Gap(long after, long before) {
    }

    final String name;
    private final String room;
    private final String address;
    private ChatService node;
    private RecordingConnection connection;
    private Member member;
    private int read;
    private boolean welcomed;
    private String lastMessageId;
    private String resume;
    private final Map<String, String> outbox = new LinkedHashMap<>();
    private long resendAt;
    /** After a close: when to reconnect (the page backs off, doubling from 100 ms to 1 s), or 0 while connected. */
    private long reconnectAt;
    private long backoff = FIRST_BACKOFF_NANOS;
    private int typed;
    private final Set<Long> seenIds = new HashSet<>();
    private final Set<String> seenCids = new HashSet<>();
    /** The id the last message on this connection had; ids only grow within a connection. */
    private long lastOnConnection;
    /** After a welcome with a gap: the last message id shown before it, until the first live message closes it. */
    private Long gapAfter;

    final List<Shown> shown = new ArrayList<>();
    /** Every message event received, shown or not (a repeat the page hides is still recorded here). */
    final List<Shown> received = new ArrayList<>();
    /** The ids under which the server confirmed this page's own messages. */
    final List<Long> confirmed = new ArrayList<>();
    final List<Gap> gaps = new ArrayList<>();
    final List<String> violations = new ArrayList<>();
    /** What happened to each connection, for a failure message: its welcome, the ids it got live, how it ended. */
    final List<String> journal = new ArrayList<>();
    private long firstLive;
    private long lastLive;
    int connections;

    ChatPage(String room, String name, String address) {
        this.room = room;
        this.name = name;
        this.address = address;
    }

    /** Opens a connection to {@code node}, as the page does: with {@code since} and {@code resume} once it has them. */
    void connect(ChatService node) {
        if (connections > 0) {
            journal.add("  live " + firstLive + ".." + lastLive + ", ended "
                    + (connection.closedWith() != null ? "with " + connection.closedWith() : "with its node"));
        }
        this.node = node;
        connection = new RecordingConnection();
        read = 0;
        welcomed = false;
        lastOnConnection = Long.MIN_VALUE;
        firstLive = 0;
        lastLive = 0;
        connections++;
        reconnectAt = 0;
        try {
            member = node.admit(new JoinRequest(room, name, address, null, lastMessageId, resume), connection)
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(name + " could not even be turned away", e);
        }
    }

    /** The page's user typed a message: it goes now if the page is welcomed, else with the outbox. */
    void type() {
        type("m" + (typed + 1) + " from " + name);
    }

    /** Whether everything typed was confirmed and the page is connected and welcomed. */
    boolean settled() {
        return welcomed && outbox.isEmpty() && connection.closedWith() == null;
    }

    /** Where the page stands, for a failure message. */
    @Override
    public String toString() {
        return name + " (connection " + connections + (welcomed ? ", welcomed" : ", not welcomed")
                + (connection.closedWith() != null ? ", closed with " + connection.closedWith() : "")
                + ", waiting to be confirmed: " + outbox.keySet() + ")";
    }

    boolean hasShown(String text) {
        return shown.stream().anyMatch(message -> message.text().equals(text));
    }

    /** The page's user typed this text. */
    void type(String text) {
        String cid = name + "-" + (++typed);
        outbox.put(cid, text);
        if (welcomed) {
            send(cid, text);
        }
    }

    /**
     * Reads what arrived; after a close, lets the node know the connection ended (as the endpoint's close does) and
     * reconnects through {@code reconnectTo}.
     */
    void pump(Supplier<ChatService> reconnectTo) {
        List<String> frames = connection.sent();
        while (read < frames.size()) {
            receive(frames.get(read++));
        }
        if (welcomed && !outbox.isEmpty() && resendAt != 0 && System.nanoTime() >= resendAt) {
            resendAt = 0;
            outbox.forEach(this::send);
        }
        if (connection.closedWith() != null) {
            if (reconnectAt == 0) {
                welcomed = false; // what is typed now waits in the outbox
                if (member != null) {
                    node.leave(member);
                    member = null;
                }
                reconnectAt = System.nanoTime() + backoff;
                backoff = Math.min(backoff * 2, LAST_BACKOFF_NANOS);
            } else if (System.nanoTime() >= reconnectAt) {
                connect(reconnectTo.get());
            }
        }
    }

    /** The connection died with its node (no close frame, no leave: nobody is left to order one). */
    void dropped(Supplier<ChatService> reconnectTo) {
        List<String> frames = connection.sent();
        while (read < frames.size()) {
            receive(frames.get(read++));
        }
        connect(reconnectTo.get());
    }

    /** The node this page is connected to now. */
    ChatService node() {
        return node;
    }

    private void send(String cid, String text) {
        node.receive(member, "{\"type\":\"message\",\"text\":\"" + text + "\",\"cid\":\"" + cid + "\"}");
    }

    private void receive(String frame) {
        JsonNode event;
        try {
            event = JSON.readTree(frame);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        switch (event.path("type").asText()) {
            case "welcome" -> welcome(event);
            case "message" -> message(event, false);
            case "lost" -> lost(event, false);
            case "error" -> {
                if (event.path("code").asText().equals("unavailable")) {
                    resendAt = System.nanoTime() + RESEND_AFTER_NANOS;
                } else {
                    violations.add(name + " was refused: " + event);
                }
            }
            default -> {
            }
        }
    }

    private void welcome(JsonNode event) {
        JsonNode history = event.path("history");
        journal.add("c" + connections + " since=" + lastMessageId + " gap=" + event.path("gap").asText("-")
                + " history " + (history.isEmpty() ? "empty" : history.get(0).path("id").asText() + ".."
                + history.get(history.size() - 1).path("id").asText() + " (" + history.size() + ")"));
        welcomed = true;
        backoff = FIRST_BACKOFF_NANOS;
        resume = event.path("resume").asText(null);
        long since = lastMessageId == null ? Long.MIN_VALUE : Long.parseLong(lastMessageId);
        boolean gap = event.path("gap").asBoolean(false);
        for (JsonNode message : event.path("history")) {
            if (!gap && lastMessageId != null && Long.parseLong(message.path("id").asText()) <= since) {
                violations.add(name + ": a welcome without a gap repeated " + message.path("id").asText()
                        + ", not after since=" + since);
            }
            if (message.path("type").asText().equals("lost")) {
                lost(message, true);
            } else {
                message(message, true);
            }
        }
        if (gap) {
            // The welcome says what came after since may be missing up to its history. It ends at the first event
            // the history holds above since; without one, at the first live event. Recorded now: a connection may
            // end before anything live arrives, and the next welcome must not erase what this one told.
            long firstAfter = Long.MAX_VALUE;
            for (JsonNode message : history) {
                long id = Long.parseLong(message.path("id").asText());
                if (id > since) {
                    firstAfter = Math.min(firstAfter, id);
                }
            }
            if (firstAfter != Long.MAX_VALUE) {
                gaps.add(new Gap(since, firstAfter));
            } else {
                gapAfter = since;
            }
        }
        outbox.forEach(this::send);
    }

    /**
     * The store lost the room's events after {@code after} up to {@code through}: a gap this page was told of. It
     * takes a place in the room's order and counts for {@code since}, as on the page.
     */
    private void lost(JsonNode event, boolean fromWelcome) {
        long id = Long.parseLong(event.path("id").asText());
        if (id <= lastOnConnection) {
            violations.add(name + ": lost " + id + (fromWelcome ? ", in a welcome" : ", live") + " came after "
                    + lastOnConnection + " on connection " + connections);
        }
        lastOnConnection = id;
        if (!fromWelcome && gapAfter != null) {
            gaps.add(new Gap(gapAfter, id));
            gapAfter = null;
        }
        gaps.add(new Gap(Long.parseLong(event.path("after").asText()), Long.parseLong(event.path("through").asText())
                + 1));
        journal.add("  told: lost after " + event.path("after").asText() + " through "
                + event.path("through").asText() + " (" + id + ")");
        if (seenIds.add(id)) {
            lastMessageId = Long.toString(id);
        }
    }

    private void message(JsonNode event, boolean fromWelcome) {
        long id = Long.parseLong(event.path("id").asText());
        Shown message = new Shown(id, event.path("user").path("name").asText(), event.path("cid").asText(null),
                event.path("text").asText());
        // The one event that may come again, behind the room's order: the original of this page's own message, sent
        // back to it alone when it sent the message again (a resend the server recognised), so it can mark it
        // delivered. It must never come ahead of the room's order: an own message above the last id counts as part
        // of the stream, and whatever the room then sends below it is out of order.
        boolean answer = message.cid() != null && message.cid().startsWith(name + "-") && id <= lastOnConnection;
        if (!fromWelcome) {
            firstLive = firstLive == 0 ? id : firstLive;
            lastLive = id;
        }
        received.add(message);
        if (!answer) {
            if (id <= lastOnConnection) {
                violations.add(name + ": " + id + " (" + message.text() + (fromWelcome ? ", in a welcome" : ", live")
                        + ") came after " + lastOnConnection + " on connection " + connections + "; frames: "
                        + connection.sent().subList(Math.max(0, read - 8), read));
            }
            lastOnConnection = id;
            if (!fromWelcome && gapAfter != null) {
                gaps.add(new Gap(gapAfter, id));
                gapAfter = null;
            }
        }
        String cidKey = message.sender() + '\0' + message.cid();
        if (seenIds.contains(id) || (message.cid() != null && seenCids.contains(cidKey))) {
            return; // shown already: the page hides it
        }
        seenIds.add(id);
        if (message.cid() != null) {
            seenCids.add(cidKey);
        }
        shown.add(message);
        lastMessageId = Long.toString(id);
        if (message.cid() != null && outbox.remove(message.cid()) != null) {
            confirmed.add(id);
        }
    }
}
