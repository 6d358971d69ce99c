package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.ServerLog;
import dev.chatwar.support.TestClient;
import dev.chatwar.support.TestClient.Joined;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The seed's semantics and protocol v1, through the real WAR in a real container, with a real client. */
@ExtendWith(ArquillianExtension.class)
class ChatEndpointIT {

    /** The history test sends 103 messages at once, above the default rate limit. */
    @Deployment(testable = false)
    static WebArchive war() {
        return Deployments.chatWarWithSettings("chat.war", "CHAT_RATE_PER_SECOND", "100000", "CHAT_RATE_BURST", "100000");
    }

    @ArquillianResource
    URL base;

    @Test
    void joinMessageAndLeaveReachTheRightMembersSenderIncluded() throws Exception {
        try (TestClient alice = TestClient.connect(chatUri(base, "trio", "alice"))) {
            JsonNode welcome = alice.next("welcome");
            assertEquals("trio", welcome.path("room").asText());
            assertEquals("alice", welcome.path("you").path("name").asText());
            assertEquals("127.0.0.1", welcome.path("you").path("address").asText());
            assertEquals(List.of("alice"), names(welcome.path("members")));
            assertEquals(0, welcome.path("history").size());
            assertTrue(welcome.path("ts").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
            assertEquals("alice", alice.next("join").path("user").path("name").asText(), "the newcomer sees its own join");

            Joined bob = TestClient.join(chatUri(base, "trio", "bob"));
            assertEquals(List.of("alice", "bob"), names(bob.welcome().path("members")));
            Joined carol = TestClient.join(chatUri(base, "trio", "carol"));
            assertEquals("bob", alice.next("join").path("user").path("name").asText());
            assertEquals("carol", alice.next("join").path("user").path("name").asText());
            assertEquals("bob", bob.client().next("join").path("user").path("name").asText());
            assertEquals("carol", bob.client().next("join").path("user").path("name").asText());
            assertEquals("carol", carol.client().next("join").path("user").path("name").asText());

            bob.client().sendMessage("hello, room");
            for (TestClient member : List.of(alice, bob.client(), carol.client())) {
                JsonNode message = member.next("message");
                assertEquals("bob", message.path("user").path("name").asText());
                assertEquals("127.0.0.1", message.path("user").path("address").asText());
                assertEquals("hello, room", message.path("text").asText());
                assertEquals("trio", message.path("room").asText());
                assertTrue(message.hasNonNull("id") && message.hasNonNull("ts"));
            }

            carol.client().close();
            for (TestClient member : List.of(alice, bob.client())) {
                JsonNode leave = member.next("leave");
                assertEquals("carol", leave.path("user").path("name").asText());
            }
            bob.client().close();
            assertEquals("bob", alice.next("leave").path("user").path("name").asText());
        }
    }

    @Test
    void idsIncreaseInDeliveryOrder() throws Exception {
        try (TestClient alice = TestClient.join(chatUri(base, "ids", "alice")).client()) {
            long previous = Long.parseLong(alice.next("join").path("id").asText());
            for (int i = 0; i < 5; i++) {
                alice.sendMessage("m" + i);
                long id = Long.parseLong(alice.next("message").path("id").asText());
                assertTrue(id > previous, "ids increase: " + previous + " then " + id);
                previous = id;
            }
        }
    }

    @Test
    void newcomerReceivesTheLastHundredMessagesOldestFirst() throws Exception {
        try (TestClient alice = TestClient.join(chatUri(base, "history", "alice")).client()) {
            alice.next("join");
            for (int i = 1; i <= 103; i++) {
                alice.sendMessage("message " + i);
            }
            for (int i = 1; i <= 103; i++) {
                assertEquals("message " + i, alice.next("message").path("text").asText());
            }
            try (TestClient late = TestClient.connect(chatUri(base, "history", "late"))) {
                JsonNode history = late.next("welcome").path("history");
                assertEquals(100, history.size(), "CHAT_HISTORY_SIZE defaults to 100");
                for (int i = 0; i < 100; i++) {
                    assertEquals("message " + (i + 4), history.get(i).path("text").asText());
                    assertEquals("message", history.get(i).path("type").asText());
                    assertEquals("alice", history.get(i).path("user").path("name").asText());
                }
            }
        }
    }

    @Test
    void plainTextFrameIsAMessageAndUnicodeArrivesUnchanged() throws Exception {
        String chinese = "大家好，我是小明 👋🏽 ١٢٣";
        try (TestClient user = TestClient.join(chatUri(base, "unicode", "小明")).client()) {
            JsonNode join = user.next("join");
            assertEquals("小明", join.path("user").path("name").asText());

            user.send(chinese);
            assertEquals(chinese, user.next("message").path("text").asText());
            user.send("[smile] 42");
            assertEquals("[smile] 42", user.next("message").path("text").asText());
            user.sendMessage(chinese);
            assertEquals(chinese, user.next("message").path("text").asText());
        }
    }

    /**
     * The longest message allowed (2,000 code points) reaches the room unchanged, in any script. A container hands
     * such a frame over in parts (on Tomcat the chat sizes them to 256 characters, staged 512 bytes at a time), so
     * the parts' edges cut through three-byte characters and through surrogate pairs: nothing may be lost or
     * doubled there.
     */
    @Test
    void theLongestMessageArrivesWholeWhereverItsPartsAreCut() throws Exception {
        String longest = "a字😀".repeat(666) + "ab"; // 2,000 code points, 2,666 UTF-16 chars, 5,330 bytes of UTF-8
        assertEquals(2_000, longest.codePointCount(0, longest.length()));
        try (TestClient user = TestClient.join(chatUri(base, "longest", "long")).client()) {
            user.next("join");
            user.send(longest);
            assertEquals(longest, user.next("message").path("text").asText(), "as a plain text frame");
            user.sendMessage(longest);
            assertEquals(longest, user.next("message").path("text").asText(), "inside a message frame");
        }
    }

    /**
     * The chat lowers Tomcat's per-session receive buffers when it starts (ReceiveBuffers) and leaves other containers
     * alone; the start logs it. What the sizes save is measured by the benchmark (README, "Many connections").
     */
    @Test
    void onTomcatTheReceiveBuffersAreFittedAtStartAndNowhereElse() {
        boolean tomcat = "tomcat".equals(System.getProperty("arquillian.launch"));
        assertEquals(tomcat, ServerLog.wholeText()
                .contains("receive buffers per session: text in parts of 256 characters, 512 bytes staged"),
                "fitted on Tomcat only");
    }

    @Test
    void withoutANameTheAddressIsTheName() throws Exception {
        try (TestClient anonymous = TestClient.connect(chatUri(base, "anonymous", null))) {
            assertEquals("127.0.0.1", anonymous.next("welcome").path("you").path("name").asText());
        }
    }

    @Test
    void duplicateNamesGetASuffix() throws Exception {
        try (TestClient first = TestClient.join(chatUri(base, "twins", "alice")).client();
             TestClient second = TestClient.join(chatUri(base, "twins", "alice")).client();
             TestClient third = TestClient.join(chatUri(base, "twins", "ALICE")).client()) {
            assertEquals("alice", first.next("join").path("user").path("name").asText());
            assertEquals("alice (2)", first.next("join").path("user").path("name").asText());
            assertEquals("ALICE (3)", first.next("join").path("user").path("name").asText());
            second.sendMessage("who am I");
            assertEquals("alice (2)", third.nextMatching(f -> f.path("type").asText().equals("message"))
                    .path("user").path("name").asText());
        }
    }

    @Test
    void roomsDoNotSeeEachOthersTraffic() throws Exception {
        try (TestClient red = TestClient.join(chatUri(base, "red", "r")).client();
             TestClient blue = TestClient.join(chatUri(base, "blue", "b")).client()) {
            red.next("join");
            blue.next("join");
            red.sendMessage("only red");
            blue.sendMessage("only blue");
            assertEquals("only red", red.next("message").path("text").asText());
            assertEquals("only blue", blue.next("message").path("text").asText());
            // A leak would have been queued for red before blue's own copy arrived, so before red's next message.
            red.sendMessage("red again");
            assertEquals("red again", red.next("message").path("text").asText(), "red saw nothing of blue");
        }
    }

    private static List<String> names(JsonNode users) {
        List<String> names = new ArrayList<>();
        users.forEach(user -> names.add(user.path("name").asText()));
        return names;
    }
}
