package dev.chatwar.engine;

import dev.chatwar.protocol.AuditEntry;
import dev.chatwar.protocol.Sanction;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The chat's moderation state, shared by every node of one chat: bans and mutes with their expiry, kicks, and the
 * audit trail.
 *
 * <p>Guarantees an implementation gives:
 * <ul>
 *   <li><b>A copy on every node.</b> {@link #find} and {@link #list} answer from this node's copy, without I/O, so
 *       a handshake or a message pays nothing for them. What any node imposes or lifts reaches every node's copy and
 *       its {@link Listener}s within moments; a node that lost its link to the store reads the whole copy again when
 *       it is back, so it misses nothing for good.
 *   <li><b>As durable as the store.</b> In memory, for the life of the process; with Redis, as long as Redis keeps
 *       its data: a restart of every node keeps them.
 *   <li><b>One per type, room and target.</b> Imposing again replaces (a longer or shorter ban, another reason).
 *   <li><b>Expiry is exact.</b> A sanction past its {@code until} holds no more: {@link #find} and {@link #list}
 *       skip it, whenever the store gets round to forgetting it.
 *   <li><b>Kicks are not kept.</b> Every node's listeners hear of a kick once.
 *   <li><b>Fail fast.</b> While the store is unreachable, {@link #impose}, {@link #lift}, {@link #kick} and
 *       {@link #audit(AuditEntry)} fail with {@link EngineUnavailableException}; nothing is half done.
 *   <li>The audit trail keeps the newest {@link #AUDIT_KEPT} entries.
 *   <li>Listeners run on the store's threads and must not block.
 * </ul>
 */
public interface Sanctions {
    /** Audit entries kept, the oldest forgotten first. */
    int AUDIT_KEPT = 10_000;

    /** Told of what reaches this node: to close its members that a ban or a kick holds. */
    interface Listener {
        /** A sanction was imposed, on some node (this one included). */
        void imposed(Sanction sanction);

        /** A kick, on some node (this one included): the target's connections in the room go. */
        void kicked(String room, Sanction.Target target);
    }

    void listen(Listener listener);

    /** Keeps the sanction, chat-wide, and tells every node's listeners. */
    CompletionStage<Void> impose(Sanction sanction);

    /** @return whether there was such a sanction (still holding) to lift */
    CompletionStage<Boolean> lift(Sanction.Type type, String room, Sanction.Target target);

    /** Tells every node's listeners that the target's connections in the room must go; nothing is kept. */
    CompletionStage<Void> kick(String room, Sanction.Target target);

    /** This node's copy of the chat's sanctions, kept current by the implementation. */
    SanctionBook copy();

    /**
     * The sanction of this type that holds any of the targets in the room, or in every room ({@link
     * Sanction#EVERY_ROOM}); from this node's copy.
     */
    default Optional<Sanction> find(Sanction.Type type, String room, Collection<Sanction.Target> targets) {
        return copy().find(type, room, targets);
    }

    /** The sanctions of this type that hold now, from this node's copy, in no particular order. */
    default List<Sanction> list(Sanction.Type type) {
        return copy().list(type);
    }

    /** Appends an entry to the chat's audit trail. */
    CompletionStage<Void> audit(AuditEntry entry);

    /** The newest entries of the audit trail, newest first, at most {@code limit}. */
    CompletionStage<List<AuditEntry>> audit(int limit);
}
