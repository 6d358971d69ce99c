package dev.chatwar.room;

import static dev.chatwar.support.ChatClient.WAIT;

import dev.chatwar.engine.Engine;
import dev.chatwar.engine.EngineTelemetry;
import dev.chatwar.engine.redis.RedisEngine;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.support.Chats;
import dev.chatwar.support.Poll;
import dev.chatwar.support.RedisCluster;
import dev.chatwar.support.RedisServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Two chat nodes on a real Redis Cluster (three primaries, three replicas), without a container: the two-node
 * contract, as {@link RedisChatTest} runs it on one Redis. One cluster serves every test, emptied before each.
 */
class RedisClusterChatTest extends TwoNodeChatContract {
    private static RedisCluster cluster;
    private final List<RedisEngine> engines = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisCluster.start();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    @Override
    protected void startEngine() throws Exception {
        cluster.flushAll();
    }

    @Override
    protected ChatService newNode(int historySize) {
        RedisEngine engine = new RedisEngine(cluster.uri(), "chat", historySize, 3600,
                RedisServer.NODE_TIMEOUT, Chats.RESEND_WINDOW, new FrameCodec(), EngineTelemetry.NONE);
        engines.add(engine);
        Poll.until(WAIT, "the engine is up", engine::status, Engine.Status.UP);
        return Chats.node(engine, 1000);
    }

    @Override
    protected void stopEngine() {
        engines.forEach(RedisEngine::close);
    }
}
