package dev.chatwar.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.chatwar.transport.TextAssembler.Outcome;
import org.junit.jupiter.api.Test;

class TextAssemblerTest {

    @Test
    void aMessageInOnePartIsPassedOnAsItCame() {
        TextAssembler text = new TextAssembler(10);
        String frame = "{\"a\":1}";

        assertEquals(Outcome.WHOLE, text.add(frame, true));
        assertSame(frame, text.take());
    }

    @Test
    void partsAreJoinedInOrder() {
        TextAssembler text = new TextAssembler(10);

        assertEquals(Outcome.MORE, text.add("ab", false));
        assertEquals(Outcome.MORE, text.add("cd", false));
        assertEquals(Outcome.WHOLE, text.add("ef", true));
        assertEquals("abcdef", text.take());
        assertEquals(Outcome.WHOLE, text.add("next", true), "the next message starts afresh");
        assertEquals("next", text.take());
    }

    @Test
    void theLimitCountsBytesOfUtf8NotCharacters() {
        TextAssembler text = new TextAssembler(6);

        assertEquals(Outcome.WHOLE, text.add("字字", true), "6 bytes");
        assertEquals(Outcome.TOO_BIG, text.add("字字字", true), "9 bytes in 3 characters");
        assertEquals(Outcome.MORE, text.add("字", false));
        assertEquals(Outcome.TOO_BIG, text.add("字字", true), "9 bytes over two parts");
    }

    @Test
    void anOversizedMessageIsRefusedOnceWhileItArrivesAndItsRestIsDropped() {
        TextAssembler text = new TextAssembler(4);

        assertEquals(Outcome.MORE, text.add("abc", false));
        assertEquals(Outcome.TOO_BIG, text.add("def", false), "refused at the part that crosses the limit");
        assertEquals(Outcome.MORE, text.add("ghi", false), "the rest is dropped");
        assertEquals(Outcome.MORE, text.add("jkl", true));
        assertEquals(Outcome.WHOLE, text.add("ok", true), "the message after it is read normally");
        assertEquals("ok", text.take());
    }
}
