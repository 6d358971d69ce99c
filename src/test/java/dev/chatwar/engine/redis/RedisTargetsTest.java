package dev.chatwar.engine.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lettuce.core.RedisURI;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisTargetsTest {
    @Test
    void oneUriIsOneTarget() {
        List<RedisURI> targets = RedisTargets.parse("redis://10.0.0.1:6379/0");
        assertEquals(1, targets.size());
        assertEquals("10.0.0.1", targets.get(0).getHost());
        assertEquals(RedisConnections.COMMAND_TIMEOUT, targets.get(0).getTimeout());
    }

    @Test
    void aClustersNodesAreCommaSeparatedAndTheLaterOnesInheritSchemeAndCredentials() {
        List<RedisURI> targets = RedisTargets.parse("rediss://:s3cret@10.0.0.1:7000, 10.0.0.2:7001,redis://10.0.0.3:7002");
        assertEquals(3, targets.size());
        assertEquals(7001, targets.get(1).getPort());
        assertEquals("s3cret", new String(targets.get(1).getCredentialsProvider().resolveCredentials().block()
                .getPassword()), "inherited");
        assertEquals(true, targets.get(1).isSsl(), "inherited");
        assertEquals(false, targets.get(2).isSsl(), "its own scheme, its own credentials");
        assertEquals(false, targets.get(2).getCredentialsProvider().resolveCredentials().block().hasPassword());
    }

    @Test
    void aSentinelUriKeepsItsCommasForItsSentinels() {
        List<RedisURI> targets = RedisTargets.parse("redis-sentinel://127.0.0.1:26379,127.0.0.1:26380#primary");
        assertEquals(1, targets.size());
        assertEquals(2, targets.get(0).getSentinels().size());
    }

    @Test
    void anEmptyPartOrABadUriIsRefusedWithWhatIsWrong() {
        assertEquals("an empty Redis URI in the list", assertThrows(IllegalArgumentException.class,
                () -> RedisTargets.parse("redis://a:1,,redis://b:2")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> RedisTargets.parse("http://a:1"));
    }
}
