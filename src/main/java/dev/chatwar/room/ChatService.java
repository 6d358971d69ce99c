package dev.chatwar.room;

import dev.chatwar.engine.Engine;
import dev.chatwar.protocol.ClientFrame;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.ErrorCode;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.ProtocolException;
import dev.chatwar.protocol.ServerEvent;
import dev.chatwar.protocol.ServerEvent.Join;
import dev.chatwar.protocol.ServerEvent.Leave;
import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.Timestamps;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a chat connection can do: join, say, leave. It validates, lets the server stamp identity and time, and hands
 * every room event to the engine, which orders it and brings it back to every node's rooms, this one's included.
 * When the engine cannot order (its store is unreachable) nothing is delivered to anyone: a message gets
 * {@code error unavailable}, a join is closed with {@link CloseCode#TRY_AGAIN_LATER}.
 */
public final class ChatService {
    private static final System.Logger LOG = System.getLogger(ChatService.class.getName());

    private final RoomRegistry rooms;
    private final Engine engine;
    private final FrameCodec codec;
    private final Clock clock;
    private final int maxMessageChars;
    private final Telemetry telemetry;
    private final AtomicInteger members = new AtomicInteger();

    public ChatService(RoomRegistry rooms, Engine engine, FrameCodec codec, Clock clock, int maxMessageChars,
                       Telemetry telemetry) {
        this.rooms = rooms;
        this.engine = engine;
        this.codec = codec;
        this.clock = clock;
        this.maxMessageChars = maxMessageChars;
        this.telemetry = telemetry;
        rooms.onReplacedElsewhere(this::replacedElsewhere);
    }

    /** Joins as a guest, without recovery. */
    public Member join(String room, String name, String address, Connection connection) throws JoinRefusedException {
        return join(room, name, address, null, null, null, connection);
    }

    /** Joins without taking over a place. */
    public Member join(String room, String name, String address, String principal, String since,
                       Connection connection) throws JoinRefusedException {
        return join(room, name, address, principal, since, null, connection);
    }

    /** As {@link #admit}, waiting for the admission (which with the in-memory engine is always at once). */
    public Member join(String room, String name, String address, String principal, String since, String resume,
                       Connection connection) throws JoinRefusedException {
        return admit(room, name, address, principal, since, resume, connection).toCompletableFuture().join();
    }

    /**
     * Admits the member; its {@code welcome} follows once the room's history is read (at once with the in-memory
     * engine), then its {@code join} in the room's order. The admission itself is at once, except for a
     * {@code resume} token that no member here holds: that token is claimed from the engine first (a reconnect that
     * reached another node than its old connection), and its place taken over if it may be.
     *
     * @param room      the {@code room} parameter as the client sent it, or null
     * @param name      the {@code name} parameter as the client sent it, or null; ignored for an authenticated user
     * @param address   the client's address as the server saw it
     * @param principal the name of the user the container authenticated, or null for a guest
     * @param since     the {@code since} parameter: the last message id the client saw, or null
     * @param resume    the {@code resume} parameter: the token of the member whose place to take over, or null
     * @throws JoinRefusedException when {@code room} or {@code name} breaks the rules of {@link Names}
     */
    public CompletionStage<Member> admit(String room, String name, String address, String principal, String since,
                                         String resume, Connection connection) throws JoinRefusedException {
        String roomName = Names.room(room);
        boolean verified = principal != null && !principal.isBlank();
        String memberName = verified ? principal.strip() : Names.member(name, address);
        if (resume == null || rooms.holds(roomName, resume)) {
            return CompletableFuture.completedFuture(
                    enter(roomName, memberName, address, verified, since, resume, null, connection));
        }
        return engine.claim(roomName, ResumeTokens.key(resume), new Engine.Place(memberName, verified))
                .thenApply(claimed -> enter(roomName, memberName, address, verified, since, null, claimed,
                        connection));
    }

    private Member enter(String roomName, String memberName, String address, boolean verified, String since,
                         String resume, Engine.Place claimed, Connection connection) {
        members.incrementAndGet(); // before the welcome can leave: whoever holds it must see the member counted
        RoomRegistry.Entry entry = rooms.join(roomName, memberName, address, verified, resume, claimed, connection);
        Member member = entry.admission().member();
        Member replaced = entry.admission().replaced();
        if (replaced != null) { // its place is taken: its own leave will find nothing, so it is uncounted here
            members.decrementAndGet();
            engine.withdraw(roomName, replaced.resumeKey());
            LOG.log(Level.INFO, "resume room={0} name={1}: {2} took over from {3}", roomName, replaced.user().name(),
                    address, replaced.user().address());
            replaced.connection().close(CloseCode.REPLACED, "a newer connection resumed this member");
        }
        if (replaced != null || claimed != null) {
            telemetry.resumed();
        }
        if (claimed != null) {
            LOG.log(Level.INFO, "resume room={0} name={1}: {2} took over a place held on another node", roomName,
                    member.user().name(), address);
        }
        engine.file(roomName, member.resumeKey(), new Engine.Place(member.user().name(), verified));
        rooms.subscribed(entry.room())
                .thenCompose(subscribed -> engine.history(roomName))
                .whenComplete((history, failure) -> {
                    if (failure != null) {
                        turnAway(member, failure);
                    } else if (!entry.room().welcome(member, history, since)) {
                        member.announced().complete(false); // it left before its welcome
                    } else if (replaced != null) {
                        replaced.announced().thenAccept(member.announced()::complete);
                    } else if (claimed != null) {
                        member.announced().complete(true); // its join was ordered when it first came, elsewhere
                    } else {
                        announce(member);
                    }
                });
        return member;
    }

    /** Hands an event to the engine for its room's order, and times the round trip. */
    private CompletionStage<Engine.Outcome> order(RoomEvent event, Member member) {
        long start = System.nanoTime();
        return engine.publish(event, member.nameKey()).whenComplete((outcome, failure) -> {
            if (failure == null) {
                telemetry.engineOrdered(System.nanoTime() - start);
            } else {
                telemetry.engineFailed();
                // Debug only: during an outage every message would log; the outage shows in Lettuce's own log, and
                // chat_engine_publish_failures_total counts these.
                LOG.log(Level.DEBUG, "the engine could not order an event of {0}: {1}", member, failure.toString());
            }
        });
    }

    private void announce(Member member) {
        Join join = new Join(member.room(), now(), null, member.user());
        order(join, member).whenComplete((outcome, failure) -> {
            if (failure != null) {
                member.announced().complete(false);
                turnAway(member, failure);
            } else {
                member.announced().complete(true);
            }
        });
    }

    /** The engine could not serve the join: the member goes, unannounced, and its client is told to come back. */
    private void turnAway(Member member, Throwable failure) {
        LOG.log(Level.INFO, "join of {0} turned away: {1}", member, failure.toString());
        member.announced().complete(false);
        if (rooms.leave(member)) {
            members.decrementAndGet();
            engine.withdraw(member.room(), member.resumeKey());
        }
        member.connection().close(CloseCode.TRY_AGAIN_LATER, "the chat cannot reach its store; try again");
    }

    /** One text frame from a member: a message for the room, or an {@code error} to the member alone. */
    public void receive(Member member, String frame) {
        try {
            ClientFrame request = codec.decode(frame);
            if (request instanceof ClientFrame.Say say) {
                say(member, say.text(), say.cid());
            } else if (request instanceof ClientFrame.Typing && member.mayAnnounceTyping(System.nanoTime())) {
                rooms.typing(member);
            }
        } catch (ProtocolException e) {
            refuse(member, e.code(), e.getMessage());
        }
    }

    /** Answers one of the member's frames with an {@code error} event to the member alone. */
    public void refuse(Member member, ErrorCode code, String reason) {
        telemetry.errorSent(code);
        member.connection().send(codec.encode(new ServerEvent.Error(member.room(), now(), code, reason)));
    }

    /** The member is gone: out of its room, and its {@code leave} follows its {@code join} in the room's order. */
    public void leave(Member member) {
        if (!rooms.leave(member)) {
            return;
        }
        members.decrementAndGet();
        engine.withdraw(member.room(), member.resumeKey());
        member.announced().thenAccept(joined -> {
            if (joined) {
                order(new Leave(member.room(), now(), null, member.user()), member)
                        .whenComplete((outcome, failure) -> {
                            if (failure != null) {
                                LOG.log(Level.DEBUG, "the leave of {0} could not be ordered: {1}", member, failure);
                            }
                        });
            }
        });
    }

    /** A reconnect on another node took this member's place; it is out of its room already. */
    private void replacedElsewhere(Member member) {
        members.decrementAndGet();
        LOG.log(Level.INFO, "resume room={0} name={1}: taken over on another node", member.room(),
                member.user().name());
        member.connection().close(CloseCode.REPLACED, "a newer connection resumed this member");
    }

    /** Members on this node, over all rooms. */
    public int memberCount() {
        return members.get();
    }

    /** Closes every local connection with {@link CloseCode#GOING_AWAY}. */
    public void shutdown() {
        for (Member member : rooms.members()) {
            member.connection().close(CloseCode.GOING_AWAY, "server shutting down");
        }
    }

    public RoomRegistry rooms() {
        return rooms;
    }

    public Engine engine() {
        return engine;
    }

    private void say(Member member, String text, String cid) throws ProtocolException {
        if (text.isBlank()) {
            throw new ProtocolException(ErrorCode.EMPTY, "message text is empty");
        }
        int length = text.codePointCount(0, text.length());
        if (length > maxMessageChars) {
            throw new ProtocolException(ErrorCode.TOO_LONG,
                    "message text has " + length + " characters; the limit is " + maxMessageChars);
        }
        if (!rooms.isWelcomed(member)) {
            return; // it left, or speaks before its welcome
        }
        Message message = new Message(member.room(), now(), null, member.user(), text, cid);
        order(message, member).whenComplete((outcome, failure) -> {
            if (failure != null) {
                refuse(member, ErrorCode.UNAVAILABLE, "the chat cannot reach its store; not delivered, send it again");
            } else if (outcome.duplicate()) {
                rooms.sendTo(member, outcome.event()); // a resend: only its sender gets the original again
            } else {
                telemetry.messageReceived();
            }
        });
    }

    private String now() {
        return Timestamps.format(clock.instant());
    }
}
