package dev.chatwar.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;

/**
 * What permessage-deflate costs a server that broadcasts, per member: Tomcat gives each session its own
 * {@code new Deflater(DEFAULT_COMPRESSION, true)} with context takeover and compresses every message once per member,
 * ending each with {@code SYNC_FLUSH} ({@code org.apache.tomcat.websocket.PerMessageDeflate}). This does the same
 * for one room: one deflater per member, each warmed with a few messages, then one chat message through every
 * member's deflater in turn, as one broadcast does. Prints the time per member's compression and the native memory
 * (RSS) each deflater holds, for rooms of 1 to 1,000.
 *
 * <p>Run: {@code java -cp bench/target/chat-bench.jar dev.chatwar.bench.DeflateCost} (pinned with taskset for a
 * stable figure).
 */
public final class DeflateCost {
    private static final String[] WORDS = {"hello", "everyone", "how", "is", "the", "room", "today", "fine", "thanks",
        "see", "you", "later", "what", "about", "lunch", "deploy", "tomcat", "again"};

    public static void main(String[] args) throws Exception {
        for (int members : new int[] {1, 10, 100, 1000}) {
            long rssBefore = rssKib();
            Deflater[] deflaters = new Deflater[members];
            byte[] out = new byte[4096];
            for (int i = 0; i < members; i++) {
                deflaters[i] = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
            }
            for (int warm = 0; warm < 20; warm++) { // the window fills and the JIT settles, as in a live room
                broadcast(deflaters, out, -warm);
            }
            long rssAfter = rssKib();
            int broadcasts = Math.max(20, 20_000 / members);
            long start = System.nanoTime();
            long bytes = 0;
            for (int b = 0; b < broadcasts; b++) {
                bytes += broadcast(deflaters, out, b);
            }
            double micros = (System.nanoTime() - start) / 1000.0 / broadcasts / members;
            System.out.printf("DEFLATE members=%d us_per_member=%.1f broadcast_ms=%.2f message_bytes=%d"
                            + " compressed_bytes=%d native_kib_per_deflater=%.0f%n", members, micros,
                    micros * members / 1000, message(0).length, bytes / broadcasts / members,
                    (rssAfter - rssBefore) / (double) members);
            for (Deflater deflater : deflaters) {
                deflater.end();
            }
        }
    }

    /** A chat message as the room sends it, different for every {@code n} (as a room's messages are). */
    private static byte[] message(int n) {
        StringBuilder text = new StringBuilder();
        for (int w = 0; w < 7; w++) {
            text.append(WORDS[Math.floorMod(n * 7 + w * 13 + n / 5, WORDS.length)]).append(' ');
        }
        return ("{\"type\":\"message\",\"room\":\"bench\",\"id\":\"1765000000000-" + n + "\",\"ts\":" + (1765000000000L + n)
                + ",\"from\":{\"name\":\"127.0.0." + (n % 200) + ":" + (40000 + n % 9000) + "\"},\"text\":\"" + text + n + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Message {@code n} through every member's deflater, as Tomcat compresses a broadcast; returns the bytes made. */
    private static long broadcast(Deflater[] deflaters, byte[] out, int n) {
        byte[] message = message(n);
        long total = 0;
        for (Deflater deflater : deflaters) {
            deflater.setInput(message);
            total += deflater.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
        }
        return total;
    }

    private static long rssKib() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }
}
