package dev.chatwar.ops;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * Headers that make the page hard to abuse, on every response of the application: scripts, styles and sockets only
 * from the page's own origin (no inline script or style exists to allow), no framing by other sites, no MIME
 * sniffing, no referrer leaking room names to other sites.
 */
@WebFilter(urlPatterns = "/*", asyncSupported = true)
public final class SecurityHeadersFilter extends HttpFilter {
    /** A Host header that can go into the policy as it is; anything else falls back to {@code 'self'} alone. */
    private static final Pattern PLAIN_HOST = Pattern.compile("[A-Za-z0-9.\\-]+(:\\d{1,5})?|\\[[0-9A-Fa-f:.]+](:\\d{1,5})?");

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        response.setHeader("Content-Security-Policy", policy(request.getHeader("Host")));
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("X-Frame-Options", "DENY");
        chain.doFilter(request, response);
    }

    /** {@code connect-src} names ws: and wss: of the page's host explicitly: older browsers do not read them into 'self'. */
    static String policy(String host) {
        String sockets = host != null && PLAIN_HOST.matcher(host).matches() ? " ws://" + host + " wss://" + host : "";
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'"
                + sockets + "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }
}
