package dev.chatwar.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** What a connection was sent, read back as JSON: the frames, their types, the texts of its messages. */
public final class Frames {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Frames() {
    }

    public static JsonNode parse(String frame) {
        try {
            return JSON.readTree(frame);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every frame the connection was sent, in order. */
    public static List<JsonNode> frames(RecordingConnection connection) {
        List<JsonNode> frames = new ArrayList<>();
        for (String frame : connection.sent()) {
            frames.add(parse(frame));
        }
        return frames;
    }

    public static List<String> types(RecordingConnection connection) {
        return frames(connection).stream().map(f -> f.get("type").asText()).toList();
    }

    /** The texts of the messages the connection was sent, in order. */
    public static List<String> texts(RecordingConnection connection) {
        return frames(connection).stream().filter(f -> f.get("type").asText().equals("message"))
                .map(f -> f.get("text").asText()).toList();
    }

    public static JsonNode last(RecordingConnection connection) {
        List<JsonNode> frames = frames(connection);
        return frames.get(frames.size() - 1);
    }
}
