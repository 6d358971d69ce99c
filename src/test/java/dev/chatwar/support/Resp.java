package dev.chatwar.support;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.StringJoiner;

/** Just enough of Redis's protocol (RESP2) for tests to send a command to a server on loopback and read its reply. */
final class Resp {
    private Resp() {
    }

    /** A command of plain words, as Redis reads it: an array of bulk strings. */
    static byte[] request(String... words) {
        StringBuilder request = new StringBuilder("*").append(words.length).append("\r\n");
        for (String word : words) {
            request.append('$').append(word.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                    .append(word).append("\r\n");
        }
        return request.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Sends one command to a loopback port; returns the reply, an array's elements one a line. */
    static String command(int port, String... words) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(request(words));
            out.flush();
            return reply(new BufferedInputStream(socket.getInputStream()));
        }
    }

    /** Reads one RESP2 reply: errors keep their '-' so a caller can tell them from data; a null reads "(nil)". */
    private static String reply(InputStream in) throws IOException {
        String line = line(in);
        char type = line.isEmpty() ? '?' : line.charAt(0);
        if (type == '+' || type == ':' || type == '-') {
            return type == '-' ? line : line.substring(1);
        } else if (type != '$' && type != '*') {
            throw new IOException("not a RESP reply: " + line);
        }
        int count = Integer.parseInt(line.substring(1));
        if (count < 0) {
            return "(nil)";
        } else if (type == '*') {
            StringJoiner elements = new StringJoiner("\n");
            for (int i = 0; i < count; i++) {
                elements.add(reply(in));
            }
            return elements.toString();
        }
        byte[] bytes = in.readNBytes(count + 2); // the string and the CRLF after it
        if (bytes.length < count + 2) {
            throw new IOException("reply ended after " + bytes.length + " of " + (count + 2) + " bytes");
        }
        return new String(bytes, 0, count, StandardCharsets.UTF_8);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new IOException("connection closed mid-reply after '" + line + "'");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
