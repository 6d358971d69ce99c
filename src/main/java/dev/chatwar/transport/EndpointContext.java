package dev.chatwar.transport;

import dev.chatwar.config.ChatConfig;
import dev.chatwar.room.ChatService;
import dev.chatwar.room.Telemetry;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every chat connection's endpoint works with. The container creates endpoints itself and gives them no
 * deployment context (and plain Tomcat has no CDI), so the composition root installs this once, and
 * {@link ChatEndpoint} reads it when a connection opens: the one static way in to the rooms.
 *
 * @param controlFrames runs the writes the API only offers blocking, closes and pings, which may wait for a slow peer,
 *                      away from the threads that deliver
 * @param writers       the threads that write to sockets
 * @param heartbeat     pings, idle and send timeouts, and the reaper of connections the container forgot
 */
public record EndpointContext(ChatConfig config, ChatService chat, Telemetry telemetry,
                              ScheduledExecutorService controlFrames, Writers writers, Heartbeat heartbeat) {
    private static volatile EndpointContext current;

    /** The running chat's context. @throws IllegalStateException when the chat is not running */
    static EndpointContext get() {
        EndpointContext context = current;
        if (context == null) {
            throw new IllegalStateException("the chat is not running (ChatBootstrap did not start or has stopped)");
        }
        return context;
    }

    public static void install(EndpointContext context) {
        current = context;
    }

    public static void uninstall() {
        current = null;
    }
}
