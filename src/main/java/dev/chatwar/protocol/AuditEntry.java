package dev.chatwar.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One moderation action as the audit trail keeps it: logged on one line, counted by action, and kept chat-wide.
 *
 * @param action {@code remove}, {@code mute}, {@code unmute}, {@code kick}, {@code ban} or {@code unban}
 * @param by     who acted: a moderator's name, or the application ({@code api}, or its container login)
 * @param room   the room, or {@code *} for the whole chat
 * @param target what it acted on: {@code message:<id>}, or a sanction's target ({@code user:t:42}, {@code name:bob},
 *               {@code address:203.0.113.7})
 * @param until  when a mute or ban ends (ISO-8601), or null
 * @param reason why, as given, or null
 * @param at     when (ISO-8601)
 */
@JsonPropertyOrder({"at", "action", "by", "room", "target", "until", "reason"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEntry(String action, String by, String room, String target, String until, String reason,
                         String at) {
}
