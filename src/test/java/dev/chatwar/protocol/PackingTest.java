package dev.chatwar.protocol;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** How large a packed frame may grow, by the kind of frame and by who writes it. */
class PackingTest {
    private static final int TOMCAT_BUFFER = 512;

    @Test
    void aClientThatDidNotAskForPackedFramesGetsOneEventPerFrame() {
        assertFalse(Packing.forClient(false, true, true, TOMCAT_BUFFER).packs());
        assertEquals(Packing.NONE, Packing.forClient(false, false, false, TOMCAT_BUFFER));
    }

    @Test
    void aBinaryFramePacksUpToTheClientLimitWhoeverWritesIt() {
        assertEquals(Packing.MAX_PACKED_BYTES, Packing.forClient(true, true, false, TOMCAT_BUFFER).maxBytes());
        assertEquals(Packing.MAX_PACKED_BYTES, Packing.forClient(true, true, true, TOMCAT_BUFFER).maxBytes());
    }

    /** The container's send path splits a text frame longer than its buffer; the chat's own write never does. */
    @Test
    void aTextFrameStaysWithinTheContainersBufferOnlyWhereTheContainerWritesIt() {
        assertEquals(TOMCAT_BUFFER - 64, Packing.forClient(true, false, false, TOMCAT_BUFFER).maxBytes());
        assertEquals(Packing.MAX_PACKED_BYTES, Packing.forClient(true, false, true, TOMCAT_BUFFER).maxBytes());
    }
}
