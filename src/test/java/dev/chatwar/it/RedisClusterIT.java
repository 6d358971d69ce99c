package dev.chatwar.it;

import dev.chatwar.support.Deployments;
import dev.chatwar.support.RedisCluster;
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
 * {@link TwoNodeContract} as {@link RedisIT} runs it, with both web applications on a real Redis Cluster (three
 * primaries, three replicas) instead of one Redis: the same WAR, told only the cluster's nodes, finds out it is one.
 * The tests that stop or roll back the one Redis are skipped here; a cluster's faults are
 * {@code RedisClusterFailoverTest}'s.
 */
@ExtendWith(ArquillianExtension.class)
class RedisClusterIT extends TwoNodeContract {
    private static RedisCluster cluster;

    @ArquillianResource
    @OperateOnDeployment("east")
    URL east;

    @ArquillianResource
    @OperateOnDeployment("west")
    URL west;

    /** The cluster must be running before the deployments name it: started by the first deployment method. */
    private static synchronized String clusterUri() {
        try {
            if (cluster == null) {
                cluster = RedisCluster.start();
            }
            return cluster.uri();
        } catch (Exception e) {
            throw new IllegalStateException("the Redis Cluster did not start (scripts/test.sh installs redis-server)", e);
        }
    }

    @Deployment(name = "east", testable = false)
    static WebArchive eastWar() {
        return Deployments.chatWarWithSettings("chat-east.war", "CHAT_REDIS_URL", clusterUri(),
                "CHAT_HISTORY_SIZE", "5", "CHAT_MAX_CONNECTIONS_PER_ADDRESS", "50", "CHAT_API_KEY", API_KEY);
    }

    @Deployment(name = "west", testable = false)
    static WebArchive westWar() {
        return Deployments.chatWarWithSettings("chat-west.war", "CHAT_REDIS_URL", clusterUri(),
                "CHAT_HISTORY_SIZE", "5", "CHAT_MAX_CONNECTIONS_PER_ADDRESS", "50", "CHAT_API_KEY", API_KEY);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Sharded channels, on every primary. */
    @Override
    int subscribedRooms(String prefix) throws Exception {
        int rooms = 0;
        for (int port : cluster.primaries().keySet()) {
            for (String channel : cluster.node(port).reply("PUBSUB", "SHARDCHANNELS", "chat:{" + prefix + "*")
                    .split("\n")) {
                rooms += channel.isBlank() ? 0 : 1;
            }
        }
        return rooms;
    }

    @Override
    int perAddressLimit() {
        return 50;
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
        return null;
    }
}
