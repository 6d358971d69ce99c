package dev.chatwar.engine;

import dev.chatwar.engine.redis.RedisEngine;
import dev.chatwar.protocol.FrameCodec;
import dev.chatwar.protocol.ServerEvent.Message;
import dev.chatwar.protocol.ServerEvent.RoomEvent;
import dev.chatwar.support.RedisServer;
import dev.chatwar.support.TcpProxy;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

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

    @Test
    void aConnectionThatLooksOpenButCarriesNothingIsMadeAnewAndWhatItMissedStillArrives() throws Exception {
        try (TcpProxy path = new TcpProxy("127.0.0.1", redis.port())) {
            RedisEngine behindProxy = new RedisEngine("redis://127.0.0.1:" + path.port(), "test", HISTORY, 3600,
                    new FrameCodec(), EngineTelemetry.NONE);
            try {
                awaitStatus(behindProxy, Engine.Status.UP);
                Inbox inbox = subscribed(behindProxy, "r");
                Engine direct = node();
                await(direct.publish(say("r", "ann", "before", null), "ann"));
                assertEquals("before", ((Message) inbox.next()).text());
                path.silence(); // no error, no close: the probe is all that can tell
                await(direct.publish(say("r", "ann", "while silent", null), "ann"));
                RoomEvent repaired = inbox.events.poll(15, TimeUnit.SECONDS);
                assertNotNull(repaired, "the silent connection was never made anew");
                assertEquals("while silent", ((Message) repaired).text(), "read from history after the reconnect");
            } finally {
                behindProxy.close();
            }
        }
    }

    @Override
    void wipe() throws Exception {
        redis.kill();
        redis.restartWiped();
    }
}
