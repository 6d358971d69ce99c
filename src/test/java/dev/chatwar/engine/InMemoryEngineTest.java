package dev.chatwar.engine;

import dev.chatwar.support.Chats;
import java.time.Clock;

class InMemoryEngineTest extends EngineContract {
    private InMemoryEngine shared = fresh();

    private static InMemoryEngine fresh() {
        return new InMemoryEngine(HISTORY, 100, new EventIds(Clock.systemUTC()), Chats.RESEND_WINDOW,
                Clock.systemUTC());
    }

    @Override
    protected Engine newNode() {
        return shared;
    }

    @Override
    protected void wipe() {
        shared = fresh();
    }

    @Override
    protected void closeNodes() {
        shared.close();
    }
}
