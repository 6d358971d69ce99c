package dev.chatwar.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Rooms named exactly or by a prefix ending in {@code *}: private rooms, and a token's rooms and moderation. */
class RoomPatternsTest {

    @Test
    void namesMatchExactlyAndPrefixesMatchWhatStartsWithThem() {
        RoomPatterns rooms = RoomPatterns.parse(" team-*, staff ");
        assertTrue(rooms.matches("team-a"));
        assertTrue(rooms.matches("team-"));
        assertTrue(rooms.matches("staff"));
        assertFalse(rooms.matches("staff-room"), "a name is not a prefix");
        assertFalse(rooms.matches("Staff"), "room names are compared as they are");
        assertFalse(rooms.matches("lobby"));
        assertTrue(RoomPatterns.parse("*").matches("anything"));
        assertTrue(RoomPatterns.parse("").isEmpty());
        assertFalse(RoomPatterns.NONE.matches("lobby"));
    }

    @Test
    void aSettingWithSomethingElseIsRefusedAndATokensClaimSkipsIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RoomPatterns.parse("team-*, st*ff"));
        assertEquals("'st*ff' is neither a room name nor a prefix ending in *", e.getMessage());
        RoomPatterns claim = RoomPatterns.lenient(List.of("st*ff", "team-*"));
        assertEquals(List.of("team-*"), claim.entries());
        assertFalse(claim.matches("stuff"));
    }
}
