package dev.chatwar.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A joined frame's text and bytes, made lazily from its parts, say the same thing whichever is asked for first. */
class FrameTest {
    private static final List<Frame> PARTS = List.of(
            Frame.of("{\"type\":\"message\",\"text\":\"plain\"}"),
            Frame.of("{\"type\":\"message\",\"text\":\"你好 — 😀\"}"),
            Frame.of(""),
            Frame.of("{\"type\":\"leave\"}"));
    private static final String JOINED = String.join("\n", PARTS.stream().map(Frame::text).toList());

    @Test
    void aJoinedFramesBytesAreThePartsBytesOnePerLine() {
        Frame joined = Frame.join(List.copyOf(PARTS));

        assertArrayEquals(JOINED.getBytes(StandardCharsets.UTF_8), joined.utf8(), "bytes asked for first");
        assertEquals(JOINED, joined.text());
        assertEquals(joined.utf8().length, joined.bytes(), "the size on the wire is exact");
        assertEquals(4, joined.events());
    }

    @Test
    void aJoinedFramesTextIsThePartsTextOnePerLine() {
        Frame joined = Frame.join(List.copyOf(PARTS));

        assertEquals(JOINED, joined.text(), "text asked for first");
        assertArrayEquals(JOINED.getBytes(StandardCharsets.UTF_8), joined.utf8());
    }

    @Test
    void framesJoinedAgainJoinTheirParts() {
        Frame firstTwo = Frame.join(PARTS.subList(0, 2));
        Frame lastTwo = Frame.join(PARTS.subList(2, 4));

        Frame all = Frame.join(List.of(firstTwo, lastTwo));

        assertArrayEquals(JOINED.getBytes(StandardCharsets.UTF_8), all.utf8());
        assertEquals(JOINED, all.text());
        assertEquals(4, all.events());
    }

    @Test
    void membersAtTheSamePointShareOneJoinedFrame() {
        Frame once = Frame.join(List.copyOf(PARTS));

        assertSame(once, Frame.join(List.copyOf(PARTS)));
        assertSame(once.utf8(), Frame.join(List.copyOf(PARTS)).utf8(), "encoded once, not once per member");
    }

    @Test
    void aFrameOfOnePartIsThatPart() {
        assertSame(PARTS.get(1), Frame.join(PARTS.subList(1, 2)));
    }

    /** RFC 6455, 5.2: FIN, the opcode, no mask, the payload length in 7 bits or 7+16 or 7+64, then the payload. */
    @Test
    void aFramesWireFormIsOneUnmaskedWebSocketFrameAtEveryLengthBoundary() {
        for (int length : new int[] {0, 1, 125, 126, 127, 65_535, 65_536, 70_000}) {
            String text = "é".repeat(length / 2) + "x".repeat(length % 2); // 2 bytes each, so length bytes in all
            Frame frame = Frame.of(text);
            for (boolean binary : new boolean[] {false, true}) {
                byte[] wire = frame.wire(binary);
                assertEquals(binary ? 0x82 : 0x81, wire[0] & 0xFF, "FIN and the opcode, " + length + " bytes");
                assertEquals(0, wire[1] & 0x80, "a server's frame is not masked");
                int header;
                long declared;
                if ((wire[1] & 0x7F) < 126) {
                    header = 2;
                    declared = wire[1] & 0x7F;
                } else if ((wire[1] & 0x7F) == 126) {
                    header = 4;
                    declared = ((wire[2] & 0xFF) << 8) | (wire[3] & 0xFF);
                    assertTrue(declared >= 126, "the shortest form is used");
                } else {
                    header = 10;
                    declared = 0;
                    for (int i = 2; i < 10; i++) {
                        declared = (declared << 8) | (wire[i] & 0xFF);
                    }
                    assertTrue(declared > 65_535, "the shortest form is used");
                }
                assertEquals(length, declared, "the declared length");
                assertArrayEquals(frame.utf8(), Arrays.copyOfRange(wire, header, wire.length), "then the payload");
                assertSame(wire, frame.wire(binary), "made once, shared by every recipient");
            }
        }
    }
}
