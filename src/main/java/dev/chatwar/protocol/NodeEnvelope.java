package dev.chatwar.protocol;

/**
 * What nodes send each other on a room's channel: one line of text in a versioned envelope that names its kind and
 * the node it came from, {@code chat/1 <kind> <node> <payload>}. Like Phoenix.PubSub's tag on every message of its
 * Redis adapter, the version lets a node tell a line of another version from one of its own during a rolling upgrade.
 *
 * <p>Kinds of version 1:
 * <ul>
 *   <li>{@code event}: {@code <id> <json>}, a room event as the engine ordered it (JSON as {@link
 *       FrameCodec#encodeForStore} writes it, without its id);
 *   <li>{@code replaced}: {@code <resume key>}, a reconnect took over the place of the member with that token;
 *   <li>{@code signal}: {@code <json>}, a notice that takes no place in the room's order ({@code typing});
 *   <li>{@code control}: {@code <version> <json>}, on the chat's control channel: a moderation notice
 *       ({@link ControlNotice}) and the version of the change it tells of.
 * </ul>
 * Lines of the version before (no envelope: {@code <id> <json>}, {@code ctl replaced <key>}, {@code ctl signal
 * <json>}) are read too, with no node. Anything else is {@link Unreadable}: the reader logs it once, counts it, and
 * goes on with the next line. The Lua scripts that publish ({@code publish.lua}, {@code claim.lua}) are given the
 * head of their line from here, so this class alone knows the format.
 */
public final class NodeEnvelope {
    public static final String VERSION = "chat/1";
    private static final String EVENT = "event";
    private static final String REPLACED = "replaced";
    private static final String SIGNAL = "signal";
    private static final String CONTROL = "control";
    private static final String LEGACY_REPLACED = "ctl replaced ";
    private static final String LEGACY_SIGNAL = "ctl signal ";

    private NodeEnvelope() {
    }

    /** One line as read. */
    public sealed interface Line permits Event, Replaced, Signal, Control, Unreadable {
    }

    /** @param node the node that published it, or "" for a line of the version before */
    public record Event(String node, String id, String json) implements Line {
    }

    public record Replaced(String node, String resumeKey) implements Line {
    }

    public record Signal(String node, String json) implements Line {
    }

    public record Control(String node, long version, String json) implements Line {
    }

    /** @param what the line's version and kind as far as they could be read: what to log it once by */
    public record Unreadable(String what, String line) implements Line {
    }

    /** The head of an event line from {@code node}; the publishing script appends {@code <id> <json>}. */
    public static String eventHead(String node) {
        return VERSION + " " + EVENT + " " + node + " ";
    }

    /** The head of a takeover line from {@code node}; the claiming script appends the old resume key. */
    public static String replacedHead(String node) {
        return VERSION + " " + REPLACED + " " + node + " ";
    }

    public static String signal(String node, String json) {
        return VERSION + " " + SIGNAL + " " + node + " " + json;
    }

    /** The head of a control line from {@code node}; the script appends {@code <version> <json>}. */
    public static String controlHead(String node) {
        return VERSION + " " + CONTROL + " " + node + " ";
    }

    public static Line read(String line) {
        if (line.startsWith(VERSION + " ")) {
            String[] parts = line.split(" ", 4);
            if (parts.length < 4) {
                return new Unreadable(VERSION + " (cut short)", line);
            }
            String node = parts[2];
            String payload = parts[3];
            return switch (parts[1]) {
                case EVENT -> event(node, payload, line);
                case REPLACED -> new Replaced(node, payload);
                case SIGNAL -> new Signal(node, payload);
                case CONTROL -> control(node, payload, line);
                default -> new Unreadable(VERSION + " " + clip(parts[1]), line);
            };
        }
        if (line.startsWith(LEGACY_REPLACED)) {
            return new Replaced("", line.substring(LEGACY_REPLACED.length()));
        }
        if (line.startsWith(LEGACY_SIGNAL)) {
            return new Signal("", line.substring(LEGACY_SIGNAL.length()));
        }
        if (!line.isEmpty() && Character.isDigit(line.charAt(0))) {
            return event("", line, line);
        }
        int space = line.indexOf(' ');
        return new Unreadable(clip(space < 0 ? line : line.substring(0, space)), line);
    }

    private static Line control(String node, String payload, String line) {
        int space = payload.indexOf(' ');
        if (space <= 0 || space > 19 || !payload.chars().limit(space).allMatch(Character::isDigit)) {
            return new Unreadable(VERSION + " " + CONTROL + " (no version)", line);
        }
        return new Control(node, Long.parseLong(payload.substring(0, space)), payload.substring(space + 1));
    }

    private static Line event(String node, String payload, String line) {
        int space = payload.indexOf(' ');
        if (space <= 0 || !payload.chars().limit(space).allMatch(Character::isDigit)) {
            return new Unreadable(VERSION + " " + EVENT + " (no id)", line);
        }
        return new Event(node, payload.substring(0, space), payload.substring(space + 1));
    }

    private static String clip(String text) {
        return text.length() <= 32 ? text : text.substring(0, 32) + "…";
    }
}
