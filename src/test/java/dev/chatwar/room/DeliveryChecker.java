package dev.chatwar.room;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Judges what a set of {@link ChatPage}s were shown and told, after the fact (history in, verdict out, as Jepsen's
 * checkers do): the chat's promise is that a message is shown exactly once, in the room's order, or its member is told
 * of a gap.
 * <ul>
 *   <li><b>Order.</b> Each connection's messages came in increasing id order, and a welcome without a gap held only
 *       what came after its {@code since} (the pages check these as they go).
 *   <li><b>Nothing doubled.</b> One sender's {@code cid} was published under one id. The one exception is a Redis that
 *       came back with older data between the two: it forgot the first, and with it the {@code cid}; the page hides
 *       the second by its sender and {@code cid}. Such excused repeats are counted, never silent.
 *   <li><b>Nothing silently missing.</b> Every message whose sender was told it was delivered (it came back to its
 *       sender) was shown on every page, or falls in a gap that page was told of.
 * </ul>
 */
final class DeliveryChecker {
    private final List<String> violations = new ArrayList<>();
    private int excusedRepeats;

    /**
     * @param pages     every page of the room, after the run
     * @param rollbacks for each time Redis came back older: the highest id any page had received by then
     */
    DeliveryChecker(List<ChatPage> pages, List<Long> rollbacks) {
        pages.forEach(page -> violations.addAll(page.violations));
        Map<String, Set<Long>> idsByCid = new HashMap<>();
        for (ChatPage page : pages) {
            for (ChatPage.Shown message : page.received) {
                if (message.cid() != null) {
                    idsByCid.computeIfAbsent(message.sender() + " " + message.cid(), key -> new TreeSet<>())
                            .add(message.id());
                }
            }
        }
        idsByCid.forEach((cid, ids) -> {
            if (ids.size() > 1) {
                List<Long> sorted = List.copyOf(ids);
                boolean excused = true;
                for (int i = 1; i < sorted.size(); i++) {
                    long first = sorted.get(i - 1);
                    long second = sorted.get(i);
                    excused &= rollbacks.stream().anyMatch(watermark -> first <= watermark && watermark < second);
                }
                if (excused) {
                    excusedRepeats++;
                } else {
                    violations.add("published twice: " + cid + " under " + ids);
                }
            }
        });
        Map<Long, String> delivered = new HashMap<>();
        for (ChatPage page : pages) {
            for (ChatPage.Shown message : page.shown) {
                if (page.confirmed.contains(message.id())) {
                    delivered.put(message.id(), message.sender() + " " + message.cid());
                }
            }
        }
        for (ChatPage page : pages) {
            Set<String> seen = new java.util.HashSet<>();
            Set<Long> seenIds = new java.util.HashSet<>();
            page.shown.forEach(message -> {
                seen.add(message.sender() + " " + message.cid());
                seenIds.add(message.id());
            });
            delivered.forEach((id, cid) -> {
                boolean shown = seenIds.contains(id) || seen.contains(cid);
                boolean told = page.gaps.stream().anyMatch(gap -> gap.after() < id && id < gap.before());
                if (!shown && !told) {
                    violations.add(page.name + " never saw " + id + " (" + cid + "), confirmed to its sender,"
                            + " and was told of no gap that covers it; gaps told: " + page.gaps + "; its connections:\n"
                            + String.join("\n", page.journal));
                }
            });
        }
    }

    List<String> violations() {
        return violations;
    }

    /** Repeats after a Redis that came back older, which the pages hid by sender and {@code cid}. */
    int excusedRepeats() {
        return excusedRepeats;
    }
}
