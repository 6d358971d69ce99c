package dev.chatwar.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.OperatingSystemMXBean;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * The fan-out benchmark's load client. One room (or {@code --rooms K} equal rooms), N receivers; S of them send at an
 * aggregate rate R. Every message
 * carries its sequence number and send time ({@code ~B~seq~nanos~}); each receipt is timed against it (one JVM, one
 * clock), so latency is send → receipt over all receivers. One event-loop thread does all the network work and all
 * the counting, so the counters need no locks; the main thread only schedules and waits.
 *
 * <p>Modes ({@code --mode}):
 * <ul>
 *   <li>{@code fanout}: warm-up, then T seconds at rate R; with {@code --stalled K}, K more members join and never
 *       read, so their effect on everyone else's latency shows;</li>
 *   <li>{@code max}: the highest rate with p99 under {@code --p99-limit-ms} and nothing lost, found by doubling from
 *       R and then bisecting; after a failed step every connection is replaced, so a backlog does not carry over;</li>
 *   <li>{@code connections}: C idle connections (from {@code --source-addresses} loopback addresses), the connect
 *       rate and the server's resident memory per connection, then one message that must reach all C. With
 *       {@code --spoken true} every connection first sends one frame (an empty message, which the chat answers
 *       with an error to the sender alone, so it costs no broadcast): the memory of members who have said
 *       something, not only of silent ones.</li>
 * </ul>
 * {@code --format chat} wraps the payload in this project's protocol; {@code text} sends it bare (the seed, Node ws,
 * Bun). With {@code -Dbench.requireNoLoss=true} the exit status is 1 when a delivery is missing (CI's small run).
 * With {@code --timeline FILE} each measured window's messages are appended to FILE one by one ({@link Timeline}),
 * for {@code bench/stalls.py} to lay beside the JVMs' safepoint logs.
 */
public final class FanoutBench implements WsConnection.Listener {
    private static final byte[] MARKER = {'~', 'B', '~'};
    /**
     * Fetched once, at start: the first call loads the JVM's management classes, about 60 ms here, and made on the
     * event loop as a window opens (its first {@link Sample}) it stopped the sending and the timing right there.
     */
    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    /** A sending tick (due every millisecond) this late is recorded in the timeline as a stall of the load client. */
    private static final long LOOP_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a member "says" in {@code --spoken} runs: answered with an {@code empty} error to the sender only. */
    private static final byte[] SPOKEN = "{\"type\":\"message\",\"text\":\"\"}".getBytes(StandardCharsets.US_ASCII);

    private final Options options;
    private final long base = System.nanoTime();
    /** The wall clock at {@link #base}, in microseconds since the epoch: for {@code --timeline}. */
    private final long baseWallMicros = wallMicros();
    private final MultiThreadIoEventLoopGroup group;
    private final EventLoop loop;
    private final boolean epoll;

    // Touched only on the event loop.
    private final Histogram latencyMicros = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    private final Map<Integer, Integer> closeCodes = new TreeMap<>();
    private long measureFrom = Long.MAX_VALUE;
    private long measureTo = Long.MAX_VALUE;
    private long delivered;
    private long sent;
    private int opened;
    private int ready;
    private long lastFrameNanos;
    private long malformed;
    private Timeline timeline; // with --timeline, while a window is measured

    record Options(URI url, String mode, String label, int receivers, int senders, int rate, int seconds, int warmup,
                   long serverPid, String format, int stalled, int sourceAddresses, double p99LimitMs, int maxRate,
                   boolean spoken, URI url2, boolean deflate, int rooms, String windowHook, String timeline) {
        static Options parse(String[] args) {
            Map<String, String> values = new HashMap<>();
            for (int i = 0; i + 1 < args.length; i += 2) {
                values.put(args[i].replaceFirst("^--", ""), args[i + 1]);
            }
            return new Options(URI.create(values.getOrDefault("url", "ws://127.0.0.1:8080/chat/chat?room=bench")),
                    values.getOrDefault("mode", "fanout"), values.getOrDefault("label", "chat"),
                    Integer.parseInt(values.getOrDefault("receivers", "100")),
                    Integer.parseInt(values.getOrDefault("senders", "10")),
                    Integer.parseInt(values.getOrDefault("rate", "1000")),
                    Integer.parseInt(values.getOrDefault("seconds", "10")),
                    Integer.parseInt(values.getOrDefault("warmup", "3")),
                    Long.parseLong(values.getOrDefault("server-pid", "-1")),
                    values.getOrDefault("format", "chat"),
                    Integer.parseInt(values.getOrDefault("stalled", "0")),
                    Integer.parseInt(values.getOrDefault("source-addresses", "1")),
                    Double.parseDouble(values.getOrDefault("p99-limit-ms", "50")),
                    Integer.parseInt(values.getOrDefault("max-rate", "100000")),
                    Boolean.parseBoolean(values.getOrDefault("spoken", "false")),
                    values.containsKey("url2") ? URI.create(values.get("url2")) : null,
                    Boolean.parseBoolean(values.getOrDefault("deflate", "false")),
                    Integer.parseInt(values.getOrDefault("rooms", "1")),
                    values.getOrDefault("window-hook", ""),
                    values.getOrDefault("timeline", ""));
        }
    }

    /** What one measured window saw. */
    record Window(int rate, double seconds, long sent, long expected, long delivered, Histogram latency,
                  Sample from, Sample to, int closed, long fragmented, long malformed, long deflating) {
        long lost() {
            return Math.max(0, expected - delivered);
        }

        double p99Ms() {
            return latency.getValueAtPercentile(99) / 1000.0;
        }
    }

    private FanoutBench(Options options) {
        this.options = options;
        this.epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.loop = group.next();
    }

    public static void main(String[] args) throws Exception {
        FanoutBench bench = new FanoutBench(Options.parse(args));
        int status;
        try {
            status = switch (bench.options.mode()) {
                case "fanout" -> bench.fanout();
                case "max" -> bench.max();
                case "connections" -> bench.connections();
                default -> throw new IllegalArgumentException("--mode fanout|max|connections");
            };
        } finally {
            bench.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        System.exit(status);
    }

    private int fanout() throws Exception {
        List<WsConnection> members = connect(options.receivers(), false);
        if (members == null) {
            return 2;
        }
        if (options.stalled() > 0 && connect(options.stalled(), true) == null) {
            return 2;
        }
        Window window = measure(members, options.rate(), options.warmup(), options.seconds());
        report("fanout", window);
        if (Boolean.getBoolean("bench.requireNoLoss") && window.lost() > 0) {
            System.err.println("lost " + window.lost() + " deliveries");
            return 1;
        }
        return 0;
    }

    private int max() throws Exception {
        List<WsConnection> members = connect(options.receivers(), false);
        if (members == null) {
            return 2;
        }
        Window best = null;
        int passed = 0;
        int failed = 0;
        int rate = options.rate();
        int retried = -1;
        for (int step = 0; step < 16 && rate > 0; step++) {
            Window window = measure(members, rate, 1, options.seconds());
            boolean pass = window.lost() == 0 && window.closed() == 0 && window.p99Ms() < options.p99LimitMs();
            report(pass ? "max-step-pass" : "max-step-fail", window);
            if (!pass) {
                closeAll(members);
                members = connect(options.receivers(), false);
                if (members == null) {
                    return 2;
                }
                if (retried != rate) {
                    // A step fails only if it fails twice: one hiccup (a collection, code not yet compiled) would
                    // otherwise end the climb for good, and the search never goes back up.
                    retried = rate;
                    continue;
                }
            }
            if (pass) {
                passed = rate;
                best = window;
            } else {
                failed = rate;
            }
            if (failed == 0) {
                if (rate >= options.maxRate()) {
                    break;
                }
                rate = Math.min(options.maxRate(), rate * 2);
            } else if (failed - passed <= Math.max(1, failed / 16)) {
                break; // within about 6 %
            } else {
                rate = (passed + failed) / 2;
            }
        }
        if (best == null) {
            System.out.printf(Locale.ROOT, "MAX server=%s receivers=%d none passed%n", options.label(),
                    options.receivers());
        } else {
            System.out.printf(Locale.ROOT, "MAX server=%s receivers=%d senders=%d rate=%d deliveries_per_s=%.0f"
                            + " p99_ms=%.2f server_cpu_pct=%.0f client_cpu_pct=%.0f capped=%s%n", options.label(),
                    options.receivers(), options.senders(), passed, best.delivered() / best.seconds(), best.p99Ms(),
                    serverCpu(best), clientCpu(best), passed >= options.maxRate());
        }
        return 0;
    }

    private int connections() throws Exception {
        Sample before = Sample.take(options.serverPid());
        long start = System.nanoTime();
        List<WsConnection> members = connect(options.receivers(), false);
        double connectSeconds = (System.nanoTime() - start) / 1e9;
        if (members == null) {
            return 2;
        }
        if (options.spoken()) {
            onLoop(() -> {
                for (WsConnection member : members) {
                    member.write(SPOKEN);
                    member.channel().flush();
                }
                return null;
            });
            awaitQuiet();
        }
        // Five broadcasts, a second apart: the first also pays for cold code paths; each is reported.
        boolean all = true;
        for (int round = 1; round <= 5; round++) {
            long seq = onLoop(() -> {
                latencyMicros.reset();
                measureFrom = sent;
                measureTo = sent + 1;
                delivered = 0;
                send(members.get(0));
                members.get(0).channel().flush();
                return measureFrom;
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline && onLoop(() -> delivered) < members.size()) {
                Thread.sleep(5);
            }
            long reached = onLoop(() -> delivered);
            // Sampled at every round, not once after connecting: a server still digesting the joins (or, with
            // --spoken, the frames) may not have grown its heap yet; by the last round it has.
            Sample after = Sample.take(options.serverPid());
            Histogram latency = onLoop(latencyMicros::copy);
            all &= reached == members.size();
            System.out.printf(Locale.ROOT, "CONNECTIONS server=%s connections=%d spoken=%b connect_s=%.1f"
                            + " connects_per_s=%.0f"
                            + " server_rss_mb_before=%.0f server_rss_mb_after=%.0f rss_kib_per_connection=%.1f"
                            + " broadcast=%d reached=%d broadcast_p50_ms=%.1f broadcast_p99_ms=%.1f"
                            + " broadcast_all_ms=%.1f%n",
                    options.label(), members.size(), options.spoken(), connectSeconds, members.size() / connectSeconds,
                    before.serverRssKb() / 1024.0, after.serverRssKb() / 1024.0,
                    (after.serverRssKb() - before.serverRssKb()) / (double) members.size(), round, reached,
                    latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
                    reached == members.size() ? latency.getMaxValue() / 1000.0 : Double.NaN);
            Thread.sleep(1000);
        }
        if (!options.windowHook().isEmpty()) {
            // The members stay connected while the hook looks at the server (bench/run.sh memory: the native memory
            // and the heap, then a full collection), and the memory is sampled again after it.
            hook("settle").get();
            Sample settled = Sample.take(options.serverPid());
            System.out.printf(Locale.ROOT, "SETTLED server=%s connections=%d server_rss_mb=%.0f"
                            + " rss_kib_per_connection=%.1f%n", options.label(), members.size(),
                    settled.serverRssKb() / 1024.0,
                    (settled.serverRssKb() - before.serverRssKb()) / (double) members.size());
        }
        return all ? 0 : 1;
    }

    /**
     * Sends at {@code rate} for a warm-up and a measured window, then waits (at most 5 s) for stragglers. The senders
     * are the first {@code --senders} members.
     */
    private Window measure(List<WsConnection> members, int rate, int warmupSeconds, int seconds) throws Exception {
        List<WsConnection> senders = members.subList(0, Math.min(options.senders(), members.size()));
        int closedBefore = onLoop(this::closedCount);
        onLoop(() -> {
            latencyMicros.reset();
            measureFrom = Long.MAX_VALUE;
            measureTo = Long.MAX_VALUE;
            delivered = 0;
            timeline = null;
            return null;
        });
        long start = System.nanoTime();
        long firstSent = onLoop(() -> sent);
        long warmupEnd = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
        Sample[] window = new Sample[2];
        java.util.concurrent.CompletableFuture<?>[] hooks = new java.util.concurrent.CompletableFuture<?>[2];
        long[] lastTick = {0};
        var ticker = loop.scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            if (timeline != null && lastTick[0] != 0 && now - lastTick[0] > LOOP_GAP_NANOS) {
                timeline.loopGap(baseWallMicros + (lastTick[0] - base) / 1000, (now - lastTick[0]) / 1000);
            }
            lastTick[0] = now;
            if (measureFrom == Long.MAX_VALUE && now >= warmupEnd) {
                measureFrom = sent;
                if (!options.timeline().isEmpty()) {
                    timeline = new Timeline(sent, rate * (seconds + 1) + 1000, options.p99LimitMs());
                }
                window[0] = Sample.take(options.serverPid());
                hooks[0] = hook("start");
            }
            if (now >= end) {
                if (measureTo == Long.MAX_VALUE) {
                    measureTo = sent;
                    window[1] = Sample.take(options.serverPid());
                    hooks[1] = hook("end");
                }
                return;
            }
            long due = firstSent + (long) ((now - start) / 1e9 * rate);
            while (sent < due) {
                send(senders.get((int) (sent % senders.size())));
            }
            senders.forEach(sender -> sender.channel().flush());
        }, 0, 1, TimeUnit.MILLISECONDS);
        while (onLoop(() -> measureTo) == Long.MAX_VALUE) {
            Thread.sleep(10);
        }
        ticker.cancel(false);
        // Every message reaches its own room: members.size() / rooms receivers (the rooms are equal; see connect).
        long expected = onLoop(() -> (measureTo - measureFrom) * (members.size() / options.rooms()));
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < drainDeadline && onLoop(() -> delivered) < expected) {
            Thread.sleep(20); // the window is over; this only bounds how long stragglers may take
        }
        onLoop(() -> {
            if (timeline != null) {
                timeline.append(Path.of(options.timeline()), "server=" + options.label() + " receivers="
                        + members.size() + " rate=" + rate + " from=" + measureFrom, measureTo);
                timeline = null;
            }
            return null;
        });
        return onLoop(() -> new Window(rate, (window[1].nanos() - window[0].nanos()) / 1e9, measureTo - measureFrom,
                expected, delivered, latencyMicros.copy(), window[0], window[1], closedCount() - closedBefore,
                members.stream().mapToLong(WsConnection::fragmentedMessages).sum(), malformed,
                members.stream().filter(WsConnection::deflates).count()));
    }

    /**
     * Runs {@code --window-hook} with {@code start} or {@code end} as the measured window opens and closes (the shell
     * reads Redis's statistics of just that window), off the event loop so the sending is not held up; in the
     * connections mode, with {@code settle} after the last broadcast.
     */
    private java.util.concurrent.CompletableFuture<?> hook(String moment) {
        if (options.windowHook().isEmpty()) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        return java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                new ProcessBuilder(options.windowHook(), moment).inheritIO().start().waitFor();
            } catch (Exception e) {
                System.err.println("window hook " + moment + ": " + e);
            }
        });
    }

    /** On the event loop: one message from {@code sender}, not flushed. */
    private void send(WsConnection sender) {
        long nanos = System.nanoTime() - base;
        String payload = "~B~" + sent + "~" + nanos + "~";
        if (timeline != null) {
            timeline.sent(sent, baseWallMicros + nanos / 1000);
        }
        try {
            sender.write(options.format().equals("chat")
                    ? JSON.writeValueAsBytes(Map.of("type", "message", "text", payload))
                    : payload.getBytes(StandardCharsets.US_ASCII));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        sent++;
    }

    @Override
    public void opened(WsConnection connection) {
        opened++;
    }

    @Override
    public void text(ByteBuf buffer, int from, int to) {
        long now = System.nanoTime();
        lastFrameNanos = now;
        int at = WsConnection.indexOf(buffer, from, to, MARKER);
        while (at >= 0) { // a packed frame (batch=1) carries several messages
            int i = at + MARKER.length;
            long seq = 0;
            for (byte b; i < to && (b = buffer.getByte(i)) != '~'; i++) {
                seq = seq * 10 + (b - '0');
            }
            long sentAt = 0;
            for (byte b; ++i < to && (b = buffer.getByte(i)) != '~'; ) {
                sentAt = sentAt * 10 + (b - '0');
            }
            if (i >= to) {
                malformed++;
                return;
            }
            if (seq >= measureFrom && seq < measureTo) {
                delivered++;
                long micros = (now - base - sentAt) / 1_000;
                latencyMicros.recordValue(Math.min(latencyMicros.getHighestTrackableValue(), micros));
                if (timeline != null) {
                    timeline.delivered(seq, micros);
                }
            }
            at = WsConnection.indexOf(buffer, i + 1, to, MARKER);
        }
    }

    @Override
    public void joined(WsConnection connection) {
        ready++;
    }

    @Override
    public void closed(WsConnection connection, int code) {
        closeCodes.merge(code, 1, Integer::sum);
    }

    private int closedCount() {
        return closeCodes.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * Opens {@code count} connections, at most 500 handshakes at a time, and waits until each has received its first
     * frame (the server's welcome or join): only then is it surely a member. Null if they did not all make it in
     * time. A stalled connection stops reading once it is a member and has a small receive buffer, so the server
     * feels it at once.
     */
    private List<WsConnection> connect(int count, boolean stalled) throws Exception {
        List<WsConnection> connections = new ArrayList<>(count);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(30, count / 200));
        int readyBefore = onLoop(() -> ready);
        AtomicInteger failed = new AtomicInteger();
        for (int i = 0; i < count; i++) {
            while (i - (onLoop(() -> ready) - readyBefore) >= 500) {
                if (System.nanoTime() > deadline) {
                    System.err.println("only " + connections.size() + " of " + count + " connected in time");
                    return null;
                }
                Thread.sleep(1);
            }
            // With --rooms K, connection i is in room i % K (so the first K, the senders, are one in each room), and
            // with --url2 (a second node of the same chat) every other member of a room goes there: every room has
            // members on both nodes, the spread that costs the engine most.
            int rooms = options.rooms();
            URI url = options.url2() != null && (i / rooms) % 2 == 1 ? options.url2() : options.url();
            if (rooms > 1) {
                url = URI.create(url.toString().replaceFirst("room=([^&]*)", "room=$1-" + (i % rooms)));
            }
            int port = url.getPort() > 0 ? url.getPort() : 80;
            String name = (stalled ? "stalled" : "b") + i;
            URI uri = URI.create(url + (url.getQuery() == null ? "?" : "&") + "name=" + name);
            WsConnection connection = new WsConnection(uri, this, options.deflate());
            Bootstrap bootstrap = new Bootstrap().group(loop)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline().addLast(connection);
                        }
                    });
            if (stalled) {
                bootstrap.option(ChannelOption.SO_RCVBUF, 4096);
            }
            InetSocketAddress source = new InetSocketAddress("127.0.0." + (1 + i % options.sourceAddresses()), 0);
            ChannelFuture future = bootstrap.connect(new InetSocketAddress(url.getHost(), port), source);
            future.addListener(f -> {
                if (!f.isSuccess()) {
                    failed.incrementAndGet();
                }
            });
            connections.add(connection);
        }
        while (onLoop(() -> ready) - readyBefore < count) {
            if (System.nanoTime() > deadline || failed.get() > 0) {
                System.err.println("only " + (onLoop(() -> ready) - readyBefore) + " of " + count
                        + " connections became members (" + failed.get() + " connects failed); closes: "
                        + onLoop(() -> new TreeMap<>(closeCodes)));
                return null;
            }
            Thread.sleep(5);
        }
        if (stalled) {
            onLoop(() -> {
                connections.forEach(connection -> connection.channel().config().setAutoRead(false));
                return null;
            });
        }
        // Join announcements keep the server busy after the last welcome (n joins are n² frames in a room within
        // the presence limit); measuring starts once nothing has arrived for a second.
        awaitQuiet();
        return connections;
    }

    /** Returns once nothing has arrived for a second (at most two minutes). */
    private void awaitQuiet() throws Exception {
        long quietDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() - onLoop(() -> lastFrameNanos) < TimeUnit.SECONDS.toNanos(1)
                && System.nanoTime() < quietDeadline) {
            Thread.sleep(100);
        }
    }

    private void closeAll(List<WsConnection> connections) throws Exception {
        for (WsConnection connection : connections) {
            connection.channel().close();
        }
        for (WsConnection connection : connections) {
            connection.channel().closeFuture().await(5, TimeUnit.SECONDS);
        }
    }

    private static long wallMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get();
    }

    /** CPU time and resident memory of the server process, and CPU time of this client, at one moment. */
    record Sample(long nanos, long serverCpuTicks, long serverSystemTicks, long serverRssKb, long clientCpuNanos) {
        static Sample take(long pid) {
            long ticks = -1;
            long system = -1;
            long rss = -1;
            if (pid > 0) {
                try {
                    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    system = Long.parseLong(fields[12]); // stime: the kernel's part (system calls, loopback)
                    ticks = Long.parseLong(fields[11]) + system; // utime + stime
                    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                        if (line.startsWith("VmRSS:")) {
                            rss = Long.parseLong(line.replaceAll("\\D", ""));
                        }
                    }
                } catch (Exception e) {
                    ticks = -1;
                    system = -1;
                }
            }
            return new Sample(System.nanoTime(), ticks, system, rss, OS.getProcessCpuTime());
        }
    }

    private static double serverCpu(Window window) {
        return window.from().serverCpuTicks() < 0 ? Double.NaN
                : (window.to().serverCpuTicks() - window.from().serverCpuTicks()) / 100.0 / window.seconds() * 100;
    }

    private static double serverSystemCpu(Window window) {
        return window.from().serverSystemTicks() < 0 ? Double.NaN
                : (window.to().serverSystemTicks() - window.from().serverSystemTicks()) / 100.0 / window.seconds() * 100;
    }

    /** The server's CPU (user and system) per million deliveries in the window, in core-seconds. */
    private static double serverCpuPerMillion(Window window) {
        return window.delivered() == 0 ? Double.NaN
                : serverCpu(window) / 100 * window.seconds() / window.delivered() * 1e6;
    }

    private static double clientCpu(Window window) {
        return (window.to().clientCpuNanos() - window.from().clientCpuNanos()) / 1e9 / window.seconds() * 100;
    }

    private void report(String mode, Window window) {
        Histogram latency = window.latency();
        System.out.printf(Locale.ROOT, "RESULT mode=%s server=%s receivers=%d senders=%d stalled=%d rate=%d"
                        + " seconds=%.1f sent=%d expected=%d delivered=%d lost=%d closed=%d deliveries_per_s=%.0f"
                        + " p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f server_cpu_pct=%.0f server_sys_pct=%.0f"
                        + " server_cpu_s_per_million=%.2f server_rss_mb=%.0f"
                        + " client_cpu_pct=%.0f fragmented=%d malformed=%d deflating=%d transport=%s%n",
                mode, options.label(), options.receivers(), options.senders(), options.stalled(), window.rate(),
                window.seconds(), window.sent(), window.expected(), window.delivered(), window.lost(),
                window.closed(), window.delivered() / window.seconds(),
                latency.getValueAtPercentile(50) / 1000.0, window.p99Ms(),
                latency.getValueAtPercentile(99.9) / 1000.0, latency.getMaxValue() / 1000.0,
                serverCpu(window), serverSystemCpu(window), serverCpuPerMillion(window),
                window.to().serverRssKb() / 1024.0, clientCpu(window), window.fragmented(),
                window.malformed(), window.deflating(), epoll ? "epoll" : "nio");
    }
}
