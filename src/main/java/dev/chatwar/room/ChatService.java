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
import dev.chatwar.protocol.ServerEvent.Typing;
import dev.chatwar.protocol.Timestamps;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import dev.chatwar.protocol.Sanction;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    /** Leaves not yet ordered: a graceful stop waits for them before the engine goes. */
    private final Set<CompletableFuture<Void>> leaving = ConcurrentHashMap.newKeySet();
    /** Members who stepped away and may still come back (see {@link #stepAway}); a stop orders their leaves. */
    private final Set<Member> steppedAway = ConcurrentHashMap.newKeySet();
    private final Function<String, String> clients;
    private final Moderation moderation;

    /** Each address is its own client (no IPv6 prefixes): for tests and tools. */
    public ChatService(RoomRegistry rooms, Engine engine, FrameCodec codec, Clock clock, int maxMessageChars,
                       Telemetry telemetry) {
        this(rooms, engine, codec, clock, maxMessageChars, telemetry, Function.identity());
    }

    /**
     * @param clients the client an address belongs to, as the connection limits count it (an IPv6 address by its
     *                prefix): what a ban or mute of a guest holds
     */
    public ChatService(RoomRegistry rooms, Engine engine, FrameCodec codec, Clock clock, int maxMessageChars,
                       Telemetry telemetry, Function<String, String> clients) {
        this.clients = clients;
        this.rooms = rooms;
        this.engine = engine;
        this.codec = codec;
        this.clock = clock;
        this.maxMessageChars = maxMessageChars;
        this.telemetry = telemetry;
        rooms.onReplaced(this::replaced);
        this.moderation = new Moderation(rooms, engine, codec, clock, telemetry, clients, maxMessageChars,
                this::leave);
    }

    /** What moderators and the server API do to rooms. */
    public Moderation moderation() {
        return moderation;
    }

    /**
     * Enters the member into the room's presence (every node's: the engine gives its name) and admits it here; its
     * {@code welcome} follows once the room's snapshot is read, then its {@code join} in the room's order. A
     * {@code resume} token that the engine still holds is claimed instead: the newcomer takes over that member's
     * place and name, wherever it was, and nobody hears of it.
     *
     * @return completes with the member once the engine entered it (at once in memory), or with null when the
     *         engine could not (the connection is closed with {@link CloseCode#TRY_AGAIN_LATER})
     * @throws JoinRefusedException when {@code room} or {@code name} breaks the rules of {@link Names}
     */
    public CompletionStage<Member> admit(JoinRequest request, Connection connection) throws JoinRefusedException {
        String roomName = Names.room(request.room());
        String principal = request.principal();
        String address = request.address();
        String since = request.since();
        String resume = request.resume();
        boolean verified = principal != null && !principal.isBlank();
        String memberName = verified ? principal.strip() : Names.member(request.name(), address);
        Engine.Arrival arrival = new Engine.Arrival(memberName, Names.key(memberName), verified, address,
                verified ? request.userId() : null, verified && request.moderator());
        String token = ResumeTokens.next();
        String key = ResumeTokens.key(token);
        CompletionStage<Engine.Entered> claim = resume == null ? CompletableFuture.completedFuture(null)
                : engine.claim(roomName, ResumeTokens.key(resume), key, arrival);
        return claim.thenCompose(claimed -> claimed != null
                        ? CompletableFuture.completedFuture(new Place(claimed, true))
                        : engine.enter(roomName, key, arrival).thenApply(entered -> new Place(entered, false)))
                .handle((place, failure) -> {
                    if (failure == null) {
                        return enter(roomName, place, token, since, connection, arrival);
                    }
                    LOG.log(Level.INFO, "join of {0} to {1} turned away: {2}", address, roomName, failure.toString());
                    connection.close(CloseCode.TRY_AGAIN_LATER, "the chat cannot reach its store; try again");
                    return null;
                });
    }

    /** Where the engine put a newcomer: a new place, or one it took over. */
    private record Place(Engine.Entered entered, boolean claimed) {
    }

    private Member enter(String roomName, Place place, String token, String since, Connection connection,
                         Engine.Arrival arrival) {
        Member member = new Member(roomName, place.entered().user(), connection, token, arrival.userId(),
                clients.apply(arrival.address()));
        members.incrementAndGet(); // before the welcome can leave: whoever holds it must see the member counted
        Room room = rooms.join(member);
        if (moderation.banned(member).isPresent()) {
            // Imposed between the handshake's check and now (the enforcer did not know the member yet), or one
            // that holds the name the engine gave it: the member goes before its welcome.
            member.announced().complete(false);
            if (rooms.leave(member)) {
                members.decrementAndGet();
                engine.leave(roomName, member.resumeKey());
            }
            member.connection().close(CloseCode.BANNED, "banned from the room");
            return member;
        }
        if (place.claimed()) {
            telemetry.resumed();
            LOG.log(Level.INFO, "resume room={0} name={1}: {2} took over its place", roomName, member.user().name(),
                    member.user().address());
        }
        room.subscribed()
                .thenCompose(subscribed -> engine.welcomeSnapshot(roomName, rooms.presenceLimit()))
                // Only announced members, maybe: the newcomer's own join is ordered after its welcome, which lists it.
                .thenApply(snapshot -> place.claimed() ? snapshot : snapshot.withNewcomer(member.user()))
                .whenComplete((snapshot, failure) -> {
                    if (failure != null) {
                        turnAway(member, failure);
                    } else if (!room.welcome(member, snapshot, since)) {
                        member.announced().complete(false); // it left before its welcome
                    } else if (place.claimed()) {
                        member.announced().complete(true); // its join was ordered when it first came
                    } else {
                        announce(member, place.entered().count());
                    }
                });
        return member;
    }

    /** Hands an event to the engine for its room's order, and times the round trip. */
    private CompletionStage<Engine.Outcome> order(RoomEvent event, Member member) {
        long start = System.nanoTime();
        CompletionStage<Engine.Outcome> ordered = event instanceof Join
                ? engine.announce(event, member.nameKey(), member.resumeKey())
                : engine.publish(event, member.nameKey());
        return ordered.whenComplete((outcome, failure) -> {
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

    private void announce(Member member, int count) {
        Join join = new Join(member.room(), now(), null, member.user(), count);
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
            engine.leave(member.room(), member.resumeKey());
        }
        member.connection().close(CloseCode.TRY_AGAIN_LATER, "the chat cannot reach its store; try again");
    }

    /** One text frame from a member: a message for the room, or an {@code error} to the member alone. */
    public void receive(Member member, String frame) {
        try {
            ClientFrame request = codec.decode(frame);
            if (request instanceof ClientFrame.Say say) {
                say(member, say.text(), say.cid());
            } else if (request instanceof ClientFrame.Typing && member.mayAnnounceTyping(System.nanoTime())
                    && rooms.isWelcomed(member)) {
                engine.signal(new Typing(member.room(), now(), member.user()));
            } else if (request instanceof ClientFrame.Remove || request instanceof ClientFrame.Moderate) {
                moderation.act(member, request, answer -> answer(member, answer));
            }
        } catch (ProtocolException e) {
            refuse(member, e.code(), e.getMessage());
        } catch (Moderation.Refused e) {
            refuse(member, e.code(), e.getMessage());
        }
    }

    /** Answers one of the member's frames with an {@code error} event to the member alone. */
    public void refuse(Member member, ErrorCode code, String reason) {
        answer(member, new ServerEvent.Error(member.room(), now(), code, reason));
    }

    /** An event to the member alone, outside the room's order ({@code error}, {@code moderated}); errors counted. */
    private void answer(Member member, ServerEvent event) {
        if (event instanceof ServerEvent.Error error) {
            telemetry.errorSent(error.code());
        }
        member.connection().send(codec.encode(event));
    }

    /**
     * The member is gone: out of its room and the room's presence, and its {@code leave} follows its {@code join} in
     * the room's order.
     *
     * @return completes once that leave is ordered, or known not to be needed
     */
    public CompletionStage<Void> leave(Member member) {
        if (!rooms.leave(member)) {
            return CompletableFuture.completedFuture(null);
        }
        members.decrementAndGet();
        return orderLeave(member);
    }

    /**
     * The member's connection ended so that its page can come back at once (its token expired): it is out of its
     * room here now, but its place in the room's presence is kept for {@code grace}, so a reconnect with its resume
     * token takes it back unannounced. If none does, its {@code leave} is ordered then.
     *
     * @param timer runs the leave after the grace
     */
    public void stepAway(Member member, Duration grace, ScheduledExecutorService timer) {
        if (!rooms.leave(member)) {
            return;
        }
        members.decrementAndGet();
        steppedAway.add(member);
        try {
            timer.schedule(() -> {
                if (steppedAway.remove(member)) {
                    orderLeave(member);
                }
            }, grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            steppedAway.remove(member);
            orderLeave(member);
        }
    }

    /** Takes the member out of its room's presence, and orders its leave unless its place was claimed meanwhile. */
    private CompletionStage<Void> orderLeave(Member member) {
        CompletableFuture<Void> ordered = engine.leave(member.room(), member.resumeKey())
                .thenCombine(member.announced(), (count, joined) -> joined && count >= 0 ? count : null)
                .thenCompose(count -> count == null ? CompletableFuture.completedFuture(null)
                        : order(new Leave(member.room(), now(), null, member.user(), count), member)
                                .<Void>thenApply(outcome -> null))
                .exceptionally(failure -> {
                    LOG.log(Level.DEBUG, "the leave of {0} could not be ordered: {1}", member, failure.toString());
                    return null;
                })
                .toCompletableFuture();
        leaving.add(ordered);
        ordered.whenComplete((done, failure) -> leaving.remove(ordered));
        return ordered;
    }

    /** A reconnect took this member's place (on this node or another); it is out of its room already. */
    private void replaced(Member member) {
        members.decrementAndGet();
        LOG.log(Level.INFO, "resume room={0} name={1}: taken over by a reconnect", member.room(),
                member.user().name());
        member.connection().close(CloseCode.REPLACED, "a newer connection resumed this member");
    }

    /** Members on this node, over all rooms. */
    public int memberCount() {
        return members.get();
    }

    /**
     * A graceful stop: every member here leaves (its {@code leave} is ordered, so the others see it at once, not when
     * this node's lease runs out), then its connection is closed with {@link CloseCode#GOING_AWAY}, and its page
     * reconnects, through the balancer, to a node still running.
     *
     * @param wait how long the leaves may take to be ordered before the connections are closed anyway
     */
    public void shutdown(Duration wait) {
        List<Member> here = rooms.members();
        here.forEach(this::leave);
        for (Member away : List.copyOf(steppedAway)) {
            if (steppedAway.remove(away)) {
                orderLeave(away);
            }
        }
        try { // with those of members whose connections ended just before
            CompletableFuture.allOf(leaving.toArray(CompletableFuture[]::new))
                    .get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.log(Level.WARNING, "not every leave was ordered before the stop: {0}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Member member : here) {
            member.connection().close(CloseCode.GOING_AWAY, "server shutting down");
        }
    }

    public RoomRegistry rooms() {
        return rooms;
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
        Optional<Sanction> muted = moderation.muted(member);
        if (muted.isPresent()) {
            Long left = moderation.secondsLeft(muted.get());
            answer(member, new ServerEvent.Error(member.room(), now(), ErrorCode.MUTED,
                    left == null ? "you are muted in this room until a moderator unmutes you"
                            : "you are muted in this room for " + left + " more seconds", left));
            return;
        }
        Message message = new Message(member.room(), now(), null, member.user(), text, cid);
        order(message, member).whenComplete((outcome, failure) -> {
            if (failure != null) {
                refuse(member, ErrorCode.UNAVAILABLE, "the chat cannot reach its store; not delivered, send it again");
            } else if (outcome.duplicate()) {
                telemetry.resendRecognised();
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
