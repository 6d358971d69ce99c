package dev.chatwar.it;

import dev.chatwar.support.Deployments;
import dev.chatwar.support.RedisServer;
import java.net.URL;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link TwoNodeContract} with the same WAR deployed twice into the suite's container, under two context paths, each
 * with the same {@code CHAT_REDIS_URL}. Two web applications share nothing in the JVM (each has its own class loader,
 * its own chat and its own Redis connections), so they meet only through Redis, as two machines would. Runs on every
 * container of the suite: the WAR carries Lettuce and Netty, and each container must deploy it.
 */
@ExtendWith(ArquillianExtension.class)
class RedisIT extends TwoNodeContract {
    private static RedisServer redis;

    @ArquillianResource
    @OperateOnDeployment("east")
    URL east;

    @ArquillianResource
    @OperateOnDeployment("west")
    URL west;

    /** Redis must be running before the deployments name it: started by the first deployment method. */
    private static synchronized String redisUri() {
        try {
            if (redis == null) {
                redis = RedisServer.start();
            }
            return redis.uri();
        } catch (Exception e) {
            throw new IllegalStateException("redis-server did not start (scripts/test.sh installs it)", e);
        }
    }

    @Deployment(name = "east", testable = false)
    static WebArchive eastWar() {
        return Deployments.chatWarWithSettings("chat-east.war", "CHAT_REDIS_URL", redisUri(),
                "CHAT_HISTORY_SIZE", "5", "CHAT_MAX_CONNECTIONS_PER_ADDRESS", "50", "CHAT_API_KEY", API_KEY);
    }

    @Deployment(name = "west", testable = false)
    static WebArchive westWar() {
        return Deployments.chatWarWithSettings("chat-west.war", "CHAT_REDIS_URL", redisUri(),
                "CHAT_HISTORY_SIZE", "5", "CHAT_MAX_CONNECTIONS_PER_ADDRESS", "50", "CHAT_API_KEY", API_KEY);
    }

    @Override
    int perAddressLimit() {
        return 50;
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    URL east() {
        return east;
    }

    @Override
    URL west() {
        return west;
    }

    @Override
    RedisServer redis() {
        return redis;
    }
}
