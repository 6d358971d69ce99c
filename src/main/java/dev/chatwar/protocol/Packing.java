package dev.chatwar.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * How a connection takes its events: one per frame ({@link #NONE}), or packed, several in one frame, one per line, up
 * to {@code maxBytes} ({@code batch=1}). The one place where packing is decided: the room packs each round once for
 * every member with the same packing ({@link #pack}), and a member's queue joins the frames that wait for it while
 * they {@linkplain #fits fit}.
 *
 * <p>The sizes: a frame the chat writes whole itself (Tomcat's NIO connector, {@code DirectWrite}) may carry up to
 * {@link #MAX_PACKED_BYTES}, text or binary, so a member that lags catches up in one write. Where the container's
 * send path writes it, a binary payload is written as it is after the frame header and may be as large, but a text
 * frame must stay under the container's send buffer, which would otherwise split it into fragments (Tomcat encodes
 * a text again for every session, in pieces of its buffer).
 */
public record Packing(int maxBytes) {
    /** One event per frame. */
    public static final Packing NONE = new Packing(0);
    /** The most a packed frame carries where no container buffer bounds it: what any client takes at once. */
    public static final int MAX_PACKED_BYTES = 64 * 1024;
    /** Room left in the container's buffer for the frame header. */
    private static final int HEADER_ROOM = 64;

    /**
     * @param batch           whether the client asked for packed frames ({@code batch=1})
     * @param binary          whether it takes binary frames ({@code binary=1})
     * @param writtenWhole    whether the chat writes its frames whole to the socket itself, so that no container
     *                        buffer bounds a text frame
     * @param containerBuffer the container's send buffer in bytes, which a packed text frame must fit otherwise
     */
    public static Packing forClient(boolean batch, boolean binary, boolean writtenWhole, int containerBuffer) {
        if (!batch) {
            return NONE;
        }
        return new Packing(binary || writtenWhole ? MAX_PACKED_BYTES : containerBuffer - HEADER_ROOM);
    }

    /** Whether this connection takes packed frames. */
    public boolean packs() {
        return maxBytes > 0;
    }

    /** Whether {@code next} may join a packed frame that has {@code bytesSoFar} already. */
    public boolean fits(int bytesSoFar, Frame next) {
        return bytesSoFar + 1 + next.bytes() <= maxBytes;
    }

    /**
     * Packs consecutive frames, in order, into as few frames as keep each within {@code maxBytes} (a frame larger than
     * that on its own stays alone); each event is in exactly one of them. Unpacked, the frames as they are.
     */
    public List<Frame> pack(List<Frame> frames) {
        if (!packs() || frames.size() < 2) {
            return frames;
        }
        List<Frame> packed = new ArrayList<>(1);
        int start = 0;
        while (start < frames.size()) {
            int bytes = frames.get(start).bytes();
            int end = start + 1;
            while (end < frames.size() && fits(bytes, frames.get(end))) {
                bytes += 1 + frames.get(end++).bytes();
            }
            packed.add(Frame.join(frames.subList(start, end)));
            start = end;
        }
        return packed;
    }
}
