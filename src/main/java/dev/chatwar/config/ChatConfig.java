package dev.chatwar.config;

import dev.chatwar.admission.Cidr;
import dev.chatwar.admission.ClientAddress;
import dev.chatwar.admission.OriginPolicy;
import dev.chatwar.admission.RoomPatterns;
import dev.chatwar.admission.TokenVerifier;

import dev.chatwar.engine.redis.RedisEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Every setting, read once at startup and validated; nothing reads the environment afterwards.
 *
 * @param allowedOrigins    which pages may connect
 * @param historySize       messages kept per room
 * @param historyRooms      rooms whose history outlives their last member
 * @param maxMessageChars   longest message text, in code points
 * @param presenceLimit     members up to which a room announces joins and leaves and lists everyone
 * @param queueMaxFrames    frames waiting for one connection before it counts as slow
 * @param queueMaxBytes     bytes waiting for one connection before it counts as slow
 * @param sendTimeoutMillis how long one frame may wait for the peer to accept it
 * @param pingMillis        how often the server pings each connection
 * @param idleTimeoutMillis how long a connection may stay silent (no frame, no pong) before it is closed
 * @param clientAddress     how the client's address is found behind trusted proxies
 * @param ratePerSecond     frames per second a connection may send on average
 * @param rateBurst         frames a connection may send at once
 * @param maxConnectionsPerAddress open connections per client address
 * @param maxConnections    open connections on this node
 * @param metricsToken      the bearer token {@code /metrics} requires, or empty when it is open
 * @param redisUrl          the Redis every node of the chat shares, or empty for one node in memory
 * @param redisPrefix       the prefix of the chat's Redis keys and channels
 * @param historyTtlSeconds with Redis, how long a room's history outlives its last message
 * @param ipv6PrefixLength  the prefix of an IPv6 address that counts as one client for the per-address limit
 * @param nodeTimeoutSeconds with Redis, how long a node may fail to renew its lease before it is declared dead
 * @param permessageDeflate whether a client's offer of permessage-deflate is accepted
 * @param resendWindowSeconds how long a message's {@code cid} is recognised in a resend from the same sender
 * @param tokens            checks the tokens of the operator's application; {@link TokenVerifier#NONE} without a key
 * @param tokenRequired     whether a connection needs a valid token
 * @param apiKey            the server API's key, or empty
 * @param apiLogins         whether container logins with the role {@code chat-api} may call the server API
 * @param apiRatePerSecond  server API calls a second per key or login
 * @param privateRooms      the rooms only a token's {@code rooms} claim or the role {@code chat-private} admits to
 * @param directWrite       whether frames may go straight to the socket where the container allows it
 */
public record ChatConfig(OriginPolicy allowedOrigins, int historySize, int historyRooms, int maxMessageChars,
                         int presenceLimit, int queueMaxFrames, int queueMaxBytes, long sendTimeoutMillis, long pingMillis,
                         long idleTimeoutMillis, ClientAddress clientAddress,
                         int ratePerSecond, int rateBurst, int maxConnectionsPerAddress, int maxConnections,
                         int ipv6PrefixLength,
                         String metricsToken, String redisUrl, String redisPrefix, long historyTtlSeconds,
                         int nodeTimeoutSeconds, boolean permessageDeflate, int resendWindowSeconds,
                         TokenVerifier tokens, boolean tokenRequired, RoomPatterns privateRooms, String apiKey,
                         boolean apiLogins, int apiRatePerSecond, boolean directWrite) {
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    /** Whether the chat's nodes share a Redis. */
    public boolean usesRedis() {
        return !redisUrl.isEmpty();
    }

    /** The defaults, as if no setting were given. */
    public static ChatConfig defaults() {
        return load(name -> null);
    }

    /**
     * @param lookup a setting's raw value by name, or null when it is not set
     * @throws ConfigException naming the first setting whose value is unusable
     */
    public static ChatConfig load(UnaryOperator<String> lookup) {
        Reader reader = new Reader(lookup);
        int ping = reader.integer(Setting.CHAT_PING_SECONDS, 1, 3_600);
        return new ChatConfig(
                reader.origins(Setting.CHAT_ALLOWED_ORIGINS),
                reader.integer(Setting.CHAT_HISTORY_SIZE, 0, 10_000),
                reader.integer(Setting.CHAT_HISTORY_ROOMS, 1, 1_000_000),
                reader.integer(Setting.CHAT_MAX_MESSAGE_CHARS, 1, 60_000),
                reader.integer(Setting.CHAT_PRESENCE_LIMIT, 1, 1_000_000),
                reader.integer(Setting.CHAT_QUEUE_MAX_FRAMES, 1, 1_000_000),
                reader.integer(Setting.CHAT_QUEUE_MAX_BYTES, 1_024, 1_073_741_824),
                reader.integer(Setting.CHAT_SEND_TIMEOUT_SECONDS, 1, 3_600) * 1000L,
                ping * 1000L,
                reader.integer(Setting.CHAT_IDLE_TIMEOUT_SECONDS, ping + 1, 86_400) * 1000L,
                new ClientAddress(reader.cidrs(Setting.CHAT_TRUSTED_PROXIES), reader.header(Setting.CHAT_FORWARDED_HEADER)),
                reader.integer(Setting.CHAT_RATE_PER_SECOND, 1, 100_000),
                reader.integer(Setting.CHAT_RATE_BURST, 1, 100_000),
                reader.integer(Setting.CHAT_MAX_CONNECTIONS_PER_ADDRESS, 1, 1_000_000),
                reader.integer(Setting.CHAT_MAX_CONNECTIONS, 1, 10_000_000),
                reader.integer(Setting.CHAT_IPV6_PREFIX_LENGTH, 32, 128),
                reader.raw(Setting.CHAT_METRICS_TOKEN).trim(),
                reader.redisUrl(Setting.CHAT_REDIS_URL),
                reader.matching(Setting.CHAT_REDIS_PREFIX, PREFIX, "expected 1 to 64 of A-Z a-z 0-9 . _ : -"),
                reader.integer(Setting.CHAT_HISTORY_TTL_SECONDS, 60, 31_536_000),
                reader.integer(Setting.CHAT_NODE_TIMEOUT_SECONDS, 3, 3_600),
                reader.bool(Setting.CHAT_PERMESSAGE_DEFLATE),
                reader.integer(Setting.CHAT_RESEND_WINDOW_SECONDS, 1, 86_400),
                reader.tokens(Setting.CHAT_TOKEN_SECRET, Setting.CHAT_TOKEN_PUBLIC_KEY),
                reader.tokenRequired(Setting.CHAT_TOKEN_REQUIRED, Setting.CHAT_TOKEN_SECRET,
                        Setting.CHAT_TOKEN_PUBLIC_KEY),
                reader.rooms(Setting.CHAT_PRIVATE_ROOMS),
                reader.apiKey(Setting.CHAT_API_KEY),
                reader.bool(Setting.CHAT_API_LOGINS),
                reader.integer(Setting.CHAT_API_RATE_PER_SECOND, 1, 100_000),
                reader.bool(Setting.CHAT_DIRECT_WRITE));
    }

    /** Whether the server API answers at all. */
    public boolean apiEnabled() {
        return !apiKey.isEmpty() || apiLogins;
    }

    /** Never prints the secrets. */
    @Override
    public String toString() {
        return "ChatConfig[origins=" + allowedOrigins + ", redis=" + (usesRedis() ? redisPrefix : "off") + "]";
    }

    private record Reader(UnaryOperator<String> lookup) {
        String raw(Setting setting) {
            String value = lookup.apply(setting.name());
            return value == null ? setting.defaultValue() : value;
        }

        int integer(Setting setting, int min, int max) {
            String value = raw(setting);
            int parsed;
            try {
                parsed = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(setting, value, "not a whole number (expected " + min + " to " + max + ")");
            }
            if (parsed < min || parsed > max) {
                throw new ConfigException(setting, value, "out of range (expected " + min + " to " + max + ")");
            }
            return parsed;
        }

        boolean bool(Setting setting) {
            String value = raw(setting).trim();
            if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(value);
            }
            throw new ConfigException(setting, value, "expected true or false");
        }

        String redisUrl(Setting setting) {
            String value = raw(setting).trim();
            if (!value.isEmpty()) {
                try {
                    RedisEngine.checkUri(value);
                } catch (IllegalArgumentException e) { // the value may hold a password: it is not repeated
                    throw new ConfigException(setting, value.replaceFirst("//[^/]*@", "//***@"), "not a Redis URI;"
                            + " expected redis://[user:password@]host:port[/db], rediss://… or redis-sentinel://…");
                }
            }
            return value;
        }

        String matching(Setting setting, Pattern pattern, String expected) {
            String value = raw(setting).trim();
            if (!pattern.matcher(value).matches()) {
                throw new ConfigException(setting, value, expected);
            }
            return value;
        }

        /** The token key: a secret (never repeated in a message) or a public key file. */
        TokenVerifier tokens(Setting secretSetting, Setting keySetting) {
            String secret = raw(secretSetting);
            String keyPath = raw(keySetting).trim();
            if (!secret.isEmpty() && !keyPath.isEmpty()) {
                throw new ConfigException(keySetting, keyPath, "set either " + secretSetting.name() + " or "
                        + keySetting.name() + ", not both");
            }
            if (!secret.isEmpty()) {
                try {
                    return TokenVerifier.hmac(secret.getBytes(StandardCharsets.UTF_8), Clock.systemUTC());
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(secretSetting, "***", e.getMessage());
                }
            }
            if (keyPath.isEmpty()) {
                return TokenVerifier.NONE;
            }
            String pem;
            try {
                pem = Files.readString(Path.of(keyPath), StandardCharsets.US_ASCII);
            } catch (IOException | InvalidPathException e) {
                throw new ConfigException(keySetting, keyPath, "cannot be read: " + e);
            }
            try {
                return TokenVerifier.publicKeyPem(pem, Clock.systemUTC());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(keySetting, keyPath, e.getMessage());
            }
        }

        /** A secret: never repeated in a message. */
        String apiKey(Setting setting) {
            String key = raw(setting).strip();
            if (!key.isEmpty() && key.length() < 32) {
                throw new ConfigException(setting, "***", "shorter than 32 characters; use a long random key");
            }
            return key;
        }

        boolean tokenRequired(Setting setting, Setting secretSetting, Setting keySetting) {
            boolean required = bool(setting);
            if (required && raw(secretSetting).isEmpty() && raw(keySetting).isBlank()) {
                throw new ConfigException(setting, "true", "needs " + secretSetting.name() + " or "
                        + keySetting.name() + " to check the tokens with");
            }
            return required;
        }

        RoomPatterns rooms(Setting setting) {
            String value = raw(setting);
            try {
                return RoomPatterns.parse(value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(setting, value, e.getMessage());
            }
        }

        OriginPolicy origins(Setting setting) {
            String value = raw(setting);
            try {
                return OriginPolicy.parse(value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(setting, value, e.getMessage());
            }
        }

        List<Cidr> cidrs(Setting setting) {
            String value = raw(setting);
            List<Cidr> ranges = new ArrayList<>();
            for (String entry : value.split(",")) {
                if (!entry.isBlank()) {
                    ranges.add(Cidr.parse(entry).orElseThrow(() -> new ConfigException(setting, value,
                            "'" + entry.trim() + "' is not an IP address or CIDR range (like 10.0.0.0/8 or ::1)")));
                }
            }
            return ranges;
        }

        ClientAddress.Header header(Setting setting) {
            String value = raw(setting).trim();
            for (ClientAddress.Header header : ClientAddress.Header.values()) {
                if (header.headerName().equalsIgnoreCase(value)) {
                    return header;
                }
            }
            throw new ConfigException(setting, value, "expected X-Forwarded-For or Forwarded");
        }
    }
}
