package dev.chatwar.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** The chat's server API as an operator's backend calls it: {@code POST CONTEXT/api/<call>} with JSON. */
public final class Api {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** One answer: its status, its JSON body (a missing node when it has none) and its headers. */
    public record Answer(int status, JsonNode body, java.net.http.HttpHeaders headers) {
        public JsonNode result() {
            return body.path("result");
        }

        public String error() {
            return body.path("error").asText();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private Api() {
    }

    /** Calls with {@code Authorization: Bearer <key>} (no header when key is null). */
    public static Answer call(URL base, String key, String call, String json) throws IOException, InterruptedException {
        return call(base, call, json, key == null ? Map.of() : Map.of("Authorization", "Bearer " + key),
                "application/json");
    }

    public static Answer call(URL base, String call, String body, Map<String, String> headers, String contentType)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "api/" + call))
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        headers.forEach(request::header);
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode parsed = response.body().isEmpty() ? Frames.parse("{}") : parseOrText(response.body());
        return new Answer(response.statusCode(), parsed, response.headers());
    }

    /** A GET, for the methods the API refuses. */
    public static int get(URL base, String call, String key) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "api/" + call))
                .header("Authorization", "Bearer " + key).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static JsonNode parseOrText(String body) {
        try {
            return Frames.parse(body);
        } catch (RuntimeException e) {
            return Frames.parse("{\"text\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(body) + "}");
        }
    }
}
