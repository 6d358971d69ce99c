package dev.chatwar.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A moderation notice every node hears on the chat's control channel: a sanction imposed ({@code impose}, with the
 * sanction) or lifted ({@code lift}, with its key), or a kick ({@code kick}, with room and target).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ControlNotice(String op, Sanction sanction, String key, String room, Sanction.Target target) {
    public static final String IMPOSE = "impose";
    public static final String LIFT = "lift";
    public static final String KICK = "kick";

    public static ControlNotice imposed(Sanction sanction) {
        return new ControlNotice(IMPOSE, sanction, null, null, null);
    }

    public static ControlNotice lifted(String key) {
        return new ControlNotice(LIFT, null, key, null, null);
    }

    public static ControlNotice kick(String room, Sanction.Target target) {
        return new ControlNotice(KICK, null, null, room, target);
    }
}
