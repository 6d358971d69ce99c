package dev.chatwar.support;

import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EventIds;
import dev.chatwar.engine.InMemoryEngine;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.room.ChatService;
import dev.chatwar.room.Connection;
import dev.chatwar.room.JoinRefusedException;
import dev.chatwar.room.JoinRequest;
import dev.chatwar.room.Member;
import dev.chatwar.room.RoomRegistry;
import dev.chatwar.room.Telemetry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;

/** Chat nodes as the composition root builds them, for tests that need no container. */
public final class Chats {
    /** The message length limit of test chats. */
    public static final int MAX_MESSAGE_CHARS = 20;
    /** The resend window of test engines: the default's. */
    public static final Duration RESEND_WINDOW = Duration.ofMinutes(10);

    private Chats() {
    }

    /** An in-memory engine keeping {@code historySize} messages per room, for up to 100 rooms. */
    public static InMemoryEngine inMemory(int historySize) {
        return new InMemoryEngine(historySize, 100, new EventIds(Clock.systemUTC()), RESEND_WINDOW,
                Clock.systemUTC());
    }

    /** One chat node on {@code engine} whose rooms fan out each event on the thread that delivers it. */
    public static ChatService node(Engine engine, int presenceLimit) {
        return node(engine, presenceLimit, Runnable::run);
    }

    /**
     * Joins and waits for the admission (at once with the in-memory engine).
     *
     * @return the member, or null when the engine could not enter it
     */
    public static Member join(ChatService chat, JoinRequest request, Connection connection)
            throws JoinRefusedException {
        return chat.admit(request, connection).toCompletableFuture().join();
    }

    /** One chat node on {@code engine} whose rooms' rounds run on {@code rounds}. */
    public static ChatService node(Engine engine, int presenceLimit, Executor rounds) {
        Clock clock = Clock.systemUTC();
        FrameCodec codec = new FrameCodec();
        RoomRegistry rooms = new RoomRegistry(engine, codec, clock, Telemetry.NONE, presenceLimit, room -> rounds);
        return new ChatService(rooms, engine, codec, clock, MAX_MESSAGE_CHARS, Telemetry.NONE);
    }
}
