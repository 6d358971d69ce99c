package dev.chatwar.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * JSON to frames and back; the only class that knows the wire format is JSON.
 *
 * <p>Which text frames are JSON: a frame whose first non-blank character is <code>{</code> is a protocol frame and
 * must be a JSON object with a known {@code type}. A frame that is a well-formed JSON array is refused too. Any other
 * frame, including {@code 42}, {@code "hi"} or {@code [smile]}, is taken whole as the text of a message, so
 * {@code wscat} and the seed's page keep working.
 */
public final class FrameCodec {
    private static final Pattern CID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** The longest a mute or ban may be given for: ten years (absent is for good). */
    public static final long MAX_SECONDS = 10L * 365 * 24 * 3600;
    /** The longest reason a moderation action keeps. */
    public static final int MAX_REASON_CHARS = 200;
    private static final int MAX_ID_CHARS = 20;
    private static final int MAX_NAME_CHARS = 64;
    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    public ClientFrame decode(String frame) throws ProtocolException {
        String body = frame.stripLeading();
        if (body.startsWith("{")) {
            return decodeObject(parse(frame));
        }
        if (body.startsWith("[") && isJson(frame)) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "a frame must be a JSON object, not an array");
        }
        return new ClientFrame.Say(frame);
    }

    /** Encodes once; the caller hands the same frame to every recipient. */
    public Frame encode(ServerEvent event) {
        try {
            return Frame.of(mapper.writeValueAsString(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("server event cannot be encoded: " + event.type(), e);
        }
    }

    /**
     * A room event as a store keeps it, without its id (the store's order gives that): the same JSON as on the wire.
     */
    public String encodeForStore(ServerEvent.RoomEvent event) {
        return encode(event.withId(null)).text();
    }

    /**
     * The inverse of {@link #encodeForStore}, with the id the store gave the event.
     *
     * @throws IllegalArgumentException when the text is not a room event this version knows
     */
    public ServerEvent.RoomEvent decodeFromStore(String json, String id) {
        JsonNode node = stored(json);
        User user = user(node.path("user"));
        String room = node.path("room").asText();
        String ts = node.path("ts").asText();
        Integer count = node.hasNonNull("count") ? node.get("count").asInt() : null;
        return switch (node.path("type").asText()) {
            case "message" -> new ServerEvent.Message(room, ts, id, user, node.path("text").asText(),
                    node.hasNonNull("cid") ? node.get("cid").asText() : null,
                    node.path("removed").asBoolean(false) ? Boolean.TRUE : null);
            case "remove" -> new ServerEvent.Remove(room, ts, id, user(node.path("by")), node.path("message").asText());
            case "lost" -> new ServerEvent.Lost(room, ts, id, node.path("after").asText(),
                    node.path("through").asText());
            case "join" -> new ServerEvent.Join(room, ts, id, user, count);
            case "leave" -> new ServerEvent.Leave(room, ts, id, user, count);
            default -> throw new IllegalArgumentException("not a room event: " + clip(json));
        };
    }

    /**
     * A {@code typing} notice as {@link #encode} wrote it, carried between nodes.
     *
     * @throws IllegalArgumentException when the text is not such a notice
     */
    public ServerEvent.Typing decodeTyping(String json) {
        JsonNode node = stored(json);
        if (!"typing".equals(node.path("type").asText())) {
            throw new IllegalArgumentException("not a typing notice: " + clip(json));
        }
        return new ServerEvent.Typing(node.path("room").asText(), node.path("ts").asText(), user(node.path("user")));
    }

    /**
     * A user as a store keeps it (the JSON of the {@code user} field of events).
     *
     * @throws IllegalArgumentException when the text is not JSON
     */
    public User decodeUser(String json) {
        return user(stored(json));
    }

    /** JSON a store or another node kept or sent: not the client's, so malformed is a fault, not a refusal. */
    private JsonNode stored(String json) {
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + clip(json), e);
        }
    }

    private static User user(JsonNode node) {
        return new User(node.path("name").asText(), node.hasNonNull("address") ? node.get("address").asText() : null,
                node.path("verified").asBoolean(false) ? Boolean.TRUE : null,
                node.path("moderator").asBoolean(false) ? Boolean.TRUE : null,
                node.hasNonNull("kind") ? node.get("kind").asText() : null);
    }

    /** A sanction as {@link #encodeSanction} wrote it. @throws IllegalArgumentException when it is not one */
    public Sanction decodeSanction(String json) {
        try {
            return mapper.readValue(json, Sanction.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a sanction: " + clip(json), e);
        }
    }

    /** A sanction as a store keeps it and nodes send it to each other. */
    public String encodeSanction(Sanction sanction) {
        return json(sanction);
    }

    /** @throws IllegalArgumentException when the text is not a control notice */
    public ControlNotice decodeControl(String json) {
        try {
            return mapper.readValue(json, ControlNotice.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a control notice: " + clip(json), e);
        }
    }

    public String encodeAudit(AuditEntry entry) {
        return json(entry);
    }

    /** @throws IllegalArgumentException when the text is not an audit entry */
    public AuditEntry decodeAudit(String json) {
        try {
            return mapper.readValue(json, AuditEntry.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an audit entry: " + clip(json), e);
        }
    }

    /** Any value the chat itself built (an API answer, a stored record) as JSON. */
    public String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot be encoded: " + value.getClass().getSimpleName(), e);
        }
    }

    /** The mapper, for the server API's requests and answers. */
    public ObjectMapper mapper() {
        return mapper;
    }

    private static ClientFrame decodeObject(JsonNode node) throws ProtocolException {
        if (!node.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "a frame must be a JSON object");
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "a frame needs a string field 'type'");
        }
        switch (type.textValue()) {
            case "message" -> {
                JsonNode text = node.get("text");
                if (text == null || !text.isTextual()) {
                    throw new ProtocolException(ErrorCode.BAD_REQUEST, "a message needs a string field 'text'");
                }
                return new ClientFrame.Say(text.textValue(), cid(node.get("cid")));
            }
            case "typing" -> {
                return new ClientFrame.Typing();
            }
            case "remove" -> {
                return new ClientFrame.Remove(text(node, "message", MAX_ID_CHARS, true), reason(node));
            }
            case "mute", "unmute", "kick", "ban" -> {
                ClientFrame.Action action = ClientFrame.Action.valueOf(type.textValue().toUpperCase(Locale.ROOT));
                return new ClientFrame.Moderate(action, text(node, "name", MAX_NAME_CHARS, true), seconds(node),
                        reason(node));
            }
            default -> throw new ProtocolException(ErrorCode.BAD_REQUEST,
                    "unknown type '" + clip(type.textValue()) + "'");
        }
    }

    /** A string field of at most {@code max} characters; null when absent and optional. */
    private static String text(JsonNode node, String field, int max, boolean required) throws ProtocolException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new ProtocolException(ErrorCode.BAD_REQUEST, "a '" + node.get("type").textValue()
                        + "' needs a string field '" + field + "'");
            }
            return null;
        }
        if (!value.isTextual() || value.textValue().isEmpty() || value.textValue().length() > max) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST,
                    "'" + field + "' must be a string of 1 to " + max + " characters");
        }
        return value.textValue();
    }

    /** Optional: how long a mute or ban holds, 1 second to {@link #MAX_SECONDS}. */
    private static Long seconds(JsonNode node) throws ProtocolException {
        JsonNode value = node.get("seconds");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber() || value.longValue() < 1
                || value.longValue() > MAX_SECONDS) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST,
                    "'seconds' must be a whole number from 1 to " + MAX_SECONDS);
        }
        return value.longValue();
    }

    private static String reason(JsonNode node) throws ProtocolException {
        return text(node, "reason", MAX_REASON_CHARS, false);
    }

    /** Optional; when present, 1 to 64 characters of {@code A-Z a-z 0-9 _ -} (a UUID fits). */
    private static String cid(JsonNode cid) throws ProtocolException {
        if (cid == null || cid.isNull()) {
            return null;
        }
        if (!cid.isTextual() || !CID.matcher(cid.textValue()).matches()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "'cid' must be 1 to 64 of A-Z a-z 0-9 _ -");
        }
        return cid.textValue();
    }

    private JsonNode parse(String frame) throws ProtocolException {
        try {
            return mapper.readTree(frame);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "malformed JSON: " + clip(e.getOriginalMessage()));
        }
    }

    private boolean isJson(String frame) {
        try {
            mapper.readTree(frame);
            return true;
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    /** Client input echoed in a reason is cut short so an error never costs more than the frame that caused it. */
    public static String clip(String text) {
        return text.codePointCount(0, text.length()) <= 64 ? text : text.substring(0, text.offsetByCodePoints(0, 64)) + "…";
    }
}
