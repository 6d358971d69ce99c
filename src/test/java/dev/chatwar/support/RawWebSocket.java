package dev.chatwar.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.stream.Collectors;
import java.util.Map;

/**
 * A WebSocket client that can misbehave: it writes the handshake and frames byte by byte, so a test can send what
 * no well-behaved client library would (invalid UTF-8, oversized frames, garbage, a handshake without a key).
 * Loopback only; every read waits at most {@link TestClient#TIMEOUT}.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A frame from the server; {@code opcode} -1 means the server closed the TCP connection. */
    public record Frame(int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The status code of a close frame, 1005 when it carries none, -1 for a dropped connection. */
        public int closeCode() {
            if (opcode == -1) {
                return -1;
            }
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final String statusLine;
    private final String head;

    private RawWebSocket(Socket socket, String head) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.head = head;
        this.statusLine = head.indexOf('\r') < 0 ? head : head.substring(0, head.indexOf('\r'));
    }

    /** A header of the handshake response (the first of that name, case-insensitive), or null. */
    public String header(String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /**
     * Sends a handshake for {@code <context>/chat?<query>} and reads the response head.
     *
     * @param withKey false to leave out {@code Sec-WebSocket-Key}
     */
    public static RawWebSocket open(URL base, String query, boolean withKey) throws IOException {
        return open(base, query, withKey, 0);
    }

    /** As {@link #open(URL, String, boolean)}, with a small socket receive buffer (bytes) for a reader that lags. */
    public static RawWebSocket open(URL base, String query, boolean withKey, int receiveBuffer) throws IOException {
        return open(base, query, withKey, receiveBuffer, null);
    }

    /**
     * As {@link #open(URL, String, boolean, int)}, from a chosen local address: any of 127.0.0.0/8 works on Linux,
     * so a test can be many clients (the server counts connections per address).
     */
    public static RawWebSocket open(URL base, String query, boolean withKey, int receiveBuffer, String localAddress)
            throws IOException {
        return open(base, query, withKey, receiveBuffer, localAddress, Map.of());
    }

    /** A handshake with extra headers (as a proxy in front would add {@code X-Forwarded-For}). */
    public static RawWebSocket openWithHeaders(URL base, String query, Map<String, String> headers)
            throws IOException {
        return open(base, query, true, 0, null, headers);
    }

    private static RawWebSocket open(URL base, String query, boolean withKey, int receiveBuffer, String localAddress,
                                     Map<String, String> headers) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        if (localAddress != null) {
            socket.bind(new java.net.InetSocketAddress(localAddress, 0));
        }
        socket.connect(new java.net.InetSocketAddress(base.getHost(), base.getPort()));
        socket.setSoTimeout((int) TestClient.TIMEOUT.toMillis());
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        String request = "GET " + base.getPath() + "chat?" + query + " HTTP/1.1\r\n"
                + "Host: " + base.getHost() + ":" + base.getPort() + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + (withKey ? "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n" : "")
                + headers.entrySet().stream().map(h -> h.getKey() + ": " + h.getValue() + "\r\n")
                        .collect(Collectors.joining())
                + "\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        return new RawWebSocket(socket, readHead(socket.getInputStream()));
    }

    /** The body of a refused handshake's response, as long as its {@code Content-Length} says (empty without one). */
    public String body() throws IOException {
        String length = header("Content-Length");
        if (length == null) {
            return "";
        }
        byte[] body = new byte[Integer.parseInt(length)];
        in.readFully(body);
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The HTTP status of the handshake response. */
    public int status() {
        return Integer.parseInt(statusLine.split(" ")[1]);
    }

    /** A single, final, masked frame. */
    public void send(int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x80 | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65_536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift));
            }
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    public void sendText(String text) throws IOException {
        send(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Bytes as they are, not framed. */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next frame from the server (unmasked, as servers send). */
    public Frame read() throws IOException {
        return readFrame(false);
    }

    /**
     * The next whole message: a text or binary frame together with its continuation frames (a server splits a long
     * message into fragments at its buffer size), or the next control frame.
     */
    public Frame readMessage() throws IOException {
        return readFrame(true);
    }

    private Frame readFrame(boolean whole) throws IOException {
        try {
            int head = in.readUnsignedByte();
            byte[] payload = readPayload();
            int opcode = head & 0x0f;
            if (!whole || (head & 0x80) != 0 || opcode >= CLOSE) {
                return new Frame(opcode, payload);
            }
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            message.write(payload);
            while (true) {
                int next = in.readUnsignedByte();
                byte[] part = readPayload();
                if ((next & 0x0f) >= CLOSE) {
                    continue; // a control frame between fragments (a ping): not part of the message
                }
                message.write(part);
                if ((next & 0x80) != 0) {
                    return new Frame(opcode, message.toByteArray());
                }
            }
        } catch (EOFException e) {
            return new Frame(-1, new byte[0]);
        }
    }

    private byte[] readPayload() throws IOException {
        int length = in.readUnsignedByte() & 0x7f;
        long size = length == 126 ? in.readUnsignedShort() : length == 127 ? in.readLong() : length;
        byte[] payload = new byte[(int) size];
        in.readFully(payload);
        return payload;
    }

    /** Sends a close frame with this status code, as a client that leaves politely does. */
    public void sendClose(int code) throws IOException {
        send(CLOSE, new byte[] {(byte) (code >>> 8), (byte) code});
    }

    /**
     * Drops the connection the hardest way: no close frame, and a TCP reset instead of a FIN ({@code SO_LINGER} 0),
     * as when a phone loses its network and the carrier's middlebox resets the flow.
     */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /** Reads until the server's close frame (or the end of the connection) and returns its code. */
    public int awaitClose() throws IOException {
        while (true) {
            Frame frame;
            try {
                frame = read();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server did not close within " + TestClient.TIMEOUT);
            } catch (IOException reset) {
                return -1; // connection reset: closed without a close frame
            }
            if (frame.opcode() == CLOSE || frame.opcode() == -1) {
                return frame.closeCode();
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : 0;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.isEmpty() ? "HTTP/1.1 0 none" : text;
    }
}
