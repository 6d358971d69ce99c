package dev.chatwar.room;

import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EngineUnavailableException;
import dev.chatwar.engine.Sanctions;
import dev.chatwar.protocol.AuditEntry;
import dev.chatwar.protocol.ClientFrame;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.ErrorCode;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.Sanction;
import dev.chatwar.protocol.ServerEvent;
import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.Remove;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.Timestamps;
import dev.chatwar.protocol.User;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What moderators and the operator's application can do to a room: remove a message (an event in the room's order),
 * mute, kick and ban (kept chat-wide by the engine's {@link Sanctions}, enforced on every node), and post as the
 * application. Every action is audited: one line in the log ({@code audit {json}}), a count by action, and an entry
 * in the chat's trail.
 *
 * <p>Who a sanction holds: a member named in a room is its verified name when it has one (a verified name belongs to
 * one user, chat-wide and for good), else its client address (a guest is known by its address; an IPv6 address by its
 * prefix, as the connection limits count it). A kick by name reaches every connection under that name in the room,
 * and no other.
 */
public final class Moderation {
    private static final System.Logger LOG = System.getLogger(Moderation.class.getName());
    /** The one logger of the audit trail, so an operator can route it on its own. */
    private static final System.Logger AUDIT = System.getLogger("chat.audit");

    /** A refusal of a moderation call, with the stable code the page or the API client gets. */
    public static final class Refused extends RuntimeException {
        private final ErrorCode code;

        public Refused(ErrorCode code, String reason) {
            super(reason, null, false, false);
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }

    private final RoomRegistry rooms;
    private final Engine engine;
    private final Sanctions sanctions;
    private final FrameCodec codec;
    private final Clock clock;
    private final Telemetry telemetry;
    private final Function<String, String> clients;
    private final int maxMessageChars;
    /** Takes a member out of its room and orders its leave (the chat service's). */
    private final Consumer<Member> leave;

    Moderation(RoomRegistry rooms, Engine engine, FrameCodec codec, Clock clock, Telemetry telemetry,
               Function<String, String> clients, int maxMessageChars, Consumer<Member> leave) {
        this.rooms = rooms;
        this.engine = engine;
        this.sanctions = engine.sanctions();
        this.codec = codec;
        this.clock = clock;
        this.telemetry = telemetry;
        this.clients = clients;
        this.maxMessageChars = maxMessageChars;
        this.leave = leave;
        sanctions.listen(new Enforcer());
    }

    /** The targets a member with this identity is held by; see {@link Member#targets}. */
    static List<Sanction.Target> targets(String userId, String verifiedNameKey, String client) {
        List<Sanction.Target> targets = new ArrayList<>(3);
        if (userId != null) {
            targets.add(new Sanction.Target(Sanction.Kind.USER, userId));
        }
        if (verifiedNameKey != null) {
            targets.add(new Sanction.Target(Sanction.Kind.NAME, verifiedNameKey));
        }
        if (client != null) {
            targets.add(new Sanction.Target(Sanction.Kind.ADDRESS, client));
        }
        return List.copyOf(targets);
    }

    /** A target of the API: a user by its token's {@code sub}, a verified name, or an address. */
    public Sanction.Target user(String sub) {
        return new Sanction.Target(Sanction.Kind.USER, "t:" + sub);
    }

    public Sanction.Target verifiedName(String name) {
        return new Sanction.Target(Sanction.Kind.NAME, Names.key(name.strip()));
    }

    public Sanction.Target address(String address) {
        return new Sanction.Target(Sanction.Kind.ADDRESS, clients.apply(address.strip()));
    }

    /**
     * The ban that keeps this client out of the room, if any: checked at the handshake, from this node's copy.
     *
     * @param userId       a verified user's identity, or null
     * @param verifiedName a verified user's name, or null
     */
    public Optional<Sanction> banned(String room, String userId, String verifiedName, String address) {
        return sanctions.find(Sanction.Type.BAN, room, targets(userId,
                verifiedName == null ? null : Names.key(verifiedName.strip()), clients.apply(address)));
    }

    /** The ban that holds the member in its room, if any: one imposed since its handshake was checked. */
    Optional<Sanction> banned(Member member) {
        return sanctions.find(Sanction.Type.BAN, member.room(), member.targets());
    }

    /** The mute that holds the member in its room, if any. */
    Optional<Sanction> muted(Member member) {
        return sanctions.find(Sanction.Type.MUTE, member.room(), member.targets());
    }

    /** Seconds a sanction still holds, rounded up; null when it holds until lifted. */
    Long secondsLeft(Sanction sanction) {
        return sanction.until() == null ? null : Math.max(1, (sanction.until() - clock.millis() + 999) / 1000);
    }

    /**
     * One moderation frame of a member: anyone but a moderator of the room gets {@code forbidden} and the room notices
     * nothing; a moderator's action takes effect and it gets {@code moderated} (a removal shows as its event).
     */
    void act(Member member, ClientFrame frame, Consumer<ServerEvent> answer) {
        if (!member.user().moderates()) {
            throw new Refused(ErrorCode.FORBIDDEN, "only a moderator of the room may do this");
        }
        User by = member.user();
        String room = member.room();
        CompletionStage<?> done;
        if (frame instanceof ClientFrame.Remove remove) {
            done = remove(room, remove.message(), by, remove.reason());
        } else {
            ClientFrame.Moderate moderate = (ClientFrame.Moderate) frame;
            boolean kick = moderate.action() == ClientFrame.Action.KICK;
            done = (kick ? named(room, moderate.name()) : member(room, moderate.name()))
                    .thenCompose(target -> switch (moderate.action()) {
                case MUTE -> impose(Sanction.Type.MUTE, room, target, moderate.seconds(), by, moderate.reason())
                        .thenApply(Sanction::until);
                case UNMUTE -> lift(Sanction.Type.MUTE, room, target, by, moderate.reason())
                        .thenApply(held -> (Long) null);
                case KICK -> kick(room, target, by, moderate.reason()).thenApply(nothing -> (Long) null);
                case BAN -> impose(Sanction.Type.BAN, room, target, moderate.seconds(), by, moderate.reason())
                        .thenApply(Sanction::until);
            }).thenAccept(until -> answer.accept(new ServerEvent.Moderated(room, now(), moderate.action().word(),
                    moderate.name(), until == null ? null : Timestamps.format(Instant.ofEpochMilli(until)))));
        }
        done.whenComplete((result, failure) -> {
            if (failure != null) {
                Refused refused = refusal(failure);
                answer.accept(new ServerEvent.Error(room, now(), refused.code(), refused.getMessage()));
            }
        });
    }

    /** What a failed stage means to whoever asked: its refusal, or {@code unavailable} when the store is out. */
    public static Refused refusal(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof Refused refused) {
            return refused;
        }
        if (cause instanceof EngineUnavailableException) {
            return new Refused(ErrorCode.UNAVAILABLE, "the chat cannot reach its store; try again");
        }
        LOG.log(Level.WARNING, "a moderation action failed", cause);
        return new Refused(ErrorCode.UNAVAILABLE, "the action could not be carried out; try again");
    }

    /**
     * Who the member of the room under this name is to a sanction: its verified name, or a guest's address. Read from
     * the room's presence on every node.
     */
    public CompletionStage<Sanction.Target> member(String room, String name) {
        return present(room, name).thenApply(user -> user.hasVerifiedName()
                ? new Sanction.Target(Sanction.Kind.NAME, Names.key(user.name()))
                : new Sanction.Target(Sanction.Kind.ADDRESS, clients.apply(user.address())));
    }

    /**
     * The connections under this name in the room, as a kick reaches them: by name, so a kick of a guest leaves the
     * others at its address alone (a mute or ban holds the address: a new name must not escape it).
     */
    public CompletionStage<Sanction.Target> named(String room, String name) {
        return present(room, name).thenApply(user -> new Sanction.Target(Sanction.Kind.NAME, Names.key(user.name())));
    }

    private CompletionStage<User> present(String room, String name) {
        String key = Names.key(name.strip());
        return engine.snapshot(room, Integer.MAX_VALUE).thenApply(snapshot -> {
            for (User user : snapshot.members()) {
                if (Names.key(user.name()).equals(key)) {
                    return user;
                }
            }
            throw new Refused(ErrorCode.NOT_FOUND, "nobody called '" + FrameCodec.clip(name) + "' is in the room");
        });
    }

    /** Removes a message the room's history holds: a {@code remove} event in the room's order. */
    public CompletionStage<RoomEvent> remove(String room, String messageId, User by, String reason) {
        if (!messageId.matches("[0-9]{1,19}")) {
            return CompletableFuture.failedFuture(new Refused(ErrorCode.NOT_FOUND,
                    "no message '" + FrameCodec.clip(messageId) + "' in the room's history"));
        }
        return engine.publish(new Remove(room, now(), null, by, messageId), "").thenApply(outcome -> {
            if (!outcome.published()) {
                throw new Refused(ErrorCode.NOT_FOUND, "no message " + messageId
                        + " in the room's history, or it was removed already");
            }
            audit("remove", by, room, "message:" + messageId, null, reason);
            return outcome.event();
        });
    }

    /** Mutes or bans; a ban closes every connection it holds, on every node. */
    public CompletionStage<Sanction> impose(Sanction.Type type, String room, Sanction.Target target, Long seconds,
                                            User by, String reason) {
        long at = clock.millis();
        Sanction sanction = new Sanction(type, room, target, seconds == null ? null : at + seconds * 1000,
                by.name(), reason, at);
        return sanctions.impose(sanction).thenApply(done -> {
            audit(type.word(), by, room, target.toString(), sanction.until(), reason);
            return sanction;
        });
    }

    /** Lifts a mute or ban; {@code not_found} when none held. */
    public CompletionStage<Boolean> lift(Sanction.Type type, String room, Sanction.Target target, User by,
                                         String reason) {
        return sanctions.lift(type, room, target).thenApply(held -> {
            if (!held) {
                throw new Refused(ErrorCode.NOT_FOUND, "no " + type.word() + " of " + target + " holds in "
                        + (Sanction.EVERY_ROOM.equals(room) ? "the chat" : "the room"));
            }
            audit("un" + type.word(), by, room, target.toString(), null, reason);
            return true;
        });
    }

    /** Closes every connection of the target in the room, on every node; its name is free again. */
    public CompletionStage<Void> kick(String room, Sanction.Target target, User by, String reason) {
        return sanctions.kick(room, target).thenRun(() -> audit("kick", by, room, target.toString(), null, reason));
    }

    /**
     * Posts a message into the room as the application, a bot or a system notice: it takes the room's next id; a
     * {@code cid} already used by the same poster within the resend window gives back the original instead.
     */
    public CompletionStage<Engine.Outcome> publish(String room, String text, String cid, User as) {
        if (text.isBlank()) {
            return CompletableFuture.failedFuture(new Refused(ErrorCode.EMPTY, "message text is empty"));
        }
        int length = text.codePointCount(0, text.length());
        if (length > maxMessageChars) {
            return CompletableFuture.failedFuture(new Refused(ErrorCode.TOO_LONG,
                    "message text has " + length + " characters; the limit is " + maxMessageChars));
        }
        return engine.publish(new Message(room, now(), null, as, text, cid), "\u0001" + as.kind() + ":" + Names.key(as.name()));
    }

    /** The newest entries of the chat's audit trail. */
    public CompletionStage<List<AuditEntry>> auditTrail(int limit) {
        return sanctions.audit(limit);
    }

    public List<Sanction> list(Sanction.Type type) {
        return sanctions.list(type);
    }

    private void audit(String action, User by, String room, String target, Long until, String reason) {
        AuditEntry entry = new AuditEntry(action, by.name(), room, target,
                until == null ? null : Timestamps.format(Instant.ofEpochMilli(until)), reason, now());
        telemetry.moderated(action);
        AUDIT.log(Level.INFO, "audit {0}", codec.encodeAudit(entry));
        sanctions.audit(entry).whenComplete((done, failure) -> {
            if (failure != null) {
                LOG.log(Level.WARNING, "an audit entry could not be kept (it is in the log): {0}", failure.toString());
            }
        });
    }

    /** Closes, on this node, the connections that a ban or a kick holds; runs on the store's threads. */
    private final class Enforcer implements Sanctions.Listener {
        @Override
        public void imposed(Sanction sanction) {
            if (sanction.type() == Sanction.Type.BAN && sanction.holdsAt(clock.millis())) {
                close(sanction.room(), sanction.target(), CloseCode.BANNED,
                        Sanction.EVERY_ROOM.equals(sanction.room()) ? "banned from the chat" : "banned from the room");
            }
        }

        @Override
        public void kicked(String room, Sanction.Target target) {
            close(room, target, CloseCode.KICKED, "a moderator removed you from the room");
        }

        private void close(String room, Sanction.Target target, CloseCode code, String reason) {
            for (Member member : rooms.members()) {
                if ((Sanction.EVERY_ROOM.equals(room) || member.room().equals(room)) && member.isHeldBy(target)) {
                    LOG.log(Level.INFO, "{0} room={1} name={2}", code.name().toLowerCase(java.util.Locale.ROOT),
                            member.room(), member.user().name());
                    leave.accept(member);
                    member.connection().close(code, reason);
                }
            }
        }
    }

    private String now() {
        return Timestamps.format(clock.instant());
    }

}
