package dev.chatwar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The churn scenario: rounds of members who vanish (socket reset, no close frame) and waves of members who close
 * politely, all at once, while a steady room keeps chatting. It reports what is left behind (ghost connections and
 * rooms in {@code /health}), how long the node took to settle, how long a newcomer waited right after each wave, and
 * the server's live heap (after a full collection), RSS and thread count before and after. Blocking sockets: the
 * point is many sockets that misbehave, not throughput.
 *
 * <p>Every loop is bounded: a fixed number of rounds and members, every read with a timeout, settling at most
 * {@code --settle-seconds}.
 */
public final class ChurnBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final int READ_TIMEOUT_MILLIS = 30_000;
    private static final int STEADY_MEMBERS = 10;
    private static final int PER_ADDRESS = 10;
    /** Longer than Tomcat's 60 s idle timeout for its executor's spare threads and its 30 s session close wait. */
    private static final int QUIET_SECONDS = 65;
    /** Where each sample's class histogram is kept, to see what the live heap holds. */
    private static final Path HISTOGRAMS = Path.of(System.getProperty("churn.histograms", "target"));

    private final URI base;
    private final long pid;

    private ChurnBench(URI base, long pid) {
        this.base = base;
        this.pid = pid;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        ChurnBench bench = new ChurnBench(URI.create(options.get("base")),
                Long.parseLong(options.getOrDefault("server-pid", "-1")));
        System.exit(bench.run(Integer.parseInt(options.getOrDefault("abrupt-rounds", "5")),
                Integer.parseInt(options.getOrDefault("graceful-rounds", "3")),
                Integer.parseInt(options.getOrDefault("size", "2000")),
                Integer.parseInt(options.getOrDefault("rooms", "50")),
                Integer.parseInt(options.getOrDefault("settle-seconds", "70"))));
    }

    private int run(int abruptRounds, int gracefulRounds, int size, int rooms, int settleSeconds) throws Exception {
        Steady steady = new Steady();
        Server before = Server.sample(pid, "before");
        for (int round = 1; round <= abruptRounds; round++) {
            long start = System.nanoTime();
            List<Member> crowd = join(size, rooms, "vanish", 40 + round);
            double joinSeconds = seconds(start);
            for (int i = 0; i < crowd.size(); i++) {
                crowd.get(i).sendText("hello from m" + i);
            }
            Thread.sleep(1_500); // the reproduction: the network drops about 1.5 s after they spoke
            for (Member member : crowd) {
                member.reset();
            }
            System.out.printf(Locale.ROOT, "CHURN kind=abrupt round=%d members=%d join_s=%.2f%n", round, size,
                    joinSeconds);
        }
        Settled afterAbrupt = settle(settleSeconds);
        System.out.printf(Locale.ROOT, "CHURN kind=abrupt settled_s=%.1f ghost_connections=%d ghost_rooms=%d%n",
                afterAbrupt.seconds(), afterAbrupt.ghostConnections(), afterAbrupt.ghostRooms());
        int ghosts = afterAbrupt.ghostConnections() + afterAbrupt.ghostRooms();
        for (int round = 1; round <= gracefulRounds; round++) {
            long start = System.nanoTime();
            List<Member> crowd = join(size, rooms, "wave", 60 + round);
            double joinSeconds = seconds(start);
            for (Member member : crowd) {
                member.sendClose(1000);
            }
            long waveSent = System.nanoTime();
            try (Member newcomer = Member.open(base, "room=probe&name=newcomer", "127.0.0.1")) {
                newcomer.welcome();
            }
            double newcomerMs = (System.nanoTime() - waveSent) / 1e6;
            int[] goodbyes = drain(crowd);
            Settled settled = settle(settleSeconds);
            ghosts += settled.ghostConnections() + settled.ghostRooms();
            System.out.printf(Locale.ROOT, "CHURN kind=graceful round=%d members=%d join_s=%.2f newcomer_ms=%.0f"
                            + " echoed=%d closed_without_echo=%d hung=%d settled_s=%.1f ghost_connections=%d"
                            + " ghost_rooms=%d%n", round, size, joinSeconds, newcomerMs, goodbyes[0], goodbyes[1],
                    goodbyes[2], settled.seconds(), settled.ghostConnections(), settled.ghostRooms());
        }
        Steady.Outcome chat = steady.stop();
        Server after = Server.sample(pid, "after");
        Thread.sleep(TimeUnit.SECONDS.toMillis(QUIET_SECONDS));
        Server quiet = Server.sample(pid, "after-quiet");
        System.out.printf(Locale.ROOT, "CHURN kind=server live_heap_mb_before=%.1f live_heap_mb_after=%.1f"
                        + " live_heap_mb_after_quiet=%.1f rss_mb_before=%.0f rss_mb_after=%.0f threads_before=%d"
                        + " threads_after=%d threads_after_quiet=%d%n",
                before.liveHeapBytes() / 1048576.0, after.liveHeapBytes() / 1048576.0,
                quiet.liveHeapBytes() / 1048576.0, before.rssKb() / 1024.0, after.rssKb() / 1024.0,
                before.threads(), after.threads(), quiet.threads());
        System.out.printf(Locale.ROOT, "CHURN kind=steady members=%d sent=%d received_each_min=%d in_order=%b%n",
                STEADY_MEMBERS, chat.sent(), chat.receivedEachMin(), chat.inOrder());
        return ghosts == 0 && chat.inOrder() && chat.receivedEachMin() == chat.sent() ? 0 : 1;
    }

    /** Members from 127.{block}.y.z, {@link #PER_ADDRESS} per address, round-robin over the rooms; each welcomed. */
    private List<Member> join(int size, int rooms, String prefix, int block) throws IOException {
        List<Member> crowd = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int address = i / PER_ADDRESS;
            Member member = Member.open(base, "room=" + prefix + "-" + (i % rooms) + "&name=m" + i,
                    "127." + block + "." + (address / 250) + "." + (address % 250 + 1));
            member.welcome();
            crowd.add(member);
        }
        return crowd;
    }

    /** Reads each member's socket to the server's close frame or the end; counts echoed, closed without, hung. */
    private static int[] drain(List<Member> crowd) throws Exception {
        ExecutorService readers = Executors.newFixedThreadPool(32);
        try {
            List<Future<Integer>> outcomes = new ArrayList<>();
            for (Member member : crowd) {
                outcomes.add(readers.submit(() -> {
                    try (member) {
                        return member.awaitClose();
                    }
                }));
            }
            int[] counts = new int[3];
            for (Future<Integer> outcome : outcomes) {
                counts[outcome.get()]++;
            }
            return counts;
        } finally {
            readers.shutdownNow();
            readers.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private record Settled(double seconds, int ghostConnections, int ghostRooms) {
    }

    /** Polls {@code /health} until only the steady room is left, for at most {@code limitSeconds}. */
    private Settled settle(int limitSeconds) throws Exception {
        long start = System.nanoTime();
        JsonNode health;
        do {
            health = JSON.readTree(HTTP.send(HttpRequest.newBuilder(base.resolve("health"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body());
            if (health.path("connections").asInt() == STEADY_MEMBERS && health.path("rooms").asInt() == 1) {
                break;
            }
            Thread.sleep(100);
        } while (seconds(start) < limitSeconds);
        return new Settled(seconds(start), health.path("connections").asInt() - STEADY_MEMBERS,
                health.path("rooms").asInt() - 1);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** A room that keeps chatting through the churn: one member says a numbered line every 20 ms, all read. */
    private final class Steady {
        record Outcome(int sent, int receivedEachMin, boolean inOrder) {
        }

        private final List<Member> members = new ArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService threads = Executors.newFixedThreadPool(STEADY_MEMBERS + 1);
        private final List<Future<int[]>> readers = new ArrayList<>();
        private final Future<Integer> talker;

        Steady() throws IOException {
            for (int i = 0; i < STEADY_MEMBERS; i++) {
                Member member = Member.open(base, "room=steady&name=s" + i, "127.39.0." + (i + 1));
                member.welcome();
                members.add(member);
            }
            for (Member member : members) {
                readers.add(threads.submit(() -> read(member)));
            }
            talker = threads.submit(() -> {
                int sent = 0;
                while (running.get()) {
                    members.get(0).sendText("seq " + sent++);
                    Thread.sleep(20);
                }
                return sent;
            });
        }

        /** @return {messages received, 1 if every one was the next expected number, else 0} */
        private int[] read(Member member) throws IOException {
            int received = 0;
            boolean inOrder = true;
            while (true) {
                String text = member.nextText();
                if (text == null) {
                    return new int[] {received, inOrder ? 1 : 0};
                }
                for (String line : text.split("\n")) {
                    JsonNode event = JSON.readTree(line);
                    if (event.path("type").asText().equals("message")
                            && event.path("text").asText().startsWith("seq ")) {
                        inOrder &= Integer.parseInt(event.path("text").asText().substring(4)) == received;
                        received++;
                    }
                }
            }
        }

        Outcome stop() throws Exception {
            running.set(false);
            int sent = talker.get();
            Thread.sleep(2_000); // the last lines in flight arrive; then the members close and the readers end
            for (Member member : members) {
                member.sendClose(1000);
            }
            int min = Integer.MAX_VALUE;
            boolean inOrder = true;
            for (Future<int[]> reader : readers) {
                int[] outcome = reader.get(60, TimeUnit.SECONDS);
                min = Math.min(min, outcome[0]);
                inOrder &= outcome[1] == 1;
            }
            threads.shutdownNow();
            for (Member member : members) {
                member.close();
            }
            return new Outcome(sent, min, inOrder);
        }
    }

    /** The server process: live heap after a full collection (jcmd's class histogram), RSS, threads. */
    private record Server(long liveHeapBytes, long rssKb, int threads) {
        static Server sample(long pid, String label) throws Exception {
            if (pid <= 0) {
                return new Server(-1, -1, -1);
            }
            Process jcmd = new ProcessBuilder("jcmd", String.valueOf(pid), "GC.class_histogram")
                    .redirectErrorStream(true).start(); // the histogram runs a full collection first
            long live = -1;
            String histogram = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Files.createDirectories(HISTOGRAMS);
            Files.writeString(HISTOGRAMS.resolve("churn-histogram-" + label + ".txt"), histogram);
            for (String line : histogram.split("\n")) {
                if (line.startsWith("Total")) {
                    String[] fields = line.trim().split("\\s+");
                    live = Long.parseLong(fields[2]);
                }
            }
            jcmd.waitFor(60, TimeUnit.SECONDS);
            long rss = -1;
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
            int threads;
            try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                threads = (int) tasks.count();
            }
            return new Server(live, rss, threads);
        }
    }

    /** A blocking WebSocket client that can vanish (reset) or say goodbye; every read times out. */
    private static final class Member implements AutoCloseable {
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        private Member(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        static Member open(URI base, String query, String localAddress) throws IOException {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress(localAddress, 0));
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()));
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            byte[] key = new byte[16];
            ThreadLocalRandom.current().nextBytes(key);
            socket.getOutputStream().write(("GET " + base.getPath() + "chat?" + query + " HTTP/1.1\r\nHost: "
                    + base.getHost() + ":" + base.getPort() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Member member = new Member(socket);
            String head = member.readHead();
            if (!head.startsWith("HTTP/1.1 101")) {
                socket.close();
                throw new IOException("refused: " + head);
            }
            return member;
        }

        void welcome() throws IOException {
            while (true) {
                String text = nextText();
                if (text == null) {
                    throw new IOException("closed before its welcome");
                }
                if (text.startsWith("{\"type\":\"welcome\"")) {
                    return;
                }
            }
        }

        /** The next whole text message (fragments joined), or null once the server closed. */
        String nextText() throws IOException {
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            while (true) {
                int head;
                try {
                    head = in.readUnsignedByte();
                } catch (EOFException e) {
                    return null;
                }
                int length = in.readUnsignedByte() & 0x7f;
                long size = length == 126 ? in.readUnsignedShort() : length == 127 ? in.readLong() : length;
                byte[] payload = new byte[(int) size];
                in.readFully(payload);
                int opcode = head & 0x0f;
                if (opcode == 0x8) {
                    return null;
                }
                if (opcode < 0x8) {
                    message.write(payload);
                    if ((head & 0x80) != 0) {
                        return message.toString(StandardCharsets.UTF_8);
                    }
                }
            }
        }

        /** 0: the server echoed the close; 1: it closed without; 2: nothing within the read timeout. */
        int awaitClose() {
            try {
                while (true) {
                    int head = in.readUnsignedByte();
                    int length = in.readUnsignedByte() & 0x7f;
                    long size = length == 126 ? in.readUnsignedShort() : length == 127 ? in.readLong() : length;
                    in.readFully(new byte[(int) size]);
                    if ((head & 0x0f) == 0x8) {
                        return 0;
                    }
                }
            } catch (SocketTimeoutException e) {
                return 2;
            } catch (IOException e) {
                return 1;
            }
        }

        synchronized void sendText(String text) throws IOException {
            send(0x1, text.getBytes(StandardCharsets.UTF_8));
        }

        synchronized void sendClose(int code) throws IOException {
            send(0x8, new byte[] {(byte) (code >>> 8), (byte) code});
        }

        private void send(int opcode, byte[] payload) throws IOException {
            ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 8);
            frame.write(0x80 | opcode);
            if (payload.length < 126) {
                frame.write(0x80 | payload.length);
            } else {
                frame.write(0x80 | 126);
                frame.write(payload.length >>> 8);
                frame.write(payload.length);
            }
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            frame.write(mask);
            for (int i = 0; i < payload.length; i++) {
                frame.write(payload[i] ^ mask[i % 4]);
            }
            out.write(frame.toByteArray());
            out.flush();
        }

        /** No close frame, and a TCP reset instead of a FIN: a network that drops. */
        void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        private String readHead() throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.append((char) b);
            }
            return head.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
