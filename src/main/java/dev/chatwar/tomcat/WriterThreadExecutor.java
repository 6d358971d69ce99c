package dev.chatwar.tomcat;

import org.apache.catalina.core.StandardThreadExecutor;

/**
 * Tomcat's thread pool, except for one task: the completion of a WebSocket send made by one of the chat's writer
 * threads runs on that writer, at once, instead of being handed to a pool thread.
 *
 * <p>Why: when a send completes at once (the socket took the frame, as it does for a healthy reader), Tomcat still
 * dispatches its completion ({@code WsRemoteEndpointImplServer.clearHandler(null, true)} queues an
 * {@code OnResultRunnable}), so every frame sent cost a hand-off to another thread and, when that thread slept, a
 * wake-up: about a fifth of the server's CPU at N=1,000 (futex waits and wakes), and most of a send's cost when nothing
 * packs. Tomcat dispatches so that an application that sends again from its completion cannot recurse without bound
 * (bug 55715). The chat's writer never sends from a completion: the completion only records the outcome, and the
 * writer's loop sends the next frame after {@code sendBinary} has returned ({@code OutboundQueue}'s hand-off
 * counter). So for the chat's writers the dispatch buys nothing.
 *
 * <p>Rules: only that one task, only on a thread named {@value #WRITER_PREFIX}N (the chat's writers), and only one
 * deep; everything else, including a send's completion that arrives later from the poller (a reader that is behind),
 * goes to the pool as before, so no thread ever waits for a peer. One deep, because Tomcat itself chains sends from
 * completions: a text frame longer than its output buffer ({@code DEFAULT_BUFFER_SIZE}, 512 bytes in the image) goes
 * in pieces, each started from the previous one's completion, and so do compressed parts. Run at once, each piece would
 * nest in the last (about 17 frames of stack each: a welcome of 10,000 long messages to a text client would
 * overflow the stack); the second completion of a chain therefore goes to the pool, as it always did. The task is
 * recognised by its class name, so a Tomcat that renames it simply gets the pool's behaviour.
 *
 * <p>It lives outside the WAR, in Tomcat's {@code lib/} (the jar {@code chat-tomcat.jar}), and is named in
 * {@code server.xml} as the connector's {@code <Executor>}: Tomcat loads executors before any application. The
 * Docker image ships it; the WAR works the same without it, only with the hand-off.
 */
public class WriterThreadExecutor extends StandardThreadExecutor {
    /** How the chat names its writer threads ({@code dev.chatwar.transport.Writers}). */
    public static final String WRITER_PREFIX = "chat-writer-";
    /** Tomcat 10.1 and 11: the completion of an asynchronous WebSocket send, as dispatched. */
    static final String SEND_COMPLETION = "org.apache.tomcat.websocket.server.WsRemoteEndpointImplServer$OnResultRunnable";

    /** Whether this thread is running a completion at once already: a nested one goes to the pool. */
    private static final ThreadLocal<boolean[]> COMPLETING = ThreadLocal.withInitial(() -> new boolean[1]);

    @Override
    public void execute(Runnable command) {
        if (isWritersSendCompletion(command)) {
            boolean[] completing = COMPLETING.get();
            if (!completing[0]) {
                completing[0] = true;
                try {
                    command.run();
                } finally {
                    completing[0] = false;
                }
                return;
            }
        }
        super.execute(command);
    }

    static boolean isWritersSendCompletion(Runnable command) {
        return command.getClass().getName().equals(SEND_COMPLETION)
                && Thread.currentThread().getName().startsWith(WRITER_PREFIX);
    }
}
