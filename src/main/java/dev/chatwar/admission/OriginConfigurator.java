package dev.chatwar.admission;

import dev.chatwar.room.Telemetry;
import jakarta.websocket.Extension;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.lang.System.Logger.Level;
import java.security.Principal;
import java.util.List;

/**
 * Enforces the origin policy ({@code CHAT_ALLOWED_ORIGINS}) before the upgrade, negotiates extensions
 * ({@code CHAT_PERMESSAGE_DEFLATE}), and hands what the {@link HandshakeFilter} found, plus the container-authenticated
 * user if any, to the session. Everything else, endpoint instances included, stays the container's.
 */
public final class OriginConfigurator extends ServerEndpointConfig.Configurator {
    private static final System.Logger LOG = System.getLogger(OriginConfigurator.class.getName());
    /** The session's user property that holds its {@link HandshakeFilter.Handshake}. */
    public static final String HANDSHAKE = "dev.chatwar.handshake";
    /** The session's user property that holds the name of the user the container authenticated, if any. */
    public static final String PRINCIPAL = "dev.chatwar.principal";
    private static volatile Policy policy;

    /**
     * What the running chat allows: installed once by the composition root, since the container creates
     * configurators itself.
     *
     * @param permessageDeflate whether to negotiate compression ({@code CHAT_PERMESSAGE_DEFLATE})
     */
    public record Policy(OriginPolicy origins, boolean permessageDeflate, Telemetry telemetry) {
    }

    public static void install(Policy running) {
        policy = running;
    }

    public static void uninstall() {
        policy = null;
    }

    @Override
    public boolean checkOrigin(String origin) {
        Policy running = policy;
        HandshakeFilter.Handshake handshake = HandshakeFilter.current();
        boolean allowed = running != null && handshake != null
                && running.origins().allows(origin, handshake.host(), handshake.secure());
        if (!allowed && running != null) {
            running.telemetry().handshakeRefused(Telemetry.Refusal.ORIGIN);
            LOG.log(Level.INFO, "refused handshake from {0}: origin {1} is not allowed",
                    handshake == null ? "an unknown address" : handshake.address(), origin);
        }
        return allowed;
    }

    /**
     * No extension unless {@code CHAT_PERMESSAGE_DEFLATE=true}. Every browser offers permessage-deflate, and the
     * containers compress each session's copy of a broadcast separately: on a room of 1,000 the server spends its time
     * compressing the same frame a thousand times (README, Performance, for the measurement).
     */
    @Override
    public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested) {
        Policy running = policy;
        if (running == null || !running.permessageDeflate()) {
            return List.of();
        }
        return super.getNegotiatedExtensions(installed, requested);
    }

    @Override
    public void modifyHandshake(ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response) {
        super.modifyHandshake(config, request, response);
        HandshakeFilter.Handshake handshake = HandshakeFilter.current();
        if (handshake != null) {
            config.getUserProperties().put(HANDSHAKE, handshake);
        }
        Principal principal = request.getUserPrincipal();
        if (principal != null) {
            config.getUserProperties().put(PRINCIPAL, principal.getName());
        }
    }
}
