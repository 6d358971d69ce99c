package dev.chatwar.room;

import dev.chatwar.engine.InMemoryEngine;
import dev.chatwar.support.Chats;

/** Two chat nodes on one in-memory engine: the two-node contract, with every delivery on the publishing thread. */
class TwoNodeChatTest extends TwoNodeChatContract {
    private InMemoryEngine engine;

    @Override
    protected void startEngine() {
        engine = Chats.inMemory(HISTORY);
    }

    @Override
    protected ChatService newNode(int historySize) {
        return Chats.node(engine, 1000);
    }

    @Override
    protected void stopEngine() {
        engine.close();
    }
}
