package dev.chatwar.endpoint;

import dev.chatwar.config.ChatRuntime;
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
    static final String HANDSHAKE = "dev.chatwar.handshake";
    static final String PRINCIPAL = "dev.chatwar.principal";

    @Override
    public boolean checkOrigin(String origin) {
        ChatRuntime runtime = ChatRuntime.get();
        HandshakeFilter.Handshake handshake = HandshakeFilter.current();
        boolean allowed = handshake != null
                && runtime.config().allowedOrigins().allows(origin, handshake.host(), handshake.secure());
        if (!allowed) {
            runtime.telemetry().handshakeRefused(Telemetry.Refusal.ORIGIN);
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
        ChatRuntime runtime = ChatRuntime.orNull();
        if (runtime == null || !runtime.config().permessageDeflate()) {
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
