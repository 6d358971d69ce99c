package dev.chatwar.engine;

import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Orders a chat's room events and carries them to every node that serves the chat. A node never delivers an event
 * it publishes by itself: it publishes, and delivers what its subscription receives, like every other node. So the
 * order the engine gives is the one order every node's members see.
 *
 * <p>Guarantees an implementation gives:
 * <ul>
 *   <li><b>One order per room.</b> {@link #publish} gives each event the room's next id, a decimal number larger than
 *       every id the room had before, also after the engine lost its data (a fresh counter starts at the clock in
 *       microseconds). Each subscriber receives a room's events in id order, never two at once, and each once.
 *   <li><b>History in the same step.</b> A message is appended to the room's history (its last {@code historySize}
 *       messages) atomically with taking its id and being published; joins and leaves take ids but are not kept.
 *   <li><b>A resend is not a new message.</b> A message whose sender (by key) already has a message with the same
 *       {@code cid} in the history is not published; the outcome carries that original instead.
 *   <li><b>Fail fast.</b> When the engine cannot order an event (its store is unreachable), {@link #publish} and
 *       {@link #history} complete exceptionally with {@link EngineUnavailableException} at once; nothing is queued
 *       to be replayed later out of order, and nothing is half-published.
 *   <li>Subscriber callbacks run on the engine's threads and must not block.
 * </ul>
 */
public interface Engine extends AutoCloseable {

    /** Where a node's rooms receive the events the engine ordered. */
    interface Subscriber {
        /** The room's next event, with its id; called in id order, never concurrently for one room. */
        void deliver(RoomEvent event);

        /**
         * Events of the room may have been lost on their way here (the engine's connection was down longer than its
         * history reaches back): the members must recover on their own, with {@code since}.
         */
        default void lost() {
        }

        /**
         * A reconnect on some node claimed the place of the member whose resume token has this key: if that member is
         * here, it goes, unannounced, and its connection is closed.
         */
        default void replaced(String resumeKey) {
        }
    }

    /** Whose place a resume token stands for, as the node that gave it out filed it. */
    record Place(String name, boolean verified) {
        /** Whether {@code claimant} may take this place. */
        public boolean takeableBy(Place claimant) {
            return verified == claimant.verified() && (!verified || name.equals(claimant.name()));
        }
    }

    /** What {@link #publish} did: the event as ordered, or for a resend the original it repeats. */
    record Outcome(RoomEvent event, boolean duplicate) {
    }

    /** Whether this engine can order events now; {@link #OFF} for one that needs no outside store. */
    enum Status {
        UP, DOWN, OFF
    }

    /**
     * Starts delivering the room's events to {@code subscriber}.
     *
     * @return completes once every event published from then on will reach the subscriber
     */
    CompletionStage<Void> subscribe(String room, Subscriber subscriber);

    /** Stops delivering the room's events to {@code subscriber}. */
    void unsubscribe(String room, Subscriber subscriber);

    /**
     * Orders and publishes an event of {@code event.room()}; its {@code id} is ignored and replaced.
     *
     * @param senderKey the sender as a resend is matched ({@code Names.key} of its name); used for messages only
     */
    CompletionStage<Outcome> publish(RoomEvent event, String senderKey);

    /** The room's kept messages, oldest first. */
    CompletionStage<List<Message>> history(String room);

    /**
     * Files a connected member's resume token (by its key) for its room, so that a reconnect to any node can claim
     * its place. Best effort: a token that could not be filed only means that reconnect joins as a newcomer.
     */
    void file(String room, String resumeKey, Place place);

    /** Withdraws a filed token: its member left. */
    void withdraw(String room, String resumeKey);

    /**
     * Claims a filed token for a reconnect, once, if it may take that place: a guest's token serves only a guest, a
     * verified user's only the same user ({@code claimant}'s name matters only when verified). Then the token is
     * withdrawn, every node's subscribers of the room are told ({@link Subscriber#replaced}), and the place is
     * returned; otherwise null and nothing changes (also when the engine is unreachable: the reconnect then joins as
     * a newcomer).
     */
    CompletionStage<Place> claim(String room, String resumeKey, Place claimant);

    Status status();

    /** Stops delivery and releases connections and threads. */
    @Override
    void close();
}
