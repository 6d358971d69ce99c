package dev.chatwar.admission;

import dev.chatwar.protocol.Sanction;
import dev.chatwar.room.Moderation;
import dev.chatwar.room.Names;
import dev.chatwar.room.Telemetry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Runs before the WebSocket upgrade of {@code /chat} and does what Jakarta WebSocket cannot: it finds the client's
 * address (the TCP peer, or the forwarding header when the peer is a trusted proxy), checks the token of the
 * operator's application if there is one (401), the bans (403) and the private rooms (403), enforces the connection limits with a
 * plain HTTP answer (429 per address, or per user for a token's user; 503 when the node is full), and hands the
 * address, the {@code Host} the request was made to, the user and the connection's reservation to the handshake.
 *
 * <p>How they reach the handshake: the container runs {@code checkOrigin} and {@code modifyHandshake} on the thread
 * that runs this filter chain (Tomcat's WsFilter and Undertow's JSR filter both upgrade inside the chain), so they
 * travel in a thread-local that lives exactly as long as this request's chain. The filter is registered ahead of every
 * other filter by the composition root, as an instance built with what it needs.
 */
public final class HandshakeFilter extends HttpFilter {
    private static final System.Logger LOG = System.getLogger(HandshakeFilter.class.getName());
    /** The one thread-local of the application; removed in {@code finally}, so pooled threads keep nothing. */
    private static final ThreadLocal<Handshake> CURRENT = new ThreadLocal<>();
    private static final String RETRY_AFTER_SECONDS = "10";

    /**
     * @param address     the client's address
     * @param host        the {@code Host} header, or null
     * @param secure      whether the request came over TLS
     * @param reservation the connection's place under the limits, claimed when the handshake is accepted
     * @param user        who the connection's valid token names, or null for a connection without one
     * @param moderator   whether the user moderates the room asked for (its token's {@code mod} claim, or the
     *                    container role {@link #MODERATOR_ROLE})
     */
    public record Handshake(String address, String host, boolean secure, ConnectionLimits.Reservation reservation,
                            TokenVerifier.TokenUser user, boolean moderator) {
    }

    /** The container role that admits a login to every private room ({@code CHAT_PRIVATE_ROOMS}). */
    public static final String PRIVATE_ROLE = "chat-private";
    /** The container role of a login that moderates every room. */
    public static final String MODERATOR_ROLE = "chat-moderator";

    private final ClientAddress clientAddress;
    private final ConnectionLimits limits;
    private final TokenVerifier tokens;
    private final boolean tokenRequired;
    private final RoomPatterns privateRooms;
    private final Telemetry telemetry;
    private final Moderation moderation;

    /**
     * @param tokenRequired whether a connection without a valid token is refused
     * @param privateRooms  the rooms only a token's {@code rooms} claim or {@link #PRIVATE_ROLE} admits to
     * @param moderation    whose bans keep a client out (403 before the upgrade)
     */
    public HandshakeFilter(ClientAddress clientAddress, ConnectionLimits limits, TokenVerifier tokens,
                           boolean tokenRequired, RoomPatterns privateRooms, Telemetry telemetry,
                           Moderation moderation) {
        this.moderation = moderation;
        this.clientAddress = clientAddress;
        this.limits = limits;
        this.tokens = tokens;
        this.tokenRequired = tokenRequired;
        this.privateRooms = privateRooms;
        this.telemetry = telemetry;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!"websocket".equalsIgnoreCase(request.getHeader("Upgrade"))) {
            chain.doFilter(request, response);
            return;
        }
        String address = clientAddress.resolve(request.getRemoteAddr(),
                values(request, clientAddress.header().headerName()));
        TokenVerifier.TokenUser user;
        try {
            user = user(request.getParameter("token"));
        } catch (TokenVerifier.RefusedException e) {
            refuseToken(response, address, e.refusal());
            return;
        }
        String asked = request.getParameter("room");
        asked = asked == null || asked.isEmpty() ? Names.DEFAULT_ROOM : asked;
        java.security.Principal login = request.getUserPrincipal();
        Optional<Sanction> ban = moderation.banned(asked,
                user != null ? "t:" + user.subject() : login != null ? "c:" + login.getName() : null,
                user != null ? user.name() : login != null ? login.getName() : null, address);
        if (ban.isPresent()) {
            telemetry.handshakeRefused(Telemetry.Refusal.BANNED);
            LOG.log(Level.INFO, "refused handshake from {0}: banned from {1}", address, ban.get().room());
            answer(response, HttpServletResponse.SC_FORBIDDEN, "forbidden", "banned");
            return;
        }
        // A token's user counts as itself, wherever it connects from (an office of users behind one address is not
        // one client); everyone else by address.
        ConnectionLimits.Outcome outcome = limits.reserve(user != null ? "user " + user.subject() : address);
        if (outcome.reservation() == null) {
            refuse(response, address, outcome.refusal());
            return;
        }
        String room = request.getParameter("room");
        room = room == null || room.isEmpty() ? Names.DEFAULT_ROOM : room; // an invalid name gets 1008 later
        if (privateRooms.matches(room) && !(user != null && RoomPatterns.lenient(user.rooms()).matches(room))
                && !request.isUserInRole(PRIVATE_ROLE)) {
            outcome.reservation().release();
            refusePrivate(response, address, room);
            return;
        }
        boolean moderator = user != null ? RoomPatterns.lenient(user.moderates()).matches(room)
                : request.isUserInRole(MODERATOR_ROLE);
        Handshake handshake = new Handshake(address, request.getHeader("Host"), request.isSecure(),
                outcome.reservation(), user, moderator);
        CURRENT.set(handshake);
        boolean upgraded = false;
        try {
            chain.doFilter(request, response);
            upgraded = response.getStatus() == HttpServletResponse.SC_SWITCHING_PROTOCOLS;
        } finally {
            CURRENT.remove();
            if (!upgraded) {
                handshake.reservation().release();
            }
        }
    }

    private void refuse(HttpServletResponse response, String address, Telemetry.Refusal refusal) throws IOException {
        boolean full = refusal == Telemetry.Refusal.CAPACITY;
        telemetry.handshakeRefused(refusal);
        LOG.log(Level.INFO, "refused handshake from {0}: {1}", address,
                full ? "the node is at CHAT_MAX_CONNECTIONS" : "the address is at CHAT_MAX_CONNECTIONS_PER_ADDRESS");
        response.setHeader("Retry-After", RETRY_AFTER_SECONDS);
        response.sendError(full ? HttpServletResponse.SC_SERVICE_UNAVAILABLE : 429);
    }

    /** The token's user; null for no token where none is required. The token itself is never logged. */
    private TokenVerifier.TokenUser user(String token) throws TokenVerifier.RefusedException {
        if (token == null || token.isEmpty()) {
            if (tokenRequired) {
                throw new TokenVerifier.RefusedException(TokenVerifier.Refusal.REQUIRED);
            }
            return null;
        }
        return tokens.verify(token);
    }

    /**
     * 401 with {@code WWW-Authenticate: Bearer error="invalid_token"} and a body that says why, e.g.
     * {@code {"error":"invalid_token","reason":"expired"}}; nothing reaches a room.
     */
    private void refuseToken(HttpServletResponse response, String address, TokenVerifier.Refusal refusal)
            throws IOException {
        telemetry.handshakeRefused(Telemetry.Refusal.TOKEN);
        LOG.log(Level.INFO, "refused handshake from {0}: token {1}", address, refusal.code());
        response.setHeader("WWW-Authenticate", "Bearer realm=\"chat\", error=\"invalid_token\"");
        answer(response, HttpServletResponse.SC_UNAUTHORIZED, "invalid_token", refusal.code());
    }

    /** 403 with {@code {"error":"forbidden","reason":"private_room"}}; nothing of the room reaches the client. */
    private void refusePrivate(HttpServletResponse response, String address, String room) throws IOException {
        telemetry.handshakeRefused(Telemetry.Refusal.PRIVATE_ROOM);
        LOG.log(Level.INFO, "refused handshake from {0}: room {1} is private", address, room);
        answer(response, HttpServletResponse.SC_FORBIDDEN, "forbidden", "private_room");
    }

    /** A refusal's answer: {@code {"error":…,"reason":…}}, both words the chat chose, never the client's input. */
    private static void answer(HttpServletResponse response, int status, String error, String reason)
            throws IOException {
        byte[] body = ("{\"error\":\"" + error + "\",\"reason\":\"" + reason + "\"}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private static List<String> values(HttpServletRequest request, String header) {
        return request.getHeaders(header) == null ? List.of() : Collections.list(request.getHeaders(header));
    }

    /** The handshake being processed on this thread, or null outside one. */
    static Handshake current() {
        return CURRENT.get();
    }
}
