package dev.chatwar.ops;

import dev.chatwar.config.ChatRuntime;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** {@code GET /metrics}: Prometheus text format; behind a bearer token when {@code CHAT_METRICS_TOKEN} is set. */
@WebServlet("/metrics")
public final class MetricsServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ChatRuntime runtime = ChatRuntime.orNull();
        if (runtime == null) {
            response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            return;
        }
        String token = runtime.config().metricsToken();
        if (!token.isEmpty() && !authorized(request.getHeader("Authorization"), token)) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"chat metrics\"");
            response.sendError(HttpServletResponse.SC_UNAUTHORIZED);
            return;
        }
        response.setContentType("text/plain; version=0.0.4");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(runtime.metrics().scrape());
    }

    /** Compares in constant time, so response timing does not reveal how much of a guess was right. */
    static boolean authorized(String header, String token) {
        String expected = "Bearer " + token;
        return header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }
}
