package dev.chatwar.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What one small write to a loopback socket costs the writing thread, user and kernel time apart, with nothing of the
 * chat or Tomcat in the way: the floor under the chat's sends on this machine. Like a quiet room, one thread writes a
 * frame of {@code bytes} to each of {@code sockets} connections in turn, 100 times a second; a reader in another
 * process (pinned to the other CPU by the caller, as the load client is) takes everything. Between two writes the
 * writer can spin for {@code spinNanos}, standing in for the user-space work a server does per send, to show how the
 * kernel's share of each write depends on the pace of the writes.
 *
 * <p>Run: {@code taskset -c 1 java -cp bench/target/chat-bench.jar dev.chatwar.bench.WriteCost SOCKETS BYTES SPIN_NS}
 * ({@code bench/run.sh writes} runs the README's set). The reader is started as
 * {@code taskset -c 0 java ... WriteCost read PORT SOCKETS}. Thread CPU times come from the JVM ({@link ThreadMXBean}),
 * which reads the kernel's per-thread accounting.
 */
public final class WriteCost {
    private static final int WARMUP_ROUNDS = 500;
    private static final int MEASURED_ROUNDS = 1_000;
    private static final long ROUND_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("read")) {
            read(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            return;
        }
        int sockets = Integer.parseInt(args[0]);
        int bytes = Integer.parseInt(args[1]);
        long spinNanos = Long.parseLong(args[2]);
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            Process reader = new ProcessBuilder("taskset", "-c", "0",
                    ProcessHandle.current().info().command().orElse("java"),
                    "-cp", System.getProperty("java.class.path"), WriteCost.class.getName(),
                    "read", String.valueOf(port), String.valueOf(sockets)).inheritIO().start();
            try {
                write(listener, sockets, bytes, spinNanos);
            } finally {
                reader.destroy();
            }
        }
    }

    private static void write(ServerSocketChannel listener, int sockets, int bytes, long spinNanos) throws IOException {
        SocketChannel[] members = new SocketChannel[sockets];
        for (int i = 0; i < sockets; i++) {
            members[i] = listener.accept();
            members[i].setOption(StandardSocketOptions.TCP_NODELAY, true);
            members[i].configureBlocking(false);
        }
        ByteBuffer frame = ByteBuffer.allocate(bytes);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuAtStart = 0;
        long userAtStart = 0;
        long writes = 0;
        long partial = 0;
        for (int round = 0; round < WARMUP_ROUNDS + MEASURED_ROUNDS; round++) {
            if (round == WARMUP_ROUNDS) {
                cpuAtStart = threads.getCurrentThreadCpuTime();
                userAtStart = threads.getCurrentThreadUserTime();
                writes = 0;
            }
            long roundStart = System.nanoTime();
            for (SocketChannel member : members) {
                frame.clear();
                if (member.write(frame) < bytes) {
                    partial++; // the reader fell behind; a real server would queue the rest
                }
                writes++;
                long until = System.nanoTime() + spinNanos;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
            while (System.nanoTime() - roundStart < ROUND_NANOS) {
                LockSupport.parkNanos(ROUND_NANOS - (System.nanoTime() - roundStart)); // idle till the next round
            }
        }
        long cpu = threads.getCurrentThreadCpuTime() - cpuAtStart;
        long user = threads.getCurrentThreadUserTime() - userAtStart;
        System.out.printf("WRITES sockets=%d bytes=%d spin_ns=%d writes=%d partial=%d cpu_us_per_write=%.2f"
                        + " user_us_per_write=%.2f sys_us_per_write=%.2f%n", members.length, bytes, spinNanos, writes,
                partial, cpu / 1e3 / writes, user / 1e3 / writes, (cpu - user) / 1e3 / writes);
    }

    /** Connects the sockets and reads whatever arrives until the writer goes away. */
    private static void read(int port, int sockets) throws IOException {
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < sockets; i++) {
                SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ);
            }
            ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
            while (true) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    buffer.clear();
                    if (((SocketChannel) key.channel()).read(buffer) < 0) {
                        return;
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            // the writer closed the connections: done
        }
    }

    private WriteCost() {
    }
}
