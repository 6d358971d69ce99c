package dev.chatwar.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"lobby", "a", "Room-1.test_2", "r123456789r123456789r123456789r123456789r123456789r123456789r123"})
    void validRoomsAreKept(String room) throws Exception {
        assertEquals(room, Names.room(room));
    }

    @Test
    void missingOrEmptyRoomIsTheLobby() throws Exception {
        assertEquals("lobby", Names.room(null));
        assertEquals("lobby", Names.room(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"has space", "café", "大厅", "a/b", "a\u0000b", "r123456789r123456789r123456789r123456789r123456789r123456789r1234"})
    void invalidRoomsAreRefusedNamingTheParameter(String room) {
        JoinRefusedException e = assertThrows(JoinRefusedException.class, () -> Names.room(room));
        assertTrue(e.getMessage().startsWith("room: "), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "小明", "김민준", "Ελένη", "أحمد", "Jean-Luc O.", "user_42", "नमस्ते",
            "abcdefghijabcdefghijabcdefghijab", "𠀀𠀁𠀂𠀃𠀄𠀅𠀆𠀇𠀈𠀉𠀊𠀋𠀌𠀍𠀎𠀏𠀐𠀑𠀒𠀓𠀔𠀕𠀖𠀗𠀘𠀙𠀚𠀛𠀜𠀝𠀞𠀟"})
    void lettersOfAnyScriptDigitsAndSomePunctuationAreNames(String name) throws Exception {
        assertEquals(name, Names.member(name, "10.0.0.1"));
    }

    @Test
    void namesAreTrimmed() throws Exception {
        assertEquals("alice", Names.member("  alice \t", "10.0.0.1"));
    }

    @Test
    void withoutANameTheAddressIsTheName() throws Exception {
        assertEquals("10.0.0.1", Names.member(null, "10.0.0.1"));
        assertEquals("::1", Names.member("   ", "::1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abcdefghijabcdefghijabcdefghijabc", "a\nb", "a\u0007b", "<b>", "a\u202eb", "a\u200bb",
            "alice@home", "😀", "a:b"})
    void otherCharactersAndOverlongNamesAreRefusedNamingTheParameter(String name) {
        JoinRefusedException e = assertThrows(JoinRefusedException.class, () -> Names.member(name, "10.0.0.1"));
        assertTrue(e.getMessage().startsWith("name: "), e.getMessage());
    }

    @Test
    void namesThatLookAlikeShareAKey() {
        assertEquals(Names.key("Alice"), Names.key("alice"));
        assertEquals(Names.key("alice"), Names.key("ａｌｉｃｅ"));
        assertNotEquals(Names.key("alice"), Names.key("alice2"));
    }
}
