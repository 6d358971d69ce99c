package dev.chatwar.engine.redis;

/**
 * Every Redis key and channel name of one chat, in one place. All start with the chat's prefix
 * ({@code CHAT_REDIS_PREFIX}), so several chats can share one Redis.
 *
 * <p>Per room, under {@code <prefix>:{<room>}}: the braces are a Redis Cluster hash tag, so all of a room's keys
 * and its channel fall in one hash slot, and one script can touch them all.
 * <ul>
 *   <li>{@code <prefix>:{<room>}}: the room's channel, which carries its events to every node;
 *   <li>{@code :seq}: the room's last id (a string holding a decimal number);
 *   <li>{@code :history}: its kept messages, a stream whose entry ids are {@code <id>-0};
 *   <li>{@code :resend:<sender key> NUL <cid>}: a message's id, for its resend window (Redis forgets it by itself);
 *   <li>{@code :members}, {@code :names}, {@code :nodes}: its presence: members, names in use, members per node;
 *   <li>{@code :identities}: for each verified member, the identity that owns its name (what a resume must show);
 *   <li>{@code :announced}: the members whose joins are ordered, so a presence read tells them from those whose joins
 *       are on their way (a node's presence replica starts from them).
 * </ul>
 * For the whole chat, outside any room's slot:
 * <ul>
 *   <li>{@code <prefix>:nodes}: every node's lease, and when it runs out;
 *   <li>{@code <prefix>:node:<node>:rooms}: the rooms where a node has (or had) members, which a reaper visits when
 *       it dies;
 *   <li>{@code <prefix>:{clients}}: open connections per client over every node, and {@code :node:<node>} beside it
 *       each node's own (one hash tag, so one script changes both);
 *   <li>{@code <prefix>:owners}: the names verified users hold, each with the user that owns it, which nobody else
 *       may take (it replaced the set {@code <prefix>:verified}, which held names without their owners);
 *   <li>{@code <prefix>:population:nodes}: each node's members over every room, as it last reported them;
 *   <li>{@code <prefix>:probe:<uuid>}: a node's own probe channel;
 *   <li>{@code <prefix>:{sanctions}}: the chat's bans and mutes, key ({@code ban|<room or *>|<kind>:<value>}) to
 *       {@code <version> <JSON>} with its end; {@code :version}: the version of the last change; {@code :ends}: when each one with an end ends;
 *       {@code <prefix>:{sanctions}:audit}: the audit trail, a capped stream (all in one hash slot);
 *   <li>{@code <prefix>:control}: the channel every node hears moderation notices on (sanctions, kicks); on a Redis
 *       Cluster, {@code <prefix>:{sanctions}:control}, a sharded channel in the sanctions' slot.
 * </ul>
 * <b>One slot per script.</b> Every script touches the keys of one hash slot only: one room's, or one chat-wide key
 * (or keys under one tag), so the same scripts run on a Redis Cluster. What must change a room and the chat together
 * is two steps, ordered so that a crash in between leaves nothing a reaper cannot find: a node adds a room to its
 * rooms before it enters a member there, and a verified name is owned before its member enters.
 */
final class RedisKeys {
    private final String prefix;

    RedisKeys(String prefix) {
        this.prefix = prefix;
    }

    /** The room's channel, and the stem of its keys: {@code <prefix>:{<room>}}, one hash slot. */
    String channel(String room) {
        return prefix + ":{" + room + "}";
    }

    /** The room a channel of {@link #channel} belongs to, or "" when it is not one. */
    String roomOf(String channel) {
        int open = channel.indexOf('{', prefix.length());
        int close = channel.lastIndexOf('}');
        return open < 0 || close < open ? "" : channel.substring(open + 1, close);
    }

    String seq(String room) {
        return roomKey(room, "seq");
    }

    String history(String room) {
        return roomKey(room, "history");
    }

    /** A message's resend key: {@code <sender key> NUL <cid>}, remembered for the resend window. */
    String resend(String room, String resendKey) {
        return roomKey(room, "resend:" + resendKey);
    }

    String members(String room) {
        return roomKey(room, "members");
    }

    String names(String room) {
        return roomKey(room, "names");
    }

    String nodes(String room) {
        return roomKey(room, "nodes");
    }

    String identities(String room) {
        return roomKey(room, "identities");
    }

    /** The members whose joins are ordered: member key to "1" (publish.lua marks them with the join's id). */
    String announced(String room) {
        return roomKey(room, "announced");
    }

    String leases() {
        return prefix + ":nodes";
    }

    String nodeRooms(String node) {
        return prefix + ":node:" + node + ":rooms";
    }

    String nodeClients(String node) {
        return clients() + ":node:" + node;
    }

    String clients() {
        return prefix + ":{clients}";
    }

    String owners() {
        return prefix + ":owners";
    }

    String population() {
        return prefix + ":population:nodes";
    }

    String sanctions() {
        return prefix + ":{sanctions}";
    }

    String sanctionsVersion() {
        return sanctions() + ":version";
    }

    String sanctionEnds() {
        return sanctions() + ":ends";
    }

    String audit() {
        return sanctions() + ":audit";
    }

    String control() {
        return prefix + ":control";
    }

    /** The control channel on a Redis Cluster: a sharded channel in the sanctions' slot, published by sanction.lua. */
    String shardedControl() {
        return sanctions() + ":control";
    }

    /** The pattern of every room's members key, for walking the rooms. */
    String allMembers() {
        return prefix + ":{*}:members";
    }

    String probe(String id) {
        return prefix + ":probe:" + id;
    }

    private String roomKey(String room, String what) {
        return channel(room) + ":" + what;
    }
}
