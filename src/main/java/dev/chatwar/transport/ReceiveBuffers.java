package dev.chatwar.transport;

import jakarta.websocket.WebSocketContainer;

/**
 * Sizes the two receive buffers that Tomcat gives every WebSocket session for its whole life to what the chat takes
 * from a client: text, in parts, and never binary.
 *
 * <p>Rules, and why:
 * <ul>
 *   <li>Tomcat allocates both when a session opens ({@code WsFrameBase}): a text buffer of
 *   {@link WebSocketContainer#getDefaultMaxTextMessageBufferSize()} characters (two bytes each) and a byte buffer of
 *   {@link WebSocketContainer#getDefaultMaxBinaryMessageBufferSize()} bytes. Both default to its
 *   {@code DEFAULT_BUFFER_SIZE} (8 KiB by default, 512 bytes in the image): at 1 KiB, 3 KiB of every idle member's
 *   heap together.</li>
 *   <li>The text buffer only sets the size of a part: the chat takes text in parts ({@link TextAssembler}). At
 *   {@value #TEXT_PART_CHARS} characters an ordinary chat frame is still one part; a longer one is joined.</li>
 *   <li>The byte buffer also holds the bytes of a text frame before they are decoded, so it stays large enough
 *   for a part's worth of them. A binary frame is refused anyway (1003): its handler's limit makes Tomcat allocate
 *   a larger buffer for that one frame, and the session then closes.</li>
 *   <li>Only ever lowered, never raised: a smaller {@code DEFAULT_BUFFER_SIZE} set by an operator stands.</li>
 *   <li>Only on Tomcat. Undertow (WildFly) keeps no such buffers per session: it reads into pooled buffers and uses
 *   these values as limits on whole messages, so there is nothing to gain and a limit to break.</li>
 * </ul>
 */
public final class ReceiveBuffers {
    private static final System.Logger LOG = System.getLogger(ReceiveBuffers.class.getName());
    /** The size of a text part, in characters: holds any chat frame of up to about 200 characters of text. */
    static final int TEXT_PART_CHARS = 256;
    /** The bytes of text staged before decoding: a part's worth of ASCII. */
    static final int STAGING_BYTES = 512;

    private ReceiveBuffers() {
    }

    /**
     * Lowers the container's defaults for sessions opened from now on, if it is Tomcat's, and logs the sizes.
     *
     * @return whether they were lowered (false on any other container, which is left as it is)
     */
    public static boolean fit(WebSocketContainer container) {
        if (container == null || !isTomcats(container.getClass().getName())) {
            return false;
        }
        lower(container);
        LOG.log(System.Logger.Level.INFO, "receive buffers per session: text in parts of {0} characters, {1} bytes staged",
                container.getDefaultMaxTextMessageBufferSize(), container.getDefaultMaxBinaryMessageBufferSize());
        return true;
    }

    /** Whether a container class is Tomcat's (10.1 and 11 name it alike), whose sessions hold these buffers. */
    static boolean isTomcats(String containerClass) {
        return containerClass.startsWith("org.apache.tomcat.websocket.");
    }

    static void lower(WebSocketContainer container) {
        container.setDefaultMaxTextMessageBufferSize(
                Math.min(container.getDefaultMaxTextMessageBufferSize(), TEXT_PART_CHARS));
        container.setDefaultMaxBinaryMessageBufferSize(
                Math.min(container.getDefaultMaxBinaryMessageBufferSize(), STAGING_BYTES));
    }
}
