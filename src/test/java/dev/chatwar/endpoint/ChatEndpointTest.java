package dev.chatwar.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChatEndpointTest {

    @Test
    void utf8LengthCheckIsExactAtTheLimit() {
        for (String unit : new String[] {"x", "é", "字", "😀"}) {
            int bytesPerUnit = unit.getBytes(StandardCharsets.UTF_8).length;
            int fits = ChatEndpoint.MAX_FRAME_BYTES / bytesPerUnit;
            String atLimit = unit.repeat(fits);
            String over = atLimit + unit;
            assertFalse(ChatEndpoint.utf8LengthExceeds(atLimit, ChatEndpoint.MAX_FRAME_BYTES), unit);
            assertTrue(ChatEndpoint.utf8LengthExceeds(over, ChatEndpoint.MAX_FRAME_BYTES), unit);
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
