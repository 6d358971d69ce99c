package dev.chatwar.config;

/**
 * Every setting the chat reads, with its default and meaning. The README's configuration table lists exactly these
 * (a test holds the two together). A setting is looked up under the same name as an environment variable, then a
 * JVM system property, then a {@code context-param} of the web application, first found wins.
 */
public enum Setting {
    CHAT_ALLOWED_ORIGINS("",
            "Comma-separated origins (`scheme://host[:port]`) whose pages may connect. `*` allows any origin (logged as a"
                    + " warning). Unset: only pages served by the host the request was made to. Requests without an"
                    + " `Origin` header (non-browser clients) are always allowed."),
    CHAT_HISTORY_SIZE("100", "Messages each room keeps and sends to newcomers in `welcome` (0 to 10000)."),
    CHAT_HISTORY_ROOMS("1000",
            "Rooms whose history is kept after their last member leaves; the least recently used is forgotten first"
                    + " (1 to 1000000)."),
    CHAT_MAX_MESSAGE_CHARS("2000", "Longest message text in characters (code points); longer gets `error` `too_long` (1 to 60000)."),
    CHAT_PRESENCE_LIMIT("1000",
            "Rooms with up to this many members announce every `join` and `leave` to everyone and list every member in"
                    + " `welcome`. In a larger room a newcomer's `join` goes to the newcomer only, leaves are not"
                    + " announced, and `welcome.members` is empty; `welcome.count` always gives the total"
                    + " (1 to 1000000)."),
    CHAT_QUEUE_MAX_FRAMES("10000",
            "Events (messages, joins, leaves: a packed frame counts each of its events) that may wait for one slow"
                    + " connection before it is closed with 4008 (1 to 1000000)."),
    CHAT_QUEUE_MAX_BYTES("1048576",
            "Bytes (UTF-8, as on the wire) that may wait for one slow connection before it is closed with 4008"
                    + " (1024 to 1073741824)."),
    CHAT_SEND_TIMEOUT_SECONDS("30",
            "A frame the peer has not accepted within this time closes the connection (1 to 3600)."),
    CHAT_PING_SECONDS("30",
            "The server pings every connection this often; browsers and client libraries answer with a pong"
                    + " (1 to 3600)."),
    CHAT_IDLE_TIMEOUT_SECONDS("90",
            "A connection from which nothing (no frame, no pong) arrived for this long is closed with 4001; checked at"
                    + " every ping (more than CHAT_PING_SECONDS, up to 86400)."),
    CHAT_TRUSTED_PROXIES("",
            "Comma-separated IP addresses or CIDR ranges of reverse proxies whose forwarding header names the client."
                    + " Unset: forwarding headers are ignored and the address is the TCP peer's."),
    CHAT_FORWARDED_HEADER("X-Forwarded-For",
            "The header the trusted proxies set: `X-Forwarded-For` or `Forwarded` (RFC 7239). Only this one is read."),
    CHAT_RATE_PER_SECOND("10",
            "Frames per second one connection may send on average; more get `error` `rate_limited` (1 to 100000)."),
    CHAT_RATE_BURST("20",
            "Frames one connection may send at once above the average (1 to 100000). A connection refused more than"
                    + " this many times in excess of what it was allowed is closed with 1008."),
    CHAT_MAX_CONNECTIONS_PER_ADDRESS("20",
            "Open connections per client address (an IPv6 client: per CHAT_IPV6_PREFIX_LENGTH prefix), or per user for a"
                    + " token's user (by `sub`, wherever it connects from), counted over every node with Redis; the next"
                    + " handshake is refused with HTTP 429 (1 to 1000000)."),
    CHAT_IPV6_PREFIX_LENGTH("64",
            "CHAT_MAX_CONNECTIONS_PER_ADDRESS counts an IPv6 client by this prefix of its address: one subscriber"
                    + " usually holds a whole /64 and could open connections from fresh addresses without end. IPv4"
                    + " clients count by the whole address (32 to 128)."),
    CHAT_MAX_CONNECTIONS("10000",
            "Open connections on this node; the next handshake is refused with HTTP 503 (1 to 10000000)."),
    CHAT_REDIS_URL("",
            "Redis that every node of one chat shares, in Lettuce's URI syntax: `redis://[user:password@]host:port[/db]`,"
                    + " `rediss://` for TLS, `redis-sentinel://…`; for a Redis Cluster, any of its nodes, or several"
                    + " comma-separated (found out by asking it: nothing else to set). Unset: one node, everything in"
                    + " memory. A malformed"
                    + " URL stops the deployment; an unreachable Redis does not (the node starts degraded and"
                    + " connects when Redis comes)."),
    CHAT_REDIS_PREFIX("chat",
            "Prefix of every Redis key and channel of this chat: nodes with the same URL and prefix serve one chat"
                    + " (1 to 64 of `A-Z a-z 0-9 . _ : -`)."),
    CHAT_HISTORY_TTL_SECONDS("604800",
            "With Redis: a room's history is deleted this long after its last message (60 to 31536000; default 7"
                    + " days). Replaces CHAT_HISTORY_ROOMS, which bounds the rooms kept in memory without Redis."),
    CHAT_NODE_TIMEOUT_SECONDS("15",
            "With Redis: a node that has not renewed its lease (every third of this) for this long is declared dead;"
                    + " its members leave every room and their names are free again (3 to 3600)."),
    CHAT_RESEND_WINDOW_SECONDS("600",
            "A message sent again with a `cid` its sender already used this recently is recognised as a resend and not"
                    + " delivered again, however many messages the room carried meanwhile (1 to 86400; default 10"
                    + " minutes). With Redis each `cid` is kept this long (about 100 bytes); in memory each room"
                    + " remembers at most its last 100000."),
    CHAT_PERMESSAGE_DEFLATE("false",
            "`true`: accept permessage-deflate (RFC 7692) when a client offers it, as every browser does. Each"
                    + " member's copy of a broadcast is then compressed on its own, which costs the server far more"
                    + " than it saves on loopback or a LAN (see Performance). `false`: negotiate no extension."),
    CHAT_DIRECT_WRITE("true",
            "`true`: on Tomcat's NIO connector over plain TCP (the image's), write each frame straight to the"
                    + " connection's socket, past Tomcat's WebSocket send path, which allocates 300–400 bytes and"
                    + " takes a few µs per send (see Performance). Such frames are written whole, so there `batch=1`"
                    + " text frames pack up to 64 KiB, as binary ones do everywhere. Elsewhere (WildFly, TLS in Tomcat,"
                    + " an extension such as permessage-deflate) the portable path is used anyway. `false`: always the"
                    + " portable path, and text packs only to Tomcat's buffer (with text clients set"
                    + " `DEFAULT_BUFFER_SIZE` to 1 KiB or more then: see \"Many connections on one node\")."),
    CHAT_TOKEN_SECRET("",
            "The HS256 secret the operator's application signs its users' tokens with, at least 32 bytes (UTF-8)."
                    + " Set this or CHAT_TOKEN_PUBLIC_KEY, not both. Unset, with no public key: tokens are refused with"
                    + " 401 and everyone chats as a guest (see \"Your application's users\")."),
    CHAT_TOKEN_PUBLIC_KEY("",
            "Path of a PEM file holding the public key the application's tokens are verified with: RSA (2048 bits or"
                    + " more) for RS256, or EC P-256 for ES256."),
    CHAT_TOKEN_REQUIRED("false",
            "`true`: a connection without a valid token is refused with 401 (needs CHAT_TOKEN_SECRET or"
                    + " CHAT_TOKEN_PUBLIC_KEY). `false`: guests chat as before, and a token, when given, makes its"
                    + " member verified."),
    CHAT_PRIVATE_ROOMS("",
            "Comma-separated rooms that only some users may enter: names, or prefixes ending in `*` (`team-*,staff`)."
                    + " Entering one needs a token whose `rooms` claim admits it, or a container login with the role"
                    + " `chat-private`; anyone else is refused with 403 before the upgrade. Unset: every room is open."),
    CHAT_METRICS_TOKEN("",
            "When set, `/metrics` answers only requests with `Authorization: Bearer <token>` (others get 401)."
                    + " Unset: `/metrics` is open; restrict it at the proxy or firewall."),
    CHAT_API_KEY("",
            "The server API's key, at least 32 characters: calls to `CONTEXT/api/*` with `Authorization: Bearer"
                    + " <key>` are the application's (compared in constant time; never logged). Unset, and"
                    + " CHAT_API_LOGINS false: the API is off and every call gets 404."),
    CHAT_API_LOGINS("false",
            "`true`: a container login with the role `chat-api`, sent with the request itself (HTTP Basic), may call"
                    + " the server API too; a session cookie alone never does."),
    CHAT_API_RATE_PER_SECOND("50",
            "Server API calls a second per key or login (a batch counts each of its calls), after a burst of as"
                    + " many (at least 100, so a whole batch fits); past it, 429 with `Retry-After`.");

    private final String defaultValue;
    private final String meaning;

    Setting(String defaultValue, String meaning) {
        this.defaultValue = defaultValue;
        this.meaning = meaning;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String meaning() {
        return meaning;
    }
}
