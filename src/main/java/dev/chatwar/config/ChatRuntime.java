package dev.chatwar.config;

import dev.chatwar.room.ChatService;
import java.util.concurrent.ExecutorService;

/**
 * The running chat of this web application. The container creates endpoints and configurators itself and gives
 * them no deployment context (and plain Tomcat has no CDI), so this holder, set once by {@link ChatBootstrap}, is
 * the one static way in.
 *
 * @param config the settings read at startup
 * @param chat   rooms, members and delivery
 * @param closer runs closes, which may wait for a slow peer, away from the threads that deliver
 */
public record ChatRuntime(ChatConfig config, ChatService chat, ExecutorService closer) {
    private static volatile ChatRuntime current;

    public static ChatRuntime get() {
        ChatRuntime runtime = current;
        if (runtime == null) {
            throw new IllegalStateException("the chat is not running (ChatBootstrap did not start or has stopped)");
        }
        return runtime;
    }

    static void install(ChatRuntime runtime) {
        current = runtime;
    }

    static void uninstall() {
        current = null;
    }
}
