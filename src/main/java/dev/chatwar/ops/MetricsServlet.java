package dev.chatwar.ops;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * {@code GET /metrics}: Prometheus text format; behind a bearer token when {@code CHAT_METRICS_TOKEN} is set.
 * Registered by the composition root once the chat runs.
 */
public final class MetricsServlet extends HttpServlet {
    private final ChatMetrics metrics;
    /** The bearer token a scrape must present, or empty for none. */
    private final String token;

    public MetricsServlet(ChatMetrics metrics, String token) {
        this.metrics = metrics;
        this.token = token;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!token.isEmpty() && !authorized(request.getHeader("Authorization"), token)) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"chat metrics\"");
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            return;
        }
        response.setContentType("text/plain; version=0.0.4");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(metrics.scrape());
    }

    /** Compares in constant time, so response timing does not reveal how much of a guess was right. */
    static boolean authorized(String header, String token) {
        String expected = "Bearer " + token;
        return header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }
}
