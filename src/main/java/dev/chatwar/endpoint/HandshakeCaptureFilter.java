package dev.chatwar.endpoint;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Makes what Jakarta WebSocket does not expose available to the handshake: the peer's address and the
 * {@code Host} the request was made to. Both come from the connection and the servlet request, never from a header a
 * client could forge in the handshake itself.
 *
 * <p>How it reaches the endpoint: the container runs {@code checkOrigin} and {@code modifyHandshake} on the thread that
 * runs this filter chain (Tomcat's WsFilter and Undertow's JSR filter both upgrade inside the chain), so the values
 * travel in a thread-local that lives exactly as long as this request's chain. The filter is registered ahead of every
 * other filter by {@code ChatBootstrap}.
 */
public final class HandshakeCaptureFilter extends HttpFilter {
    /** The one thread-local of the application; removed in {@code finally}, so pooled threads keep nothing. */
    private static final ThreadLocal<Handshake> CURRENT = new ThreadLocal<>();

    /** @param host the {@code Host} header, or null; {@code secure} whether the request came over TLS */
    public record Handshake(String address, String host, boolean secure) {
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        CURRENT.set(new Handshake(request.getRemoteAddr(), request.getHeader("Host"), request.isSecure()));
        try {
            chain.doFilter(request, response);
        } finally {
            CURRENT.remove();
        }
    }

    /** The handshake being processed on this thread, or null outside one. */
    static Handshake current() {
        return CURRENT.get();
    }
}
