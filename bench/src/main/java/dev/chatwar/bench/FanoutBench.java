package dev.chatwar.bench;

import com.sun.management.OperatingSystemMXBean;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Fan-out load: N connections in one room, S of them sending at an aggregate rate R for T seconds after a warm-up.
 * Every message carries its sequence number and send time ({@code ~B~seq~nanos~}); each receipt is timed against it
 * (one JVM, one clock), so latency is send → receipt over all receivers. Reports messages sent, deliveries expected,
 * made and lost, deliveries per second, latency percentiles, and the CPU and RSS of the server process and the CPU of
 * this client. One event-loop thread does everything, so the numbers need no locks.
 *
 * <p>Usage: {@code java -jar chat-bench.jar --url ws://127.0.0.1:8080/chat/chat?room=bench --receivers 100
 * --senders 10 --rate 1000 --seconds 10 --warmup 3 --server-pid 1234 [--format chat|text]}. {@code chat} wraps the
 * payload in this project's protocol; {@code text} sends it bare (the seed, Node ws, Bun). With
 * {@code -Dbench.requireNoLoss=true} the exit status is 1 when any delivery is missing (CI's small run).
 */
public final class FanoutBench {
    private static final byte[] MARKER = {'~', 'B', '~'};

    private final Options options;
    private final long base = System.nanoTime();
    private final Histogram latencyMicros = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    private long measureFrom = Long.MAX_VALUE;
    private long measureTo = Long.MAX_VALUE;
    private long delivered;
    private long sent;

    record Options(URI url, int receivers, int senders, int rate, int seconds, int warmup, long serverPid,
                   String format) {
        static Options parse(String[] args) {
            Map<String, String> values = new HashMap<>();
            for (int i = 0; i + 1 < args.length; i += 2) {
                values.put(args[i].replaceFirst("^--", ""), args[i + 1]);
            }
            return new Options(URI.create(values.getOrDefault("url", "ws://127.0.0.1:8080/chat/chat?room=bench")),
                    Integer.parseInt(values.getOrDefault("receivers", "100")),
                    Integer.parseInt(values.getOrDefault("senders", "10")),
                    Integer.parseInt(values.getOrDefault("rate", "1000")),
                    Integer.parseInt(values.getOrDefault("seconds", "10")),
                    Integer.parseInt(values.getOrDefault("warmup", "3")),
                    Long.parseLong(values.getOrDefault("server-pid", "-1")),
                    values.getOrDefault("format", "chat"));
        }
    }

    private FanoutBench(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        System.exit(new FanoutBench(Options.parse(args)).run());
    }

    private int run() throws Exception {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            List<Channel> channels = connect(loop, epoll);
            if (channels.size() < options.receivers()) {
                System.err.println("only " + channels.size() + " of " + options.receivers() + " connected");
                return 2;
            }
            List<Channel> senders = channels.subList(0, Math.min(options.senders(), channels.size()));
            long start = System.nanoTime();
            long warmupEnd = start + TimeUnit.SECONDS.toNanos(options.warmup());
            long end = warmupEnd + TimeUnit.SECONDS.toNanos(options.seconds());
            CountDownLatch done = new CountDownLatch(1);
            Sample[] window = new Sample[2];
            loop.next().scheduleAtFixedRate(() -> tick(senders, start, warmupEnd, end, window, done),
                    0, 1, TimeUnit.MILLISECONDS);
            done.await();
            long expected = (measureTo - measureFrom) * options.receivers();
            long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < drainDeadline && countDelivered(loop) < expected) {
                Thread.sleep(50); // the run is over; this only bounds how long stragglers may take
            }
            long made = countDelivered(loop);
            report(expected, made, window[0], window[1], epoll);
            if (Boolean.parseBoolean(System.getProperty("bench.requireNoLoss", "false")) && made < expected) {
                System.err.println("lost " + (expected - made) + " deliveries");
                return 1;
            }
            return 0;
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private long countDelivered(EventLoopGroup loop) throws Exception {
        return loop.next().submit(() -> delivered).get();
    }

    /** Runs on the event loop each millisecond: sends what the rate says is due, round-robin over the senders. */
    private void tick(List<Channel> senders, long start, long warmupEnd, long end, Sample[] window,
                      CountDownLatch done) {
        long now = System.nanoTime();
        if (measureFrom == Long.MAX_VALUE && now >= warmupEnd) {
            measureFrom = sent;
            window[0] = Sample.take(options.serverPid());
        }
        if (now >= end) {
            if (measureTo == Long.MAX_VALUE) {
                measureTo = sent;
                window[1] = Sample.take(options.serverPid());
                done.countDown();
            }
            return;
        }
        long due = (long) ((now - start) / 1e9 * options.rate());
        while (sent < due) {
            Channel channel = senders.get((int) (sent % senders.size()));
            String payload = "~B~" + sent + "~" + (System.nanoTime() - base) + "~";
            String text = options.format().equals("chat") ? "{\"type\":\"message\",\"text\":\"" + payload + "\"}" : payload;
            channel.write(new TextWebSocketFrame(text));
            sent++;
        }
        senders.forEach(Channel::flush);
    }

    /** Runs on the event loop for every frame any connection receives. */
    private void received(ByteBuf content) {
        int at = indexOf(content);
        if (at < 0) {
            return;
        }
        int i = at + MARKER.length;
        long seq = 0;
        for (byte b; (b = content.getByte(i)) != '~'; i++) {
            seq = seq * 10 + (b - '0');
        }
        long sentAt = 0;
        for (byte b; (b = content.getByte(++i)) != '~'; ) {
            sentAt = sentAt * 10 + (b - '0');
        }
        if (seq >= measureFrom && seq < measureTo) {
            delivered++;
            latencyMicros.recordValue(Math.min(latencyMicros.getHighestTrackableValue(),
                    (System.nanoTime() - base - sentAt) / 1_000));
        }
    }

    private static int indexOf(ByteBuf content) {
        int end = content.writerIndex() - MARKER.length;
        outer:
        for (int i = content.readerIndex(); i <= end; i++) {
            for (int j = 0; j < MARKER.length; j++) {
                if (content.getByte(i + j) != MARKER[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private List<Channel> connect(EventLoopGroup loop, boolean epoll) throws InterruptedException {
        URI url = options.url();
        int port = url.getPort() > 0 ? url.getPort() : 80;
        List<Channel> channels = new ArrayList<>();
        int batch = 100;
        for (int first = 0; first < options.receivers(); first += batch) {
            int count = Math.min(batch, options.receivers() - first);
            CountDownLatch ready = new CountDownLatch(count);
            List<Channel> pending = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                URI uri = URI.create(url + (url.getQuery() == null ? "?" : "&") + "name=b" + (first + i));
                Bootstrap bootstrap = new Bootstrap().group(loop)
                        .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                        .handler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel channel) {
                                channel.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65_536),
                                        new WebSocketClientProtocolHandler(WebSocketClientHandshakerFactory.newHandshaker(
                                                uri, WebSocketVersion.V13, null, false, new DefaultHttpHeaders(),
                                                1 << 20)),
                                        new Receiver(ready));
                            }
                        });
                pending.add(bootstrap.connect(url.getHost(), port).sync().channel());
            }
            if (!ready.await(30, TimeUnit.SECONDS)) {
                return channels;
            }
            channels.addAll(pending);
        }
        return channels;
    }

    private final class Receiver extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final CountDownLatch ready;

        Receiver(CountDownLatch ready) {
            this.ready = ready;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext context, Object event) throws Exception {
            if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                ready.countDown();
            }
            super.userEventTriggered(context, event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame) {
                received(frame.content());
            }
        }
    }

    /** CPU time and resident memory of the server process, and CPU time of this client, at one moment. */
    record Sample(long nanos, long serverCpuTicks, long serverRssKb, long clientCpuNanos) {
        static Sample take(long pid) {
            long ticks = -1;
            long rss = -1;
            if (pid > 0) {
                try {
                    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime + stime
                    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                        if (line.startsWith("VmRSS:")) {
                            rss = Long.parseLong(line.replaceAll("\\D", ""));
                        }
                    }
                } catch (Exception e) {
                    ticks = -1;
                }
            }
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            return new Sample(System.nanoTime(), ticks, rss, os.getProcessCpuTime());
        }
    }

    private void report(long expected, long made, Sample from, Sample to, boolean epoll) {
        double seconds = (to.nanos() - from.nanos()) / 1e9;
        double serverCpu = from.serverCpuTicks() < 0 ? Double.NaN
                : (to.serverCpuTicks() - from.serverCpuTicks()) / 100.0 / seconds * 100;
        double clientCpu = (to.clientCpuNanos() - from.clientCpuNanos()) / 1e9 / seconds * 100;
        System.out.printf(Locale.ROOT, "RESULT receivers=%d senders=%d rate=%d seconds=%.1f sent=%d expected=%d"
                        + " delivered=%d lost=%d deliveries_per_s=%.0f p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f"
                        + " server_cpu_pct=%.0f server_rss_mb=%.0f client_cpu_pct=%.0f transport=%s%n",
                options.receivers(), options.senders(), options.rate(), seconds, measureTo - measureFrom, expected,
                made, Math.max(0, expected - made), made / seconds,
                latencyMicros.getValueAtPercentile(50) / 1000.0, latencyMicros.getValueAtPercentile(99) / 1000.0,
                latencyMicros.getValueAtPercentile(99.9) / 1000.0, latencyMicros.getMaxValue() / 1000.0,
                serverCpu, to.serverRssKb() / 1024.0, clientCpu, epoll ? "epoll" : "nio");
    }
}
