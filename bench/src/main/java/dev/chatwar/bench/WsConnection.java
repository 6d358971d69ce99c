package dev.chatwar.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * One WebSocket client connection reduced to what a load client needs: the opening handshake, then a frame parser
 * that allocates nothing per whole frame and hands each text message's bytes to a {@link Listener}. A message the
 * server split into fragments is put together first. Pings are answered.
 *
 * <p>Frames this client sends are masked with the all-zero key, so the payload goes out unchanged. RFC 6455 wants an
 * unpredictable key to protect proxies' caches; on loopback, with no proxy, it only costs time, and servers do not
 * check it.
 *
 * <p>With {@code deflate}, the handshake offers permessage-deflate (RFC 7692) exactly as Chromium does, and a message
 * the server compressed (RSV1 on its first frame) is inflated before the listener sees it, with one inflater per
 * connection kept across messages (the server's sliding window) unless the server said
 * {@code server_no_context_takeover}. The client's own frames go uncompressed, which the extension allows.
 */
final class WsConnection extends ByteToMessageDecoder {
    /** Called on the connection's event loop. */
    interface Listener {
        void opened(WsConnection connection);

        /** The first frame arrived (the server's welcome or join): the connection is a member now. */
        void joined(WsConnection connection);

        void text(ByteBuf buffer, int from, int to);

        void closed(WsConnection connection, int code);
    }

    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};
    private static final int OPCODE_CONTINUATION = 0;
    private static final int OPCODE_TEXT = 1;
    /** The chat's {@code binary=1}: the same UTF-8 JSON as text frames carry. */
    private static final int OPCODE_BINARY = 2;
    private static final int OPCODE_CLOSE = 8;
    private static final int OPCODE_PING = 9;
    private static final int OPCODE_PONG = 10;

    private final URI uri;
    private final Listener listener;
    private Channel channel;
    private boolean open;
    private boolean joined;
    /** The fragments so far of a message that came in several frames, or null. */
    private ByteBuf fragments;
    private int fragmentedMessages;
    private boolean closed;
    private final boolean offerDeflate;
    /** Set when the server accepted permessage-deflate. */
    private Inflater inflater;
    private boolean resetInflaterPerMessage;
    /** Whether the message being put together from fragments is compressed. */
    private boolean compressedMessage;
    /** Made with the inflater: 19,000 connections that never compress must not carry 64 KiB each. */
    private byte[] inflated;

    WsConnection(URI uri, Listener listener) {
        this(uri, listener, false);
    }

    WsConnection(URI uri, Listener listener, boolean offerDeflate) {
        this.uri = uri;
        this.listener = listener;
        this.offerDeflate = offerDeflate;
    }

    /** Whether the server agreed to compress its messages. */
    boolean deflates() {
        return inflater != null;
    }

    Channel channel() {
        return channel;
    }

    /** Messages that arrived split into several frames. */
    int fragmentedMessages() {
        return fragmentedMessages;
    }

    boolean isOpen() {
        return open && !closed;
    }

    @Override
    public void channelActive(ChannelHandlerContext context) throws Exception {
        channel = context.channel();
        String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        String request = "GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + (offerDeflate ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "")
                + "\r\n";
        context.writeAndFlush(context.alloc().buffer().writeBytes(request.getBytes(StandardCharsets.US_ASCII)));
        super.channelActive(context);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) throws Exception {
        if (!closed) {
            closed = true;
            listener.closed(this, 1006);
        }
        super.channelInactive(context);
    }

    @Override
    protected void decode(ChannelHandlerContext context, ByteBuf in, List<Object> out) {
        if (!open) {
            int end = indexOf(in, HEADER_END);
            if (end < 0) {
                return;
            }
            String response = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.US_ASCII);
            in.readerIndex(end + HEADER_END.length);
            if (!response.startsWith("HTTP/1.1 101")) {
                // All of it, with the local port, to find the request in the server's access log.
                System.err.println("handshake refused (" + Instant.now() + ", local port "
                        + ((InetSocketAddress) context.channel().localAddress()).getPort() + "): "
                        + response.replace("\r\n", " | "));
                closed = true;
                listener.closed(this, -1);
                context.close();
                return;
            }
            String headers = response.toLowerCase(Locale.ROOT);
            if (headers.contains("\r\nsec-websocket-extensions:") && headers.contains("permessage-deflate")) {
                inflater = new Inflater(true);
                inflated = new byte[64 * 1024];
                resetInflaterPerMessage = headers.contains("server_no_context_takeover");
            }
            open = true;
            listener.opened(this);
        }
        while (in.readableBytes() >= 2) {
            int start = in.readerIndex();
            int first = in.getUnsignedByte(start);
            int second = in.getUnsignedByte(start + 1);
            long length = second & 0x7f;
            int header = 2;
            if (length == 126) {
                if (in.readableBytes() < 4) {
                    return;
                }
                length = in.getUnsignedShort(start + 2);
                header = 4;
            } else if (length == 127) {
                if (in.readableBytes() < 10) {
                    return;
                }
                length = in.getLong(start + 2);
                header = 10;
            }
            if (in.readableBytes() < header + length) {
                return;
            }
            int from = start + header;
            int to = (int) (from + length);
            int opcode = first & 0x0f;
            boolean fin = (first & 0x80) != 0;
            if (opcode == OPCODE_TEXT || opcode == OPCODE_BINARY || opcode == OPCODE_CONTINUATION) {
                if (!joined) {
                    joined = true;
                    listener.joined(this);
                }
                if (opcode != OPCODE_CONTINUATION) {
                    compressedMessage = (first & 0x40) != 0;
                }
                if (fin && fragments == null && !compressedMessage) {
                    listener.text(in, from, to);
                } else {
                    if (fragments == null) {
                        fragments = context.alloc().buffer();
                        if (!fin) {
                            fragmentedMessages++;
                        }
                    }
                    fragments.writeBytes(in, from, to - from);
                    if (fin) {
                        if (compressedMessage) {
                            ByteBuf plain = inflate(fragments);
                            listener.text(plain, 0, plain.writerIndex());
                        } else {
                            listener.text(fragments, fragments.readerIndex(), fragments.writerIndex());
                        }
                        fragments.release();
                        fragments = null;
                    }
                }
            } else if (opcode == OPCODE_PING) {
                send(OPCODE_PONG, in.slice(from, to - from));
                channel.flush();
            } else if (opcode == OPCODE_CLOSE && !closed) {
                closed = true;
                listener.closed(this, length >= 2 ? in.getUnsignedShort(from) : 1005);
            }
            in.readerIndex(to);
        }
    }

    /** RFC 7692, 7.2.2: the message's compressed bytes, with the empty block's tail the sender removed put back. */
    private ByteBuf inflate(ByteBuf compressed) {
        byte[] input = new byte[compressed.readableBytes() + 4];
        compressed.getBytes(compressed.readerIndex(), input, 0, compressed.readableBytes());
        input[input.length - 2] = (byte) 0xff;
        input[input.length - 1] = (byte) 0xff;
        inflater.setInput(input);
        ByteArrayOutputStream plain = new ByteArrayOutputStream(input.length * 4);
        try {
            int n;
            while ((n = inflater.inflate(inflated)) > 0) {
                plain.write(inflated, 0, n);
            }
        } catch (DataFormatException e) {
            throw new IllegalStateException("bad compressed message", e);
        }
        if (resetInflaterPerMessage) {
            inflater.reset();
        }
        return Unpooled.wrappedBuffer(plain.toByteArray());
    }

    /** Writes one text frame without flushing. */
    void write(byte[] payload) {
        ByteBuf frame = header(OPCODE_TEXT, payload.length);
        channel.write(frame.writeBytes(payload));
    }

    private void send(int opcode, ByteBuf payload) {
        channel.write(header(opcode, payload.readableBytes()).writeBytes(payload));
    }

    private ByteBuf header(int opcode, int length) {
        ByteBuf frame = channel.alloc().buffer(length + 8);
        frame.writeByte(0x80 | opcode);
        if (length < 126) {
            frame.writeByte(0x80 | length);
        } else {
            frame.writeByte(0x80 | 126).writeShort(length);
        }
        return frame.writeInt(0); // the masking key
    }

    static int indexOf(ByteBuf buffer, byte[] needle) {
        return indexOf(buffer, buffer.readerIndex(), buffer.writerIndex(), needle);
    }

    static int indexOf(ByteBuf buffer, int from, int to, byte[] needle) {
        int last = to - needle.length;
        for (int i = from; i <= last; i++) {
            i = buffer.indexOf(i, last + 1, needle[0]);
            if (i < 0) {
                return -1;
            }
            boolean match = true;
            for (int j = 1; j < needle.length && match; j++) {
                match = buffer.getByte(i + j) == needle[j];
            }
            if (match) {
                return i;
            }
        }
        return -1;
    }
}
