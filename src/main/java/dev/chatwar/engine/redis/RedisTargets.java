package dev.chatwar.engine.redis;

import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Redis a {@code CHAT_REDIS_URL} names: one URI as Lettuce reads it ({@code redis://}, {@code rediss://},
 * {@code redis-sentinel://}), or several, comma-separated, for the nodes of a Redis Cluster to start from. A URI after
 * the first may leave out its scheme and credentials ({@code redis://:secret@10.0.0.1:7000,10.0.0.2:7000}): it takes
 * the first one's.
 */
final class RedisTargets {
    /** The scheme and the credentials of a URI: what a later one without them inherits. */
    private static final Pattern SCHEME_AND_CREDENTIALS = Pattern.compile("^([a-z-]+://(?:[^@/]*@)?)");

    private RedisTargets() {
    }

    /** @throws IllegalArgumentException saying what is wrong with the value */
    static List<RedisURI> parse(String value) {
        if (value.strip().startsWith("redis-sentinel")) { // its commas separate its sentinels
            RedisURI parsed = RedisURI.create(value.strip());
            parsed.setTimeout(RedisConnections.COMMAND_TIMEOUT);
            return List.of(parsed);
        }
        String[] parts = value.split(",", -1);
        Matcher first = SCHEME_AND_CREDENTIALS.matcher(parts[0].strip());
        String inherited = first.find() ? first.group(1) : "";
        List<RedisURI> uris = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].strip();
            if (part.isEmpty()) {
                throw new IllegalArgumentException("an empty Redis URI in the list");
            }
            String uri = i > 0 && !part.contains("://") ? inherited + part : part;
            RedisURI parsed = RedisURI.create(uri);
            parsed.setTimeout(RedisConnections.COMMAND_TIMEOUT);
            uris.add(parsed);
        }
        return List.copyOf(uris);
    }
}
