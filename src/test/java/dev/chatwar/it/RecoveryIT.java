package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.TestClient;
import java.net.URI;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code since} and {@code cid} through the real container. History is kept short here so it can be outrun. */
@ExtendWith(ArquillianExtension.class)
class RecoveryIT {

    @Deployment(testable = false)
    static WebArchive war() {
        return Deployments.chatWarWithSettings("chat.war", "CHAT_HISTORY_SIZE", "5");
    }

    @ArquillianResource
    URL base;

    private URI since(String room, String name, String id) {
        return URI.create(chatUri(base, room, name) + "&since=" + id);
    }

    private static List<String> texts(JsonNode history) {
        List<String> texts = new ArrayList<>();
        history.forEach(m -> texts.add(m.path("text").asText()));
        return texts;
    }

    private static List<String> say(TestClient client, String... texts) throws Exception {
        List<String> ids = new ArrayList<>();
        for (String text : texts) {
            client.sendMessage(text);
            ids.add(client.nextMatching(f -> f.path("type").asText().equals("message")).path("id").asText());
        }
        return ids;
    }

    @Test
    void sinceWithinHistoryGivesExactlyWhatWasMissed() throws Exception {
        try (TestClient alice = TestClient.join(chatUri(base, "since-in", "alice")).client()) {
            List<String> ids = say(alice, "one", "two", "three");
            try (TestClient back = TestClient.connect(since("since-in", "bob", ids.get(0)))) {
                JsonNode welcome = back.next("welcome");
                assertEquals(List.of("two", "three"), texts(welcome.path("history")));
                assertFalse(welcome.path("gap").asBoolean(true));
            }
            try (TestClient current = TestClient.connect(since("since-in", "carol", ids.get(2)))) {
                JsonNode welcome = current.next("welcome");
                assertEquals(List.of(), texts(welcome.path("history")));
                assertFalse(welcome.path("gap").asBoolean(true));
            }
        }
    }

    @Test
    void sinceBeyondHistoryOrUnknownSaysGap() throws Exception {
        try (TestClient alice = TestClient.join(chatUri(base, "since-out", "alice")).client()) {
            List<String> ids = say(alice, "1", "2", "3", "4", "5", "6", "7");
            for (String since : List.of(ids.get(0), "12345", "not-an-id")) {
                try (TestClient back = TestClient.connect(since("since-out", "bob", since))) {
                    JsonNode welcome = back.next("welcome");
                    assertTrue(welcome.path("gap").asBoolean(), since);
                    assertEquals(List.of("3", "4", "5", "6", "7"), texts(welcome.path("history")), since);
                }
            }
        }
    }

    @Test
    void aResentCidIsDeliveredOnceAndTheSenderGetsTheOriginal() throws Exception {
        String frame = "{\"type\":\"message\",\"text\":\"exactly once\",\"cid\":\"7f3e9c1a-0000-4000-8000-000000000001\"}";
        try (TestClient bob = TestClient.join(chatUri(base, "cid", "bob")).client()) {
            bob.next("join");
            String id;
            try (TestClient alice = TestClient.join(chatUri(base, "cid", "alice")).client()) {
                alice.send(frame);
                JsonNode first = alice.nextMatching(f -> f.path("type").asText().equals("message"));
                assertEquals("7f3e9c1a-0000-4000-8000-000000000001", first.path("cid").asText());
                id = first.path("id").asText();
            }
            try (TestClient again = TestClient.join(chatUri(base, "cid", "alice")).client()) {
                again.send(frame);
                JsonNode original = again.nextMatching(f -> f.path("type").asText().equals("message"));
                assertEquals(id, original.path("id").asText(), "the original event, not a new one");
                again.sendMessage("next");
                again.nextMatching(f -> f.path("text").asText().equals("next"));
            }
            List<String> seen = new ArrayList<>();
            for (JsonNode event = bob.next(); !event.path("text").asText().equals("next"); event = bob.next()) {
                if (event.path("type").asText().equals("message")) {
                    seen.add(event.path("text").asText());
                }
            }
            assertEquals(List.of("exactly once"), seen, "bob got it once");
        }
    }

    @Test
    void aReconnectWithTheResumeTokenTakesOverWhileTheOldConnectionStillLooksAlive() throws Exception {
        try (TestClient bob = TestClient.join(chatUri(base, "resume", "bob")).client()) {
            bob.next("join");
            TestClient.Joined stale = TestClient.join(chatUri(base, "resume", "alice"));
            try (TestClient old = stale.client()) {
                bob.next("join");
                String token = stale.welcome().path("resume").asText();
                assertEquals(22, token.length(), "128 random bits in base64url");
                URI resume = URI.create(chatUri(base, "resume", "alice") + "&resume=" + token);
                try (TestClient back = TestClient.connect(resume)) {
                    JsonNode welcome = back.next("welcome");
                    assertEquals("alice", welcome.path("you").path("name").asText(), "her own name, not alice (2)");
                    assertEquals(2, welcome.path("count").asInt(), "alice counted once");
                    assertEquals(4009, old.awaitClose().getCloseCode().getCode(), "the replaced connection");
                    back.sendMessage("still alice");
                    JsonNode next = bob.next();
                    assertEquals("message", next.path("type").asText(), "bob heard no leave or join: " + next);
                    assertEquals("alice", next.path("user").path("name").asText());
                }
                bob.next("leave"); // the member leaves once, when its last connection does
            }
            try (TestClient carol = TestClient.join(chatUri(base, "resume", "carol")).client()) {
                bob.next("join");
                carol.sendMessage("sentinel");
                assertEquals("sentinel", bob.next("message").path("text").asText(),
                        "the replaced connection's close announced nothing");
            }
        }
    }
}
