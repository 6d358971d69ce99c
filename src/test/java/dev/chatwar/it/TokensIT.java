package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.RawWebSocket;
import dev.chatwar.support.ServerLog;
import dev.chatwar.support.TestClient;
import dev.chatwar.support.Tokens;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Users of the operator's application, named by the tokens it signs ({@code CHAT_TOKEN_SECRET}): verified, their names
 * reserved, bad tokens refused before the upgrade with 401 and a reason, and an expiring token renewed without
 * anyone seeing the member leave and come back.
 */
@ExtendWith(ArquillianExtension.class)
class TokensIT {

    @Deployment(testable = false)
    static WebArchive withTokens() {
        return Deployments.chatWarWithSettings("chat-tokens.war", "CHAT_TOKEN_SECRET", Tokens.SECRET,
                "CHAT_PRIVATE_ROOMS", "team-*,staff", "CHAT_MAX_CONNECTIONS_PER_ADDRESS", "3");
    }

    @ArquillianResource
    URL base;

    private URI withToken(String room, String name, String token, String more) {
        return URI.create(chatUri(base, room, name) + "&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
                + more);
    }

    @Test
    void aTokensUserIsNamedVerifiedAndNoGuestCanTakeTheName() throws Exception {
        ServerLog log = ServerLog.fromNow();
        String token = Tokens.hs256("u-ann", "Ann Example", Duration.ofMinutes(5));
        try (TestClient ann = TestClient.connect(withToken("named", "ignored", token, ""), null);
             TestClient guest = TestClient.connect(chatUri(base, "named", "Ann Example"), null)) {
            JsonNode you = ann.next("welcome").path("you");
            assertEquals("Ann Example", you.path("name").asText(), "the token's name, not the name parameter");
            assertTrue(you.path("verified").asBoolean(), you.toString());
            JsonNode guestIs = guest.next("welcome").path("you");
            assertNotEquals("Ann Example", guestIs.path("name").asText(), "a guest cannot take a user's name");
            assertFalse(guestIs.path("verified").asBoolean());
        }
        assertFalse(log.text().contains(token.substring(token.lastIndexOf('.'))), "the token is never logged");
    }

    @Test
    void badTokensAreRefusedBeforeTheUpgradeWith401AndAReason() throws Exception {
        ServerLog log = ServerLog.fromNow();
        String expired = Tokens.sign(com.nimbusds.jose.JWSAlgorithm.HS256,
                Tokens.hmac(Tokens.SECRET.getBytes(StandardCharsets.UTF_8)),
                Tokens.claims(Map.of("sub", "u-old", "exp", Instant.now().minusSeconds(3600))));
        String forged = Tokens.sign(com.nimbusds.jose.JWSAlgorithm.HS256,
                Tokens.hmac("a-different-secret-of-32-bytes-!!".getBytes(StandardCharsets.UTF_8)),
                Tokens.claims(Map.of("sub", "u-mallory", "exp", Instant.now().plusSeconds(3600))));
        for (Map.Entry<String, String> bad : Map.of("expired", expired, "bad_signature", forged,
                "malformed", "not-a-token").entrySet()) {
            try (RawWebSocket refused = RawWebSocket.open(base, "room=named&token=" + bad.getValue(), true)) {
                assertEquals(401, refused.status(), bad.getKey());
                assertEquals("{\"error\":\"invalid_token\",\"reason\":\"" + bad.getKey() + "\"}", refused.body());
                assertTrue(String.valueOf(refused.header("WWW-Authenticate")).startsWith("Bearer"));
            }
        }
        try (TestClient guest = TestClient.connect(chatUri(base, "named", "guest"), null)) {
            assertEquals("guest", guest.next("welcome").path("you").path("name").asText(),
                    "without CHAT_TOKEN_REQUIRED, guests chat as before");
        }
        String logged = log.text();
        assertTrue(logged.contains("token expired") && logged.contains("token bad_signature"), logged);
        assertFalse(logged.contains("Exception") || logged.contains("\tat "), "no stack trace: " + logged);
    }

    /** The connection limit counts a token's user by its {@code sub}, and guests from the same address apart. */
    @Test
    void theConnectionLimitCountsATokensUserNotItsAddress() throws Exception {
        String token = Tokens.hs256("u-many", "many", Duration.ofMinutes(5));
        List<TestClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                TestClient tab = TestClient.connect(withToken("limits", null, token, ""), null);
                open.add(tab);
                assertEquals("many", tab.next("welcome").path("you").path("name").asText(), "tab " + i);
            }
            try (RawWebSocket fourth = RawWebSocket.open(base, "room=limits&token=" + token, true)) {
                assertEquals(429, fourth.status(), "the user's fourth connection, with the limit at 3");
            }
            try (TestClient guest = TestClient.connect(chatUri(base, "limits", "guest"), null)) {
                assertEquals("guest", guest.next("welcome").path("you").path("name").asText(),
                        "the address's own count is apart from the user's");
            }
        } finally {
            for (TestClient tab : open) {
                tab.close();
            }
        }
    }

    /** A private room admits a token whose {@code rooms} claim names it or its prefix; anyone else gets 403. */
    @Test
    void aPrivateRoomAdmitsOnlyTokensThatNameItAndShowsItsModerators() throws Exception {
        for (String refused : List.of("room=team-a&name=guest",
                "room=staff&token=" + Tokens.hs256("u-out", "outsider", Duration.ofMinutes(5)))) {
            try (RawWebSocket handshake = RawWebSocket.open(base, refused, true)) {
                assertEquals(403, handshake.status(), refused);
                assertEquals("{\"error\":\"forbidden\",\"reason\":\"private_room\"}", handshake.body());
            }
        }
        String member = Tokens.sign(com.nimbusds.jose.JWSAlgorithm.HS256,
                Tokens.hmac(Tokens.SECRET.getBytes(StandardCharsets.UTF_8)), Tokens.claims(Map.of("sub", "u-team",
                        "name", "Teamer", "exp", Instant.now().plusSeconds(300), "rooms", List.of("team-*"))));
        String moderator = Tokens.sign(com.nimbusds.jose.JWSAlgorithm.HS256,
                Tokens.hmac(Tokens.SECRET.getBytes(StandardCharsets.UTF_8)), Tokens.claims(Map.of("sub", "u-mod",
                        "name", "Mo", "exp", Instant.now().plusSeconds(300), "rooms", List.of("staff", "team-a"),
                        "mod", List.of("team-*"))));
        try (TestClient teamer = TestClient.connect(withToken("team-a", null, member, ""), null);
             TestClient mo = TestClient.connect(withToken("team-a", null, moderator, ""), null);
             TestClient staff = TestClient.connect(withToken("staff", null, moderator, ""), null)) {
            JsonNode teamerIs = teamer.next("welcome").path("you");
            assertEquals("Teamer", teamerIs.path("name").asText());
            assertTrue(teamerIs.path("moderator").isMissingNode(), "no moderator: " + teamerIs);
            JsonNode welcome = mo.next("welcome");
            assertTrue(welcome.path("you").path("moderator").asBoolean(), "the mod claim covers team-a: " + welcome);
            List<String> moderators = new ArrayList<>();
            welcome.path("members").forEach(m -> {
                if (m.path("moderator").asBoolean()) {
                    moderators.add(m.path("name").asText());
                }
            });
            assertEquals(List.of("Mo"), moderators, "the member list shows who moderates");
            assertFalse(staff.next("welcome").path("you").path("moderator").asBoolean(),
                    "admitted to staff, but it moderates team-* only");
        }
    }

    /**
     * The token runs out while connected: 4011. The page's way back: a new token, with {@code since} and
     * {@code resume}; what was said meanwhile arrives, and the other member sees no leave and no join.
     */
    @Test
    void anExpiredTokenClosesWith4011AndARenewedOneComesBackWithNothingMissedAndUnannounced() throws Exception {
        try (TestClient bob = TestClient.connect(chatUri(base, "renew", "bob"), null)) {
            bob.next("welcome");
            bob.next("join"); // his own
            String resume;
            String seen;
            try (TestClient ann = TestClient.connect(withToken("renew", null,
                    Tokens.hs256("u-ann", "ann", Duration.ofSeconds(2)), ""), null)) {
                resume = ann.next("welcome").path("resume").asText();
                ann.next("join"); // its own
                bob.next("join"); // hers
                ann.sendMessage("before");
                seen = ann.next("message").path("id").asText();
                assertEquals(4011, ann.awaitClose().getCloseCode().getCode(), "closed when its token expired");
            }
            bob.sendMessage("while she was away");
            try (TestClient back = TestClient.connect(withToken("renew", null,
                    Tokens.hs256("u-ann", "ann", Duration.ofMinutes(5)), "&since=" + seen + "&resume=" + resume),
                    null)) {
                JsonNode welcome = back.next("welcome");
                assertEquals("ann", welcome.path("you").path("name").asText());
                assertFalse(welcome.path("gap").asBoolean(), welcome.toString());
                List<String> missed = new ArrayList<>();
                welcome.path("history").forEach(m -> missed.add(m.path("text").asText()));
                assertTrue(missed.contains("while she was away"), "nothing missed: " + missed);
                back.sendMessage("back");
                List<String> atBob = new ArrayList<>();
                for (JsonNode frame = bob.next(); ; frame = bob.next()) {
                    atBob.add(frame.path("type").asText() + " " + frame.path("text").asText());
                    if (frame.path("text").asText().equals("back")) {
                        break;
                    }
                }
                assertEquals(List.of("message before", "message while she was away", "message back"), atBob,
                        "bob saw no leave and no join");
            }
        }
    }
}
