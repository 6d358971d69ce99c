package dev.chatwar.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.protocol.Frame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SessionTransportTest {

    @Test
    void utf8LengthIsExact() {
        for (String text : new String[] {"", "x", "é", "字", "😀", "a字😀é\u0000", "\uffff"}) {
            assertEquals(text.getBytes(StandardCharsets.UTF_8).length, Frame.utf8Length(text), text);
        }
    }

    @Test
    void closeReasonsAreCutToOneHundredTwentyThreeBytesOnACharacterBoundary() {
        String reason = "名".repeat(100);
        String clipped = SessionTransport.clip(reason);
        assertTrue(clipped.getBytes(StandardCharsets.UTF_8).length <= 123);
        assertEquals(41, clipped.length());
        assertEquals("short", SessionTransport.clip("short"));
    }
}
