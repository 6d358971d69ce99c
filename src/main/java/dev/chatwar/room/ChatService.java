package dev.chatwar.room;

import dev.chatwar.broker.Broker;
import dev.chatwar.broker.Envelope;
import dev.chatwar.protocol.ClientFrame;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.ErrorCode;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.ProtocolException;
import dev.chatwar.protocol.ServerEvent;
import dev.chatwar.protocol.ServerEvent.Leave;
import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.Timestamps;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a chat connection can do: join, say, leave. It validates, lets the server stamp identity and time, delivers
 * to local members first and then publishes to the broker for other nodes; envelopes from other nodes are delivered
 * locally, this node's own echoes dropped.
 */
public final class ChatService {
    private static final System.Logger LOG = System.getLogger(ChatService.class.getName());

    private final String nodeId = UUID.randomUUID().toString();
    private final RoomRegistry rooms;
    private final Broker broker;
    private final FrameCodec codec;
    private final Clock clock;
    private final int maxMessageChars;
    private final Telemetry telemetry;
    private final AtomicInteger members = new AtomicInteger();

    public ChatService(RoomRegistry rooms, Broker broker, FrameCodec codec, Clock clock, int maxMessageChars,
                       Telemetry telemetry) {
        this.rooms = rooms;
        this.broker = broker;
        this.codec = codec;
        this.clock = clock;
        this.maxMessageChars = maxMessageChars;
        this.telemetry = telemetry;
        broker.subscribe(this::onEnvelope);
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

    /**
     * @param room      the {@code room} parameter as the client sent it, or null
     * @param name      the {@code name} parameter as the client sent it, or null; ignored for an authenticated user
     * @param address   the client's address as the server saw it
     * @param principal the name of the user the container authenticated, or null for a guest
     * @param since     the {@code since} parameter: the last message id the client saw, or null
     * @param resume    the {@code resume} parameter: the token of the member whose place to take over, or null
     * @throws JoinRefusedException when {@code room} or {@code name} breaks the rules of {@link Names}
     */
    public Member join(String room, String name, String address, String principal, String since, String resume,
                       Connection connection) throws JoinRefusedException {
        String roomName = Names.room(room);
        boolean verified = principal != null && !principal.isBlank();
        String memberName = verified ? principal.strip() : Names.member(name, address);
        members.incrementAndGet(); // before the welcome can leave: whoever holds it must see the member counted
        Room.Admission admission = rooms.join(roomName, memberName, address, verified, since, resume, connection);
        Member replaced = admission.replaced();
        if (replaced != null) { // its place is taken: its own leave will find nothing, so it is uncounted here
            members.decrementAndGet();
            telemetry.resumed();
            LOG.log(Level.INFO, "resume room={0} name={1}: {2} took over from {3}", roomName, replaced.user().name(),
                    address, replaced.user().address());
            replaced.connection().close(CloseCode.REPLACED, "a newer connection resumed this member");
        }
        publish(admission.join());
        return admission.member();
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

    public void leave(Member member) {
        Leave leave = rooms.leave(member);
        if (leave != null) {
            members.decrementAndGet();
            publish(leave);
        }
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

    private void say(Member member, String text, String cid) throws ProtocolException {
        if (text.isBlank()) {
            throw new ProtocolException(ErrorCode.EMPTY, "message text is empty");
        }
        int length = text.codePointCount(0, text.length());
        if (length > maxMessageChars) {
            throw new ProtocolException(ErrorCode.TOO_LONG,
                    "message text has " + length + " characters; the limit is " + maxMessageChars);
        }
        Message message = rooms.say(member, text, cid);
        if (message != null) {
            telemetry.messageReceived();
            publish(message);
        }
    }

    private void publish(RoomEvent event) {
        if (event != null) {
            broker.publish(Envelope.of(nodeId, event));
        }
    }

    private void onEnvelope(Envelope envelope) {
        if (envelope.nodeId().equals(nodeId)) {
            return;
        }
        if (envelope.version() != Envelope.VERSION) {
            LOG.log(Level.WARNING, "dropped an envelope of unknown version {0} from node {1}",
                    envelope.version(), envelope.nodeId());
            return;
        }
        rooms.deliverRemote(envelope.event());
    }

    private String now() {
        return Timestamps.format(clock.instant());
    }
}
