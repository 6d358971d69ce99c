package dev.chatwar.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.protocol.User;
import dev.chatwar.room.Moderation;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The server API, {@code POST CONTEXT/api/<call>} with a JSON object of parameters: the operator's backend posts,
 * moderates and reads rooms without opening a WebSocket. It answers {@code 200 {"result":…}}, or an error status with
 * {@code {"error":<code>,"reason":…,"field":…}}.
 *
 * <p>Who may call: the holder of {@code CHAT_API_KEY} ({@code Authorization: Bearer <key>}, compared in constant
 * time), or with {@code CHAT_API_LOGINS=true} a container login with the role {@link #ROLE} whose credentials come in
 * the request's own {@code Authorization} header. Nothing a browser sends by itself is enough: a session cookie alone
 * is never a login here, a login is refused when the request carries a browser's {@code Origin} or
 * {@code Sec-Fetch-*} headers, and a body must be {@code application/json}, which no cross-site form can send and no
 * cross-site script can send without a CORS preflight that this servlet never allows. So a moderator's logged-in
 * browser cannot be made to call it from another site. With neither configured the API is off: every call gets 404.
 */
public final class ApiServlet extends HttpServlet {
    private static final System.Logger LOG = System.getLogger(ApiServlet.class.getName());
    /** The container role of a login that may call the API (with {@code CHAT_API_LOGINS=true}). */
    public static final String ROLE = "chat-api";
    /** The largest request body, in bytes; larger gets 413. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** The most calls in one batch. */
    static final int MAX_BATCH = 100;
    /** How long a call may take before it is answered 503. */
    private static final long CALL_TIMEOUT_SECONDS = 10;

    private final ApiCalls calls;
    private final ObjectMapper mapper;
    /** The key, as bytes; empty when keys are off. */
    private final byte[] key;
    private final boolean logins;
    private final ApiRateLimit rateLimit;

    public ApiServlet(Moderation moderation, dev.chatwar.engine.Engine engine, dev.chatwar.protocol.FrameCodec codec,
                      int historySize, String key, boolean logins, int ratePerSecond) {
        this.calls = new ApiCalls(moderation, engine, codec, historySize);
        this.mapper = codec.mapper();
        this.key = key.getBytes(StandardCharsets.UTF_8);
        this.logins = logins;
        this.rateLimit = new ApiRateLimit(ratePerSecond);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            if (key.length == 0 && !logins) {
                throw new ApiError(404, "not_found", "the server API is off", null);
            }
            if (!"POST".equals(request.getMethod())) {
                response.setHeader("Allow", "POST");
                throw new ApiError(405, "method_not_allowed", "every call is a POST", null);
            }
            String caller = authenticate(request, response);
            String name = request.getPathInfo() == null ? "" : request.getPathInfo().substring(1);
            String type = request.getContentType();
            if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
                throw new ApiError(415, "unsupported_media_type", "send the parameters as application/json", null);
            }
            JsonNode body = parse(request);
            User by = User.of(User.APPLICATION, caller);
            Object result = name.equals("batch") ? batch(body, caller, by) : one(name, body, caller, by);
            write(response, 200, Map.of("result", result));
        } catch (ApiError e) {
            if (e.status() == 429) {
                response.setHeader("Retry-After", "1");
            }
            write(response, e.status(), error(e));
        }
    }

    /** @return who calls, as the audit names it: {@code api} for the key, else the login */
    private String authenticate(HttpServletRequest request, HttpServletResponse response) {
        String header = request.getHeader("Authorization");
        if (header == null || header.isBlank()) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"chat-api\"");
            throw new ApiError(401, "unauthorized", "send Authorization: Bearer <CHAT_API_KEY>", null);
        }
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
            if (key.length == 0 || !MessageDigest.isEqual(given, key)) {
                throw new ApiError(403, "forbidden", "not the API key", null);
            }
            return "api";
        }
        if (logins && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            if (request.getHeader("Origin") != null || request.getHeader("Sec-Fetch-Site") != null) {
                throw new ApiError(403, "forbidden", "a login may not call the API from a browser page", null);
            }
            // The credentials must be this request's: with a session, the container could take its principal from
            // the session without checking the header's password.
            if (request.getRequestedSessionId() != null) {
                throw new ApiError(403, "forbidden", "send a login without a session cookie", null);
            }
            String user = basicUser(header);
            if (request.getUserPrincipal() == null) { // else the container checked the header already
                try {
                    request.login(user, basicPassword(header));
                } catch (ServletException e) {
                    throw new ApiError(403, "forbidden", "the login was refused", null);
                }
            }
            if (!request.getUserPrincipal().getName().equals(user)) {
                throw new ApiError(403, "forbidden", "the login was refused", null);
            }
            if (!request.isUserInRole(ROLE)) {
                throw new ApiError(403, "forbidden", "the login lacks the role " + ROLE, null);
            }
            return request.getUserPrincipal().getName();
        }
        throw new ApiError(403, "forbidden", "unknown credentials", null);
    }

    private static String basicUser(String header) {
        String decoded = decodeBasic(header);
        return decoded.substring(0, decoded.indexOf(':'));
    }

    private static String basicPassword(String header) {
        String decoded = decodeBasic(header);
        return decoded.substring(decoded.indexOf(':') + 1);
    }

    private static String decodeBasic(String header) {
        try {
            String decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()),
                    StandardCharsets.UTF_8);
            if (decoded.indexOf(':') < 0) {
                throw new ApiError(403, "forbidden", "malformed Basic credentials", null);
            }
            return decoded;
        } catch (IllegalArgumentException e) {
            throw new ApiError(403, "forbidden", "malformed Basic credentials", null);
        }
    }

    private JsonNode parse(HttpServletRequest request) throws IOException {
        if (request.getContentLengthLong() > MAX_BODY_BYTES) {
            throw new ApiError(413, "too_large", "a request body may hold at most " + MAX_BODY_BYTES + " bytes", null);
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new ApiError(413, "too_large", "a request body may hold at most " + MAX_BODY_BYTES + " bytes", null);
        }
        JsonNode node;
        try {
            node = body.length == 0 ? mapper.createObjectNode() : mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest(null, "malformed JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiError.badRequest(null, "the body must be one JSON object");
        }
        return node;
    }

    private Object one(String name, JsonNode params, String caller, User by) {
        if (!rateLimit.allow(caller, 1, System.nanoTime())) {
            throw new ApiError(429, "rate_limited", "more calls a second than CHAT_API_RATE_PER_SECOND allows", null);
        }
        return await(calls.call(name, params, by));
    }

    /** Up to {@link #MAX_BATCH} calls, run one after another; each answers on its own, and one failing stops none. */
    private Object batch(JsonNode body, String caller, User by) {
        JsonNode list = body.get("calls");
        if (list == null || !list.isArray()) {
            throw ApiError.badRequest("calls", "a batch needs an array 'calls'");
        }
        for (var names = body.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!field.equals("calls")) {
                throw ApiError.badRequest(field, "unknown field '" + field + "'");
            }
        }
        if (list.size() > MAX_BATCH) {
            throw new ApiError(400, "too_many_calls", "a batch may hold at most " + MAX_BATCH + " calls", "calls");
        }
        if (!rateLimit.allow(caller, list.size(), System.nanoTime())) {
            throw new ApiError(429, "rate_limited", "more calls a second than CHAT_API_RATE_PER_SECOND allows", null);
        }
        List<Object> results = new ArrayList<>(list.size());
        for (JsonNode call : list) {
            try {
                if (!call.isObject() || !call.path("call").isTextual()) {
                    throw ApiError.badRequest("call", "each call is an object with a string 'call'");
                }
                String name = call.get("call").textValue();
                if (name.equals("batch")) {
                    throw ApiError.badRequest("call", "a batch may not hold a batch");
                }
                results.add(Map.of("result", await(calls.call(name, call, by)))); // its "call" field is skipped
            } catch (ApiError e) {
                Map<String, Object> failed = error(e);
                failed.put("status", e.status());
                results.add(failed);
            }
        }
        return results;
    }

    private static Object await(CompletionStage<Object> stage) {
        try {
            return stage.toCompletableFuture().get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "unavailable", "interrupted", null);
        } catch (TimeoutException e) {
            throw new ApiError(503, "unavailable", "the chat did not answer in time; try again", null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ApiError error) {
                throw error;
            }
            Moderation.Refused refused = Moderation.refusal(cause);
            throw new ApiError(ApiCalls.status(refused.code()), refused.code().word(), refused.getMessage(), null);
        }
    }

    private static Map<String, Object> error(ApiError e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.code());
        body.put("reason", e.getMessage());
        if (e.field() != null) {
            body.put("field", e.field());
        }
        return body;
    }

    private void write(HttpServletResponse response, int status, Object body) throws IOException {
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            LOG.log(Level.ERROR, "an API answer could not be encoded", e);
            status = 500;
            json = "{\"error\":\"server_error\"}".getBytes(StandardCharsets.UTF_8);
        }
        response.setStatus(status);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(json.length);
        response.getOutputStream().write(json);
    }

}
