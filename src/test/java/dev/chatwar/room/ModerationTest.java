package dev.chatwar.room;

import static dev.chatwar.support.ChatClient.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chatwar.admission.ConnectionLimits;
import dev.chatwar.engine.InMemoryEngine;
import dev.chatwar.protocol.CloseCode;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.Sanction;
import dev.chatwar.protocol.User;
import dev.chatwar.support.ChatClient;
import dev.chatwar.support.Chats;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** Who a mute or ban holds, as the composition root wires it: an IPv6 guest by its /64, as the connection limits count. */
class ModerationTest {
    private final InMemoryEngine engine = Chats.inMemory(10);
    private final ChatService chat = new ChatService(new RoomRegistry(engine, new FrameCodec(), Clock.systemUTC(),
            Telemetry.NONE, 1000), engine, new FrameCodec(), Clock.systemUTC(), Chats.MAX_MESSAGE_CHARS,
            Telemetry.NONE, new ConnectionLimits(20, 1000, 64)::clientOf);
    private final User api = User.of(User.APPLICATION, "api");

    @Test
    void aBanOfAnIpv6GuestHoldsItsWholePrefixAndNothingBeyond() throws Exception {
        ChatClient guest = ChatClient.join(chat, JoinRequest.guest("r", "troll", "2001:db8::1"));
        guest.next("welcome");
        Sanction.Target target = chat.moderation().member("r", "troll").toCompletableFuture().join();
        assertEquals(new Sanction.Target(Sanction.Kind.ADDRESS, "2001:db8::/64"), target);
        chat.moderation().impose(Sanction.Type.BAN, "r", target, 60L, api, "spam").toCompletableFuture().join();
        assertEquals(CloseCode.BANNED, guest.connection.awaitClosed(WAIT));
        assertTrue(chat.moderation().banned("r", null, null, "2001:db8::beef").isPresent(), "a fresh address of the /64");
        assertFalse(chat.moderation().banned("r", null, null, "2001:db8:0:1::1").isPresent(), "the next /64");
        assertFalse(chat.moderation().banned("r", null, null, "192.0.2.1").isPresent());
    }

    @Test
    void aChatWideBanOfAUserClosesItInEveryRoomAndHoldsByItsIdentityWhateverItsAddress() throws Exception {
        ChatClient one = ChatClient.join(chat, new JoinRequest("a", null, "10.0.0.1", "Ann", null, null, "t:u-1",
                false));
        ChatClient two = ChatClient.join(chat, new JoinRequest("b", null, "10.0.0.2", "Ann", null, null, "t:u-1",
                false));
        one.next("welcome");
        two.next("welcome");
        chat.moderation().impose(Sanction.Type.BAN, Sanction.EVERY_ROOM, chat.moderation().user("u-1"), null, api,
                null).toCompletableFuture().join();
        assertEquals(CloseCode.BANNED, one.connection.awaitClosed(WAIT));
        assertEquals(CloseCode.BANNED, two.connection.awaitClosed(WAIT));
        assertTrue(chat.moderation().banned("elsewhere", "t:u-1", "Ann", "198.51.100.7").isPresent());
        assertFalse(chat.moderation().banned("elsewhere", "t:u-2", "Bea", "10.0.0.1").isPresent(),
                "another user at its old address");
    }

    @Test
    void theAuditTrailKeepsEachActionWithWhoWhatWhereAndWhy() throws Exception {
        ChatClient guest = ChatClient.join(chat, JoinRequest.guest("r", "noisy", "10.0.0.3"));
        guest.next("welcome");
        Sanction.Target target = chat.moderation().member("r", "noisy").toCompletableFuture().join();
        chat.moderation().impose(Sanction.Type.MUTE, "r", target, 30L, api, "caps lock").toCompletableFuture().join();
        chat.moderation().lift(Sanction.Type.MUTE, "r", target, api, null).toCompletableFuture().join();
        var trail = chat.moderation().auditTrail(10).toCompletableFuture().join();
        assertEquals("unmute", trail.get(0).action());
        assertEquals("mute", trail.get(1).action());
        assertEquals(java.util.List.of("api", "r", "address:10.0.0.3", "caps lock"), java.util.List.of(
                trail.get(1).by(), trail.get(1).room(), trail.get(1).target(), trail.get(1).reason()));
        assertTrue(trail.get(1).until() != null, "a mute for a time says until when");
    }

    @Test
    void aMemberABanHoldsGoesBeforeItsWelcomeEvenWhenItsHandshakeWasLetThrough() throws Exception {
        chat.moderation().impose(Sanction.Type.BAN, "r", chat.moderation().verifiedName("Mallory"), null, api, null)
                .toCompletableFuture().join();
        // The ban came after the handshake's check (or holds the name the engine gave, which the handshake could not
        // know): the chat service checks again once the member is in.
        ChatClient late = ChatClient.join(chat, new JoinRequest("r", null, "10.0.0.8", "Mallory", null, null,
                "t:u-9", false));
        assertEquals(CloseCode.BANNED, late.connection.awaitClosed(WAIT));
        assertTrue(late.connection.sent().isEmpty(), "no welcome: " + late.connection.sent());
        assertEquals(0, chat.memberCount());
    }
}
