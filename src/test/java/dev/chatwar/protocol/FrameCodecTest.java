package dev.chatwar.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatwar.protocol.ServerEvent.Message;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FrameCodecTest {
    private final FrameCodec codec = new FrameCodec();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void messageObjectDecodesToSay() throws Exception {
        assertEquals(new ClientFrame.Say("hi 你好"), codec.decode("{\"type\":\"message\",\"text\":\"hi 你好\"}"));
    }

    @Test
    void unknownFieldsAreIgnoredSoClientsCanSendMoreLater() throws Exception {
        assertEquals(new ClientFrame.Say("hi"), codec.decode("{\"type\":\"message\",\"text\":\"hi\",\"extra\":[1]}"));
    }

    @Test
    void aCidTravelsWithTheMessage() throws Exception {
        assertEquals(new ClientFrame.Say("hi", "3f2a-B_9"),
                codec.decode("{\"type\":\"message\",\"text\":\"hi\",\"cid\":\"3f2a-B_9\"}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"\"", "42", "\"has space\"", "\"x<y\"", "\"0123456789012345678901234567890123456789012345678901234567890123456789\""})
    void aMalformedCidIsABadRequest(String cid) {
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> codec.decode("{\"type\":\"message\",\"text\":\"hi\",\"cid\":" + cid + "}"));
        assertEquals(ErrorCode.BAD_REQUEST, e.code());
    }

    @Test
    void typingDecodes() throws Exception {
        assertEquals(new ClientFrame.Typing(), codec.decode("{\"type\":\"typing\"}"));
    }

    @Test
    void clientCannotClaimAnIdentity() throws Exception {
        ClientFrame frame = codec.decode("{\"type\":\"message\",\"text\":\"hi\",\"user\":{\"name\":\"admin\"}}");
        assertEquals(new ClientFrame.Say("hi"), frame, "only the text is taken from the client");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello", "42", "\"quoted\"", "true", "null", "[smile] hi", "[1, 2", "  spaced  ", "大家好", "👋🏽"})
    void textThatIsNotAJsonObjectIsTheMessageTextWhole(String frame) throws Exception {
        assertEquals(new ClientFrame.Say(frame), codec.decode(frame));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1, 2, 3]", "  []", "{", "{\"type\":\"message\",\"text\":\"x\"", "{}", "{\"text\":\"x\"}",
            "{\"type\":7,\"text\":\"x\"}", "{\"type\":\"shout\",\"text\":\"x\"}", "{\"type\":\"message\"}",
            "{\"type\":\"message\",\"text\":null}", "{\"type\":\"message\",\"text\":[\"x\"]}",
            "{\"type\":\"message\",\"text\":\"x\"} {}", "{\"type\":\"message\",\"text\":\"x\"} junk"})
    void malformedJsonFramesAreBadRequests(String frame) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> codec.decode(frame));
        assertEquals(ErrorCode.BAD_REQUEST, e.code());
        assertTrue(!e.getMessage().isBlank());
    }

    @Test
    void deeplyNestedJsonIsABadRequestNotACrash() {
        String deep = "{\"type\":\"message\",\"text\":\"x\",\"a\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}";
        assertEquals(ErrorCode.BAD_REQUEST, assertThrows(ProtocolException.class, () -> codec.decode(deep)).code());
    }

    @Test
    void reasonsEchoAtMostAShortPieceOfClientInput() {
        String type = "t".repeat(10_000);
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> codec.decode("{\"type\":\"" + type + "\",\"text\":\"x\"}"));
        assertTrue(e.getMessage().length() < 120, e.getMessage());
    }

    @Test
    void serverEventsEncodeWithTypeRoomAndTsFirst() throws Exception {
        User bob = new User("bob", "127.0.0.1");
        String encoded = codec.encode(new Message("lobby", "2026-11-26T14:08:48.123Z", "17", bob, "hi")).text();
        assertEquals("{\"type\":\"message\",\"room\":\"lobby\",\"ts\":\"2026-11-26T14:08:48.123Z\",\"id\":\"17\","
                + "\"user\":{\"name\":\"bob\",\"address\":\"127.0.0.1\"},\"text\":\"hi\"}", encoded);
    }

    @Test
    void welcomeCarriesYouMembersAndHistory() throws Exception {
        User bob = new User("bob", "::1");
        Message said = new Message("r", "t0", "1", bob, "earlier");
        JsonNode welcome = json.readTree(
                codec.encode(new ServerEvent.Welcome("r", "t1", bob, List.of(bob), 1, List.of(said), null, null)).text());
        assertEquals("welcome", welcome.get("type").asText());
        assertEquals("bob", welcome.get("you").get("name").asText());
        assertEquals("::1", welcome.get("members").get(0).get("address").asText());
        assertEquals(1, welcome.get("count").asInt());
        assertEquals("earlier", welcome.get("history").get(0).get("text").asText());
        assertEquals("message", welcome.get("history").get(0).get("type").asText());
    }

    @Test
    void errorCodesAreLowerCaseWords() throws Exception {
        JsonNode error = json.readTree(codec.encode(new ServerEvent.Error("r", "t", ErrorCode.TOO_LONG, "why")).text());
        assertEquals("error", error.get("type").asText());
        assertEquals("too_long", error.get("code").asText());
        assertEquals("why", error.get("reason").asText());
    }

    @Test
    void hostileTextSurvivesARoundTripUnchanged() throws Exception {
        String hostile = "<img src=x onerror=alert(1)>\"\\\u0000\u202e";
        Frame encoded = codec.encode(new Message("r", "t", "1", new User("a", "b"), hostile));
        assertEquals(hostile, json.readTree(encoded.text()).get("text").asText());
        assertEquals(encoded.text().getBytes(java.nio.charset.StandardCharsets.UTF_8).length, encoded.bytes());
    }
}
