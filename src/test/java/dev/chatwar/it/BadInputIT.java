package dev.chatwar.it;

import static dev.chatwar.support.Deployments.chatUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatwar.support.Deployments;
import dev.chatwar.support.TestClient;
import jakarta.websocket.CloseReason;
import java.net.URL;
import java.util.stream.Stream;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every bad input gets its documented answer, the offender stays connected where the answer is an {@code error},
 * and a bystander in the same room sees nothing of it.
 */
@ExtendWith(ArquillianExtension.class)
class BadInputIT {

    @Deployment(testable = false)
    static WebArchive war() {
        return Deployments.chatWar();
    }

    @ArquillianResource
    URL base;

    static Stream<Arguments> refusedFrames() {
        return Stream.of(
                Arguments.of("x".repeat(2001), "too_long"),
                Arguments.of("{\"type\":\"message\",\"text\":\"" + "字".repeat(2001) + "\"}", "too_long"),
                Arguments.of("   ", "empty"),
                Arguments.of("{\"type\":\"message\",\"text\":\" \\n\\t \"}", "empty"),
                Arguments.of("[1, 2, 3]", "bad_request"),
                Arguments.of("{\"text\":\"no type\"}", "bad_request"),
                Arguments.of("{\"type\":\"shout\",\"text\":\"hi\"}", "bad_request"),
                Arguments.of("{\"type\":\"message\",\"text\":42}", "bad_request"),
                Arguments.of("{\"type\":\"message\"}", "bad_request"),
                Arguments.of("{\"type\":\"message\",\"text\":\"unterminated", "bad_request"),
                Arguments.of("{\"type\":\"message\",\"text\":\"x\"} trailing", "bad_request"));
    }

    @ParameterizedTest
    @MethodSource("refusedFrames")
    void refusedFrameGetsAnErrorEventAndTheRoomCarriesOn(String frame, String code) throws Exception {
        // A room of its own per case: the leave of an earlier case's offender, ordered after its close, must not
        // land in this case's room (several cases share a code).
        String room = "bad-" + code + "-" + Integer.toHexString(frame.hashCode());
        try (TestClient offender = TestClient.join(chatUri(base, room, "offender")).client();
             TestClient bystander = TestClient.join(chatUri(base, room, "bystander")).client()) {
            offender.next("join");
            offender.next("join");
            bystander.next("join");

            offender.send(frame);
            JsonNode error = offender.next("error");
            assertEquals(code, error.path("code").asText());
            assertTrue(error.path("reason").asText().length() > 0, "the reason explains the refusal");
            assertEquals(room, error.path("room").asText());

            offender.sendMessage("still here");
            assertEquals("still here", bystander.next("message").path("text").asText(),
                    "the bystander's next frame is the offender's next real message: it saw nothing of the refused one");
            assertEquals("still here", offender.next("message").path("text").asText());
        }
    }

    @Test
    void frameOverSixtyFourKibibytesClosesWith1009() throws Exception {
        assertClosedAndRoomCarriesOn("big", offender -> offender.send("x".repeat(64 * 1024 + 1)), 1009);
    }

    @Test
    void frameOverSixtyFourKibibytesOfMultiByteTextClosesWith1009() throws Exception {
        // 22,000 chars of 3 bytes each: under 64 Ki characters, over 64 KiB on the wire.
        assertClosedAndRoomCarriesOn("big-utf8", offender -> offender.send("字".repeat(22_000)), 1009);
    }

    @Test
    void binaryFrameClosesWith1003AndAReason() throws Exception {
        CloseReason reason = assertClosedAndRoomCarriesOn("binary", offender -> offender.sendBinary(new byte[] {1, 2}),
                1003);
        assertTrue(reason.getReasonPhrase().contains("binary"), reason.getReasonPhrase());
    }

    @ParameterizedTest
    @CsvSource({"room=bad%20room&name=x, room", "room=r123456789r123456789r123456789r123456789r123456789r123456789r1234, room",
            "room=caf%C3%A9, room", "room=ok&name=a%0Ab, name", "room=ok&name=a%E2%80%AEb, name",
            "room=ok&name=%3Cscript%3E, name", "room=ok&name=abcdefghijabcdefghijabcdefghijabc, name"})
    void invalidRoomOrNameClosesWith1008NamingTheParameter(String query, String parameter) throws Exception {
        URL target = new URL(base, "chat?" + query);
        try (TestClient refused = TestClient.connect(java.net.URI.create(target.toExternalForm().replaceFirst("^http", "ws")))) {
            CloseReason reason = refused.awaitClose();
            assertEquals(1008, reason.getCloseCode().getCode());
            assertTrue(reason.getReasonPhrase().startsWith(parameter + ":"), reason.getReasonPhrase());
        }
    }

    private interface Offence {
        void commit(TestClient offender) throws Exception;
    }

    private CloseReason assertClosedAndRoomCarriesOn(String room, Offence offence, int closeCode) throws Exception {
        try (TestClient offender = TestClient.join(chatUri(base, room, "offender")).client();
             TestClient bystander = TestClient.join(chatUri(base, room, "bystander")).client();
             TestClient friend = TestClient.join(chatUri(base, room, "friend")).client()) {
            // Up to the friend's join (the offender's may come after the bystander's welcome too: a join is
            // ordered after its member is listed, so a newcomer can see both; pages show it once).
            bystander.nextMatching(f -> f.path("type").asText().equals("join")
                    && f.path("user").path("name").asText().equals("friend"));
            offence.commit(offender);
            CloseReason reason = offender.awaitClose();
            assertEquals(closeCode, reason.getCloseCode().getCode(), reason.toString());
            assertEquals("offender", bystander.next("leave").path("user").path("name").asText());

            friend.sendMessage("carry on");
            assertEquals("carry on", bystander.next("message").path("text").asText());
            return reason;
        }
    }
}
