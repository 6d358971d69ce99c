package dev.chatwar.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

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
}
