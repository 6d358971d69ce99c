package dev.chatwar.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The lines nodes send each other: what each version's line reads as, and what cannot be read. */
class NodeEnvelopeTest {

    @Test
    void anEventLineNamesItsVersionKindAndNodeAndKeepsItsJsonWhole() {
        String line = NodeEnvelope.eventHead("n1") + "1765000000000001 {\"type\":\"message\",\"text\":\"a b\"}";
        assertEquals("chat/1 event n1 1765000000000001 {\"type\":\"message\",\"text\":\"a b\"}", line);
        assertEquals(new NodeEnvelope.Event("n1", "1765000000000001", "{\"type\":\"message\",\"text\":\"a b\"}"),
                NodeEnvelope.read(line));
    }

    @Test
    void takeoversAndSignalsRoundTrip() {
        assertEquals(new NodeEnvelope.Replaced("n2", "k123"), NodeEnvelope.read(NodeEnvelope.replacedHead("n2") + "k123"));
        assertEquals(new NodeEnvelope.Signal("n3", "{\"type\":\"typing\"}"),
                NodeEnvelope.read(NodeEnvelope.signal("n3", "{\"type\":\"typing\"}")));
    }

    @Test
    void aControlLineCarriesTheVersionOfItsChangeAndALineWithoutOneIsUnreadable() {
        assertEquals(new NodeEnvelope.Control("n4", 1796567873720056L, "{\"op\":\"kick\"}"),
                NodeEnvelope.read(NodeEnvelope.controlHead("n4") + "1796567873720056 {\"op\":\"kick\"}"));
        assertEquals(new NodeEnvelope.Unreadable("chat/1 control (no version)", "chat/1 control n4 {\"op\":\"kick\"}"),
                NodeEnvelope.read("chat/1 control n4 {\"op\":\"kick\"}"));
    }

    /** A rolling upgrade from the version before the envelope: its lines are still read, with no node. */
    @Test
    void linesOfTheVersionBeforeAreRead() {
        assertEquals(new NodeEnvelope.Event("", "42", "{\"x\":1}"), NodeEnvelope.read("42 {\"x\":1}"));
        assertEquals(new NodeEnvelope.Replaced("", "k9"), NodeEnvelope.read("ctl replaced k9"));
        assertEquals(new NodeEnvelope.Signal("", "{}"), NodeEnvelope.read("ctl signal {}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"chat/2 event n1 5 {}", "chat/1 kick n1 someone", "chat/1 event n1", "chat/1 event n1 x {}",
            "ctl forget everything", "", "garbage", "{\"type\":\"message\"}"})
    void anythingElseIsUnreadableNeverAnException(String line) {
        assertEquals(NodeEnvelope.Unreadable.class, NodeEnvelope.read(line).getClass(), line);
    }

    @Test
    void anUnreadableLineSaysWhatKindItWas() {
        assertEquals("chat/2", ((NodeEnvelope.Unreadable) NodeEnvelope.read("chat/2 event n1 5 {}")).what());
        assertEquals("chat/1 kick", ((NodeEnvelope.Unreadable) NodeEnvelope.read("chat/1 kick n1 x")).what());
    }
}
