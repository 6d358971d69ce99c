package dev.chatwar.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.engine.Engine;
import dev.chatwar.protocol.ErrorCode;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.Sanction;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.protocol.Timestamps;
import dev.chatwar.protocol.User;
import dev.chatwar.room.JoinRefusedException;
import dev.chatwar.room.Moderation;
import dev.chatwar.room.Names;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The server API's calls, each a JSON object of parameters in and a JSON value out; the README lists them with an
 * example each. Every parameter is checked before anything happens: a wrong type, a value out of range or a field the
 * call does not know is a 400 that names the field.
 */
final class ApiCalls {
    private static final Pattern CID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern ID = Pattern.compile("[0-9]{1,19}");
    private static final Set<String> TARGETS = Set.of("member", "sub", "name", "address");
    static final int MAX_PAGE = 1_000;

    private final Moderation moderation;
    private final Engine engine;
    private final FrameCodec codec;
    private final int historySize;

    ApiCalls(Moderation moderation, Engine engine, FrameCodec codec, int historySize) {
        this.moderation = moderation;
        this.engine = engine;
        this.codec = codec;
        this.historySize = historySize;
    }

    /**
     * Runs one call.
     *
     * @param by who calls: the application's key ({@code api}) or a container login, as audits show it
     * @throws ApiError for a call or parameter that is not right; the stage fails with one for what the chat refused
     */
    CompletionStage<Object> call(String name, JsonNode params, User by) {
        Params p = new Params(params);
        return switch (name) {
            case "publish" -> publish(p.only("room", "text", "cid", "as", "name"));
            case "remove" -> p.only("room", "message", "reason").then(() -> moderation.remove(p.room(),
                    p.string("message", true, 19, ID), by, p.reason()).thenApply(event -> Map.of("id", event.id())));
            case "mute", "ban" -> {
                Sanction.Type type = name.equals("mute") ? Sanction.Type.MUTE : Sanction.Type.BAN;
                p.only("room", "member", "sub", "name", "address", "seconds", "reason");
                String room = type == Sanction.Type.MUTE ? p.room() : p.roomOrEvery();
                Long seconds = p.seconds();
                String reason = p.reason();
                yield target(p, room).thenCompose(target -> moderation.impose(type, room, target, seconds, by, reason))
                        .thenApply(sanction -> view(sanction));
            }
            case "unmute", "unban" -> {
                Sanction.Type type = name.equals("unmute") ? Sanction.Type.MUTE : Sanction.Type.BAN;
                p.only("room", "member", "sub", "name", "address", "reason");
                String room = type == Sanction.Type.MUTE ? p.room() : p.roomOrEvery();
                String reason = p.reason();
                yield target(p, room).thenCompose(target -> moderation.lift(type, room, target, by, reason))
                        .thenApply(held -> Map.of());
            }
            case "kick" -> {
                p.only("room", "member", "sub", "name", "address", "reason");
                String room = p.room();
                String reason = p.reason();
                yield target(p, room, true).thenCompose(target -> moderation.kick(room, target, by, reason))
                        .thenApply(done -> Map.of());
            }
            case "bans", "mutes" -> p.only().then(() -> CompletableFuture.completedFuture(Map.of(name,
                    moderation.list(name.equals("bans") ? Sanction.Type.BAN : Sanction.Type.MUTE).stream()
                            .map(ApiCalls::view).toList())));
            case "rooms" -> p.only("cursor", "limit").then(() -> engine.rooms(p.string("cursor", false, 64, null),
                    p.integer("limit", 1, MAX_PAGE, 100)).exceptionally(failure -> {
                        if (failure instanceof IllegalArgumentException
                                || failure.getCause() instanceof IllegalArgumentException) {
                            throw ApiError.badRequest("cursor", "not a cursor a page of this chat gave");
                        }
                        throw failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
                    }).thenApply(page -> {
                        Map<String, Object> answer = new LinkedHashMap<>();
                        answer.put("rooms", page.rooms());
                        answer.put("next", page.next());
                        return answer;
                    }));
            case "members" -> p.only("room").then(() -> known(p.room()).thenApply(snapshot -> Map.of(
                    "count", snapshot.count(), "members", snapshot.members())));
            case "history" -> history(p.only("room", "since", "limit"));
            case "audit" -> p.only("limit").then(() -> moderation.auditTrail(p.integer("limit", 1, MAX_PAGE, 100))
                    .thenApply(entries -> Map.of("entries", entries)));
            default -> throw new ApiError(404, "unknown_call", "no call '" + FrameCodec.clip(name) + "'", null);
        };
    }

    private CompletionStage<Object> publish(Params p) {
        String room = p.room();
        String text = p.string("text", true, 1_000_000, null);
        String cid = p.string("cid", false, 64, CID);
        String as = p.string("as", false, 16, null);
        String name = p.string("name", false, 64, null);
        User user;
        if (as == null || as.equals(User.APPLICATION)) {
            user = User.of(User.APPLICATION, name == null ? "app" : memberName(name));
        } else if (as.equals(User.BOT)) {
            if (name == null) {
                throw ApiError.badRequest("name", "a bot needs a name");
            }
            user = User.of(User.BOT, memberName(name));
        } else if (as.equals(User.SYSTEM)) {
            user = User.of(User.SYSTEM, "system");
        } else {
            throw ApiError.badRequest("as", "expected application, bot or system");
        }
        return moderation.publish(room, text, cid, user).thenApply(outcome -> {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("id", outcome.event().id());
            answer.put("duplicate", outcome.duplicate());
            return answer;
        });
    }

    private CompletionStage<Object> history(Params p) {
        String room = p.room();
        String since = p.string("since", false, 19, ID);
        if (since != null && !fitsLong(since)) {
            throw ApiError.badRequest("since", "'since' is an id: a whole number below 2^63");
        }
        int limit = p.integer("limit", 1, Math.max(1, historySize), Math.max(1, historySize));
        return known(room).thenApply(snapshot -> {
            List<RoomEvent> events = snapshot.history();
            Boolean gap = null;
            if (since != null) {
                long after = Long.parseLong(since);
                gap = events.stream().noneMatch(event -> Long.parseLong(event.id()) == after);
                if (!gap) {
                    events = events.stream().filter(event -> Long.parseLong(event.id()) > after).toList();
                }
            }
            List<RoomEvent> newest = events.subList(Math.max(0, events.size() - limit), events.size());
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("events", newest);
            if (gap != null) {
                answer.put("gap", gap);
            }
            return answer;
        });
    }

    /** The room's snapshot; 404 {@code unknown_room} when nobody is in it and the chat remembers nothing of it. */
    private CompletionStage<Engine.Snapshot> known(String room) {
        return engine.snapshot(room, Integer.MAX_VALUE).thenApply(snapshot -> {
            if (snapshot.unknown()) {
                throw new ApiError(404, "unknown_room", "no room '" + room + "' in this chat", "room");
            }
            return snapshot;
        });
    }

    /** Exactly one of {@code member} (a name in the room), {@code sub}, {@code name} (verified) or {@code address}. */
    private CompletionStage<Sanction.Target> target(Params p, String room) {
        return target(p, room, false);
    }

    /** @param kick a member is then its name in the room (a kick reaches that name only), else its sanction target */
    private CompletionStage<Sanction.Target> target(Params p, String room, boolean kick) {
        List<String> given = new ArrayList<>();
        for (String field : TARGETS) {
            if (p.node.has(field)) {
                given.add(field);
            }
        }
        if (given.size() != 1) {
            throw ApiError.badRequest(given.isEmpty() ? "member" : given.get(1),
                    "give exactly one of member, sub, name or address");
        }
        String field = given.get(0);
        String value = p.string(field, true, field.equals("sub") ? 255 : 64, null);
        return switch (field) {
            case "member" -> {
                if (Sanction.EVERY_ROOM.equals(room)) {
                    throw ApiError.badRequest("member", "a member is named in a room: give room too");
                }
                yield kick ? moderation.named(room, value) : moderation.member(room, value);
            }
            case "sub" -> CompletableFuture.completedFuture(moderation.user(value));
            case "name" -> CompletableFuture.completedFuture(moderation.verifiedName(value));
            default -> CompletableFuture.completedFuture(moderation.address(value));
        };
    }

    private static boolean fitsLong(String digits) {
        try {
            Long.parseLong(digits);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String memberName(String name) {
        try {
            return Names.member(name, "-");
        } catch (JoinRefusedException e) {
            throw ApiError.badRequest("name", e.getMessage());
        }
    }

    /** A sanction as the API shows it, with ISO times. */
    static Map<String, Object> view(Sanction sanction) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("type", sanction.type().word());
        view.put("room", sanction.room());
        view.put("target", Map.of(sanction.target().kind().word(), sanction.target().value()));
        view.put("until", sanction.until() == null ? null : Timestamps.format(Instant.ofEpochMilli(sanction.until())));
        view.put("by", sanction.by());
        if (sanction.reason() != null) {
            view.put("reason", sanction.reason());
        }
        view.put("at", Timestamps.format(Instant.ofEpochMilli(sanction.at())));
        return view;
    }

    /** HTTP status for what the chat refused. */
    static int status(ErrorCode code) {
        return switch (code) {
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case RATE_LIMITED -> 429;
            case UNAVAILABLE -> 503;
            default -> 400;
        };
    }


    /** A call's parameters, read and checked one field at a time. */
    private static final class Params {
        final JsonNode node;

        Params(JsonNode node) {
            this.node = node;
        }

        /** Refuses any field but these. */
        Params only(String... fields) {
            Set<String> known = Set.of(fields);
            for (var names = node.fieldNames(); names.hasNext(); ) {
                String field = names.next();
                if (!known.contains(field) && !field.equals("call")) {
                    throw ApiError.badRequest(FrameCodec.clip(field), "unknown field '" + FrameCodec.clip(field) + "'");
                }
            }
            return this;
        }

        CompletionStage<Object> then(java.util.function.Supplier<CompletionStage<?>> call) {
            @SuppressWarnings("unchecked")
            CompletionStage<Object> stage = (CompletionStage<Object>) call.get();
            return stage;
        }

        String room() {
            String raw = string("room", true, 64, null);
            try {
                return Names.room(raw);
            } catch (JoinRefusedException e) {
                throw ApiError.badRequest("room", e.getMessage());
            }
        }

        /** A room, or the whole chat when absent. */
        String roomOrEvery() {
            return node.has("room") ? room() : Sanction.EVERY_ROOM;
        }

        String reason() {
            return string("reason", false, FrameCodec.MAX_REASON_CHARS, null);
        }

        Long seconds() {
            JsonNode value = node.get("seconds");
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 1
                    || value.longValue() > FrameCodec.MAX_SECONDS) {
                throw ApiError.badRequest("seconds", "a whole number from 1 to " + FrameCodec.MAX_SECONDS);
            }
            return value.longValue();
        }

        String string(String field, boolean required, int max, Pattern pattern) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                if (required) {
                    throw ApiError.badRequest(field, "'" + field + "' is required");
                }
                return null;
            }
            if (!value.isTextual() || value.textValue().isEmpty() || value.textValue().length() > max
                    || pattern != null && !pattern.matcher(value.textValue()).matches()) {
                throw ApiError.badRequest(field, "'" + field + "' must be a string of 1 to " + max + " characters"
                        + (pattern == null ? "" : " matching " + pattern.pattern()));
            }
            return value.textValue();
        }

        int integer(String field, int min, int max, int absent) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                return absent;
            }
            if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < min
                    || value.intValue() > max) {
                throw ApiError.badRequest(field, "'" + field + "' must be a whole number from " + min + " to " + max);
            }
            return value.intValue();
        }
    }
}
