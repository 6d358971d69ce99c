package dev.chatwar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChatConfigTest {

    private static ChatConfig load(Map<String, String> settings) {
        return ChatConfig.load(settings::get);
    }

    @Test
    void defaultsApplyWhenNothingIsSet() {
        ChatConfig config = ChatConfig.defaults();
        assertEquals(100, config.historySize());
        assertEquals(1000, config.historyRooms());
        assertEquals(2000, config.maxMessageChars());
        assertEquals(10_000, config.queueMaxFrames());
        assertFalse(config.permessageDeflate(), "compression is off unless asked for");
        assertEquals(1_048_576, config.queueMaxBytes());
        assertEquals("", config.metricsToken());
        assertEquals(10, config.ratePerSecond());
        assertEquals(20, config.rateBurst());
        assertEquals(30_000, config.pingMillis());
        assertEquals(90_000, config.idleTimeoutMillis());
        assertEquals(20, config.maxConnectionsPerAddress());
        assertEquals(10_000, config.maxConnections());
        assertEquals("203.0.113.1", config.clientAddress().resolve("203.0.113.1", java.util.List.of("1.2.3.4")));
        assertEquals(30_000, config.sendTimeoutMillis());
        assertTrue(config.allowedOrigins().isSameOriginOnly());
    }

    @Test
    void valuesAreReadAndTrimmed() {
        ChatConfig config = load(Map.of("CHAT_HISTORY_SIZE", " 5 ", "CHAT_MAX_MESSAGE_CHARS", "300",
                "CHAT_SEND_TIMEOUT_SECONDS", "2", "CHAT_ALLOWED_ORIGINS", "https://a.example"));
        assertEquals(5, config.historySize());
        assertEquals(300, config.maxMessageChars());
        assertEquals(2_000, config.sendTimeoutMillis());
        assertTrue(config.allowedOrigins().allows("https://a.example", "elsewhere", false));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "CHAT_HISTORY_SIZE|abc|CHAT_HISTORY_SIZE='abc': not a whole number (expected 0 to 10000)",
            "CHAT_HISTORY_SIZE|-1|CHAT_HISTORY_SIZE='-1': out of range (expected 0 to 10000)",
            "CHAT_HISTORY_ROOMS|0|CHAT_HISTORY_ROOMS='0': out of range (expected 1 to 1000000)",
            "CHAT_MAX_MESSAGE_CHARS|1e3|CHAT_MAX_MESSAGE_CHARS='1e3': not a whole number (expected 1 to 60000)",
            "CHAT_QUEUE_MAX_FRAMES|99999999999|CHAT_QUEUE_MAX_FRAMES='99999999999': not a whole number (expected 1 to 1000000)",
            "CHAT_QUEUE_MAX_BYTES|10|CHAT_QUEUE_MAX_BYTES='10': out of range (expected 1024 to 1073741824)",
            "CHAT_SEND_TIMEOUT_SECONDS|0|CHAT_SEND_TIMEOUT_SECONDS='0': out of range (expected 1 to 3600)",
            "CHAT_ALLOWED_ORIGINS|example.org|CHAT_ALLOWED_ORIGINS='example.org': 'example.org' is not an origin of the form http(s)://host[:port]",
            "CHAT_ALLOWED_ORIGINS|https://a.example/path|CHAT_ALLOWED_ORIGINS='https://a.example/path': 'https://a.example/path' is not an origin of the form http(s)://host[:port]",
            "CHAT_ALLOWED_ORIGINS|*, https://a.example|CHAT_ALLOWED_ORIGINS='*, https://a.example': '*' must stand alone",
            "CHAT_TRUSTED_PROXIES|10.0.0.0/33|CHAT_TRUSTED_PROXIES='10.0.0.0/33': '10.0.0.0/33' is not an IP address or CIDR range (like 10.0.0.0/8 or ::1)",
            "CHAT_TRUSTED_PROXIES|10.0.0.1, proxy.example|CHAT_TRUSTED_PROXIES='10.0.0.1, proxy.example': 'proxy.example' is not an IP address or CIDR range (like 10.0.0.0/8 or ::1)",
            "CHAT_FORWARDED_HEADER|X-Real-IP|CHAT_FORWARDED_HEADER='X-Real-IP': expected X-Forwarded-For or Forwarded",
            "CHAT_RATE_PER_SECOND|-1|CHAT_RATE_PER_SECOND='-1': out of range (expected 1 to 100000)",
            "CHAT_RATE_BURST|0|CHAT_RATE_BURST='0': out of range (expected 1 to 100000)",
            "CHAT_MAX_CONNECTIONS_PER_ADDRESS|many|CHAT_MAX_CONNECTIONS_PER_ADDRESS='many': not a whole number (expected 1 to 1000000)",
            "CHAT_MAX_CONNECTIONS|0|CHAT_MAX_CONNECTIONS='0': out of range (expected 1 to 10000000)",
            "CHAT_PING_SECONDS|0|CHAT_PING_SECONDS='0': out of range (expected 1 to 3600)",
            "CHAT_IDLE_TIMEOUT_SECONDS|30|CHAT_IDLE_TIMEOUT_SECONDS='30': out of range (expected 31 to 86400)",
            "CHAT_REDIS_URL|http://cache.example:6379|CHAT_REDIS_URL='http://cache.example:6379': not a Redis URI; expected redis://[user:password@]host:port[/db], rediss://… or redis-sentinel://…",
            "CHAT_REDIS_URL|redis://:s3cret@|CHAT_REDIS_URL='redis://***@': not a Redis URI; expected redis://[user:password@]host:port[/db], rediss://… or redis-sentinel://…",
            "CHAT_REDIS_PREFIX|chat room|CHAT_REDIS_PREFIX='chat room': expected 1 to 64 of A-Z a-z 0-9 . _ : -",
            "CHAT_HISTORY_TTL_SECONDS|10|CHAT_HISTORY_TTL_SECONDS='10': out of range (expected 60 to 31536000)",
            "CHAT_PERMESSAGE_DEFLATE|yes|CHAT_PERMESSAGE_DEFLATE='yes': expected true or false",
            "CHAT_TOKEN_SECRET|short secret|CHAT_TOKEN_SECRET='***': an HS256 secret needs at least 32 bytes; this one has 12",
            "CHAT_TOKEN_PUBLIC_KEY|/nonexistent/key.pem|CHAT_TOKEN_PUBLIC_KEY='/nonexistent/key.pem': cannot be read: java.nio.file.NoSuchFileException: /nonexistent/key.pem",
            "CHAT_TOKEN_REQUIRED|true|CHAT_TOKEN_REQUIRED='true': needs CHAT_TOKEN_SECRET or CHAT_TOKEN_PUBLIC_KEY to check the tokens with",
            "CHAT_TOKEN_REQUIRED|yes|CHAT_TOKEN_REQUIRED='yes': expected true or false",
            "CHAT_PRIVATE_ROOMS|team-*, a b|CHAT_PRIVATE_ROOMS='team-*, a b': 'a b' is neither a room name nor a prefix ending in *"})
    void aBadValueIsRefusedNamingTheSettingAndTheValue(String setting, String value, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of(setting, value)));
        assertEquals(message, e.getMessage());
    }

    @Test
    void withoutARedisUrlTheChatIsOneNodeInMemory() {
        assertFalse(ChatConfig.defaults().usesRedis());
        ChatConfig config = load(Map.of("CHAT_REDIS_URL", " redis://127.0.0.1:6390/2 ", "CHAT_REDIS_PREFIX", "team-a"));
        assertTrue(config.usesRedis());
        assertEquals("redis://127.0.0.1:6390/2", config.redisUrl());
        assertEquals("team-a", config.redisPrefix());
    }

    @Test
    void tokensAreOffUnlessAKeyIsGivenAndOneKeyAtATime() throws Exception {
        assertFalse(ChatConfig.defaults().tokens().enabled());
        assertFalse(ChatConfig.defaults().tokenRequired());
        ChatConfig config = load(Map.of("CHAT_TOKEN_SECRET", "0123456789abcdef0123456789abcdef",
                "CHAT_TOKEN_REQUIRED", "true"));
        assertTrue(config.tokens().enabled());
        assertTrue(config.tokenRequired());
        Path notAKey = Files.createTempFile("not-a-key", ".pem");
        try {
            Files.writeString(notAKey, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
            ConfigException e = assertThrows(ConfigException.class,
                    () -> load(Map.of("CHAT_TOKEN_PUBLIC_KEY", notAKey.toString())));
            assertTrue(e.getMessage().startsWith("CHAT_TOKEN_PUBLIC_KEY='" + notAKey + "': no '-----BEGIN PUBLIC KEY-----'"),
                    e.getMessage());
            ConfigException both = assertThrows(ConfigException.class, () -> load(Map.of("CHAT_TOKEN_SECRET",
                    "0123456789abcdef0123456789abcdef", "CHAT_TOKEN_PUBLIC_KEY", notAKey.toString())));
            assertEquals("CHAT_TOKEN_PUBLIC_KEY='" + notAKey + "': set either CHAT_TOKEN_SECRET or"
                    + " CHAT_TOKEN_PUBLIC_KEY, not both", both.getMessage());
        } finally {
            Files.delete(notAKey);
        }
    }

    @Test
    void theReadmeTableListsEverySettingWithItsDefaultAndMeaning() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (Setting setting : Setting.values()) {
            String shown = setting.defaultValue().isEmpty() ? "(unset)" : setting.defaultValue();
            String row = "| `" + setting.name() + "` | " + shown + " | " + setting.meaning() + " |";
            assertTrue(readme.contains(row), () -> "README.md configuration table lacks the row " + row);
        }
    }
}
