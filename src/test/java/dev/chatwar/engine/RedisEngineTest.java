package dev.chatwar.engine;

import dev.chatwar.engine.redis.RedisEngine;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.support.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The engine contract on a real {@code redis-server}: each node its own {@link RedisEngine} on one Redis. */
class RedisEngineTest extends EngineContract {
    private static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
    }

    @BeforeEach
    void empty() throws Exception {
        redis.command("FLUSHALL");
    }

    @Override
    Engine newNode() {
        RedisEngine engine = new RedisEngine(redis.uri(), "test", HISTORY, 3600, new FrameCodec(), EngineTelemetry.NONE);
        awaitStatus(engine, Engine.Status.UP);
        return engine;
    }

    @Override
    void wipe() throws Exception {
        redis.kill();
        redis.restartWiped();
    }
}
