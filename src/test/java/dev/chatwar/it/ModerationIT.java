package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.support.Api;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.RawWebSocket;
import dev.chatwar.support.ServerLog;
import dev.chatwar.support.TestClient;
import dev.chatwar.support.Tokens;
import java.net.URI;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Moderation on a real container: moderators act in-band (their token's {@code mod} claim), the operator's backend
 * through the server API ({@code CHAT_API_KEY}), and each action reaches a second member as the README says.
 */
@ExtendWith(ArquillianExtension.class)
class ModerationIT {
    static final String KEY = "api-key-of-the-tests-0123456789abcdef";

    @Deployment(name = "moderated", testable = false)
    static WebArchive moderated() {
        return Deployments.chatWarWithSettings("chat-moderated.war", "CHAT_API_KEY", KEY,
                "CHAT_TOKEN_SECRET", Tokens.SECRET, "CHAT_API_RATE_PER_SECOND", "1000");
    }

    @Deployment(name = "plain", testable = false)
    static WebArchive plain() {
        return Deployments.chatWarWithSettings("chat-no-api.war");
    }

    @ArquillianResource
    @OperateOnDeployment("moderated")
    URL base;

    /** The next frame of this type, skipping others (joins and leaves come and go around what is tested). */
    private static JsonNode next(TestClient client, String type) throws InterruptedException {
        return client.nextMatching(frame -> type.equals(frame.path("type").asText()));
    }

    private Api.Answer api(String call, String json) throws Exception {
        return Api.call(base, KEY, call, json);
    }

    private URI as(String room, String token) {
        return URI.create(chatUri(base, room, "x") + "&token=" + token);
    }

    @Test
    void withoutAKeyTheApiIsOffAndEveryCallIs404(@ArquillianResource @OperateOnDeployment("plain") URL plain)
            throws Exception {
        assertEquals(404, Api.call(plain, KEY, "rooms", "{}").status());
        assertEquals(404, Api.call(plain, null, "publish", "{\"room\":\"r\",\"text\":\"hi\"}").status());
    }

    @Test
    void aMissingKeyIs401AWrongOne403AndTheKeyIsNeverLogged() throws Exception {
        ServerLog log = ServerLog.fromNow();
        Api.Answer missing = Api.call(base, null, "rooms", "{}");
        assertEquals(401, missing.status());
        assertEquals("unauthorized", missing.error());
        assertTrue(missing.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        Api.Answer wrong = Api.call(base, KEY + "x", "rooms", "{}");
        assertEquals(403, wrong.status());
        assertEquals("forbidden", wrong.error());
        assertFalse(wrong.body().toString().contains(KEY), "the answer does not repeat the key");
        assertEquals(200, api("ban", "{\"address\":\"192.0.2.1\",\"seconds\":1,\"reason\":\"log check\"}").status());
        assertFalse(log.text().contains(KEY.substring(8)), "no log line holds the key");
        assertTrue(log.text().contains("audit {"), "the ban is in the audit log");
        String metrics = dev.chatwar.support.Http.get(URI.create(base + "metrics")).body();
        assertTrue(metrics.matches("(?s).*chat_moderation_actions_total\\{action=\"ban\",?\\} [1-9].*"),
                "counted by action");
    }

    @Test
    void theApplicationPostsAsItselfABotOrASystemNoticeAndACidMakesRetriesIdempotent() throws Exception {
        try (TestClient member = TestClient.connect(chatUri(base, "posts", "ann"))) {
            next(member, "join");
            Api.Answer first = api("publish", "{\"room\":\"posts\",\"text\":\"order 17 shipped\",\"as\":\"bot\","
                    + "\"name\":\"Orders\",\"cid\":\"order-17\"}");
            assertEquals(200, first.status(), first.toString());
            assertFalse(first.result().path("duplicate").asBoolean());
            JsonNode seen = next(member, "message");
            assertEquals(first.result().path("id").asText(), seen.path("id").asText());
            assertEquals("Orders", seen.path("user").path("name").asText());
            assertEquals("bot", seen.path("user").path("kind").asText());
            Api.Answer retry = api("publish", "{\"room\":\"posts\",\"text\":\"order 17 shipped\",\"as\":\"bot\","
                    + "\"name\":\"Orders\",\"cid\":\"order-17\"}");
            assertTrue(retry.result().path("duplicate").asBoolean(), "a retry with the same cid");
            assertEquals(first.result().path("id").asText(), retry.result().path("id").asText());
            api("publish", "{\"room\":\"posts\",\"text\":\"maintenance at 22:00\",\"as\":\"system\"}");
            JsonNode notice = next(member, "message");
            assertEquals("system", notice.path("user").path("kind").asText(), "the retry was not delivered again");
            api("publish", "{\"room\":\"posts\",\"text\":\"hello from the shop\"}");
            assertEquals("application", next(member, "message").path("user").path("kind").asText());
        }
    }

    @Test
    void aModeratorRemovesAMessageEveryoneSeesItAndAReconnectWithSinceLearnsOfIt() throws Exception {
        String mod = Tokens.moderator("m-1", "Mo", "removals");
        try (TestClient mo = TestClient.connect(as("removals", mod));
             TestClient ann = TestClient.connect(chatUri(base, "removals", "ann"))) {
            JsonNode welcome = next(mo, "welcome");
            assertTrue(welcome.path("you").path("moderator").asBoolean(), welcome.toString());
            next(ann, "welcome");
            ann.sendMessage("spam spam");
            String spam = next(ann, "message").path("id").asText();
            String seenByMo = next(mo, "message").path("id").asText();
            assertEquals(spam, seenByMo);
            ann.close();
            mo.send("{\"type\":\"remove\",\"message\":\"" + spam + "\",\"reason\":\"spam\"}");
            JsonNode removal = next(mo, "remove");
            assertEquals(spam, removal.path("message").asText());
            assertEquals("Mo", removal.path("by").path("name").asText());
            try (TestClient back = TestClient.connect(URI.create(chatUri(base, "removals", "ann") + "&since=" + spam))) {
                JsonNode history = next(back, "welcome").path("history");
                assertEquals("remove", history.get(0).path("type").asText(), "what ann missed: the removal");
                assertEquals(spam, history.get(0).path("message").asText());
            }
            JsonNode events = api("history", "{\"room\":\"removals\"}").result().path("events");
            assertEquals(true, events.get(0).path("removed").asBoolean(), events.toString());
            assertFalse(events.toString().contains("spam spam"), "the text is gone: " + events);
        }
    }

    @Test
    void aMutedMemberGetsMutedWithTheTimeLeftAndStillReads() throws Exception {
        try (TestClient ann = TestClient.connect(chatUri(base, "mutes", "ann"));
             TestClient bob = TestClient.connect(chatUri(base, "mutes", "bob"))) {
            next(ann, "welcome");
            next(bob, "welcome");
            Api.Answer muted = api("mute", "{\"room\":\"mutes\",\"member\":\"ann\",\"seconds\":300}");
            assertEquals(200, muted.status(), muted.toString());
            ann.sendMessage("let me speak");
            JsonNode refused = next(ann, "error");
            assertEquals("muted", refused.path("code").asText());
            assertTrue(refused.path("seconds").asLong() > 200, refused.toString());
            api("publish", "{\"room\":\"mutes\",\"text\":\"still reading?\"}");
            assertEquals("still reading?", next(ann, "message").path("text").asText(), "a muted member still reads");
            assertEquals(200, api("unmute", "{\"room\":\"mutes\",\"member\":\"ann\"}").status());
            ann.sendMessage("thanks");
            assertEquals("thanks", bob.nextMatching(f -> f.path("text").asText().equals("thanks"))
                    .path("text").asText());
        }
    }

    @Test
    void aKickClosesWith4012AndABanRefusesTheNextHandshakeWith403() throws Exception {
        try (TestClient troll = TestClient.connect(chatUri(base, "bans", "troll"));
             TestClient ann = TestClient.connect(chatUri(base, "bans", "ann"))) {
            next(troll, "welcome");
            next(ann, "welcome");
            assertEquals(200, api("kick", "{\"room\":\"bans\",\"member\":\"troll\"}").status());
            assertEquals(4012, troll.awaitClose().getCloseCode().getCode());
            assertEquals("troll", ann.nextMatching(f -> f.path("type").asText().equals("leave"))
                    .path("user").path("name").asText());
        }
        String token = Tokens.hs256("u-troll", "Troll", java.time.Duration.ofMinutes(5));
        try (TestClient troll = TestClient.connect(as("bans", token))) {
            next(troll, "welcome");
            Api.Answer banned = api("ban", "{\"sub\":\"u-troll\",\"reason\":\"spam\"}");
            assertEquals(200, banned.status(), banned.toString());
            assertEquals(4013, troll.awaitClose().getCloseCode().getCode(), "closed at once, chat-wide");
        }
        try (RawWebSocket refused = RawWebSocket.open(base, "room=elsewhere&token=" + token, true)) {
            assertEquals(403, refused.status(), "a chat-wide ban outlives the reconnect");
            String body = refused.body();
            assertTrue(body.contains("\"banned\""), body);
        }
        JsonNode bans = api("bans", "{}").result().path("bans");
        assertTrue(bans.toString().contains("t:u-troll"), bans.toString());
        assertEquals(200, api("unban", "{\"sub\":\"u-troll\"}").status());
        try (TestClient back = TestClient.connect(as("elsewhere", token))) {
            assertEquals("Troll", next(back, "welcome").path("you").path("name").asText(), "unbanned");
        }
    }

    @Test
    void roomsMembersHistoryAuditAndABatchAnswer() throws Exception {
        try (TestClient ann = TestClient.connect(chatUri(base, "listed", "ann"))) {
            next(ann, "welcome");
            JsonNode rooms = api("rooms", "{\"limit\":1000}").result();
            assertTrue(rooms.path("rooms").toString().contains("{\"room\":\"listed\",\"members\":1}"),
                    rooms.toString());
            JsonNode members = api("members", "{\"room\":\"listed\"}").result();
            assertEquals(1, members.path("count").asInt());
            assertEquals("ann", members.path("members").get(0).path("name").asText());
            assertEquals(404, api("members", "{\"room\":\"never-used\"}").status());
            assertEquals("unknown_room", api("history", "{\"room\":\"never-used\"}").error());
            Api.Answer batch = api("batch", "{\"calls\":[{\"call\":\"publish\",\"room\":\"listed\",\"text\":\"one\"},"
                    + "{\"call\":\"publish\",\"room\":\"listed\"},{\"call\":\"nope\"},"
                    + "{\"call\":\"history\",\"room\":\"listed\",\"limit\":1}]}");
            assertEquals(200, batch.status(), batch.toString());
            JsonNode results = batch.result();
            assertEquals(4, results.size());
            assertTrue(results.get(0).path("result").has("id"));
            assertEquals(List.of("bad_request", "text", "400"), List.of(results.get(1).path("error").asText(),
                    results.get(1).path("field").asText(), results.get(1).path("status").asText()));
            assertEquals("unknown_call", results.get(2).path("error").asText());
            assertEquals("one", results.get(3).path("result").path("events").get(0).path("text").asText());
            assertEquals("one", next(ann, "message").path("text").asText());
            assertEquals(200, api("mute", "{\"room\":\"listed\",\"address\":\"192.0.2.9\",\"seconds\":1,"
                    + "\"reason\":\"audit check\"}").status());
            JsonNode audit = api("audit", "{\"limit\":5}").result().path("entries");
            assertTrue(audit.toString().contains("\"action\":\"mute\",\"by\":\"api\",\"room\":\"listed\","
                    + "\"target\":\"address:192.0.2.9\""), "the newest entries hold the mute: " + audit);
        }
    }

    @Test
    void hostileCallsGetTheirDocumentedAnswerAndTheChatCarriesOn() throws Exception {
        try (TestClient ann = TestClient.connect(chatUri(base, "hostile", "ann"))) {
            next(ann, "welcome");
            Map<String, String> wrong = Map.of(
                    "{\"room\":42,\"text\":\"x\"}", "room",
                    "{\"room\":\"../../etc\",\"text\":\"x\"}", "room",
                    "{\"room\":\"hostile\",\"text\":[\"x\"]}", "text",
                    "{\"room\":\"hostile\",\"text\":\"x\",\"admin\":true}", "admin",
                    "{\"room\":\"hostile\",\"text\":\"x\",\"cid\":\"no spaces allowed\"}", "cid");
            for (Map.Entry<String, String> call : wrong.entrySet()) {
                Api.Answer answer = api("publish", call.getKey());
                assertEquals(400, answer.status(), call.getKey() + " → " + answer);
                assertEquals(List.of("bad_request", call.getValue()), List.of(answer.error(),
                        answer.body().path("field").asText()), call.getKey());
            }
            assertEquals(400, api("publish", "{not json").status());
            assertEquals(400, api("publish", "[1,2]").status());
            assertEquals(413, api("publish", "{\"room\":\"hostile\",\"text\":\"" + "x".repeat(70_000) + "\"}")
                    .status());
            StringBuilder many = new StringBuilder("{\"calls\":[");
            for (int i = 0; i < 10_000; i++) {
                many.append(i == 0 ? "" : ",").append("{}");
            }
            Api.Answer tooMany = api("batch", many.append("]}").toString());
            assertEquals(List.of(400, "too_many_calls"), List.of(tooMany.status(), tooMany.error()));
            assertEquals(415, Api.call(base, "publish", "room=hostile&text=x",
                    Map.of("Authorization", "Bearer " + KEY), "application/x-www-form-urlencoded").status());
            assertEquals(405, Api.get(base, "rooms", KEY));
            assertEquals("unknown_call", api("drop-everything", "{}").error());
            Api.Answer cursor = api("rooms", "{\"cursor\":\"not-a-cursor\"}");
            assertEquals(List.of(400, "cursor"), List.of(cursor.status(), cursor.body().path("field").asText()));
            Api.Answer since = api("history", "{\"room\":\"hostile\",\"since\":\"9999999999999999999\"}");
            assertEquals(List.of(400, "since"), List.of(since.status(), since.body().path("field").asText()));
            assertEquals(400, api("ban", "{\"address\":\"192.0.2.1\",\"seconds\":-5}").status());
            assertEquals(400, api("ban", "{\"address\":\"192.0.2.1\",\"sub\":\"both\"}").status());
            ann.sendMessage("still here");
            assertEquals("still here", next(ann, "message").path("text").asText(), "the chat carried on");
        }
    }
}
