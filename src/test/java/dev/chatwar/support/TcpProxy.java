package dev.chatwar.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on a loopback port that a test can cut: {@link #cut()} drops every connection through it and refuses
 * new ones until {@link #restore()}, which is how a flaky network looks to a browser. {@link #strand()} drops only
 * the clients' side, which is how a phone that lost its network looks to the server. {@link #silence()} keeps every
 * relayed connection open on both sides and drops what they carry, which is how a path that silently loses packets
 * looks to both. Daemon threads only; closing the proxy ends them all.
 */
public final class TcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** Each relayed client's socket and the upstream socket it is relayed to. */
    private final Map<Socket, Socket> relays = new ConcurrentHashMap<>();
    /** Upstream sockets left open and silent by {@link #strand()}; only {@link #close()} closes them. */
    private final Set<Socket> stranded = ConcurrentHashMap.newKeySet();
    /** Sockets whose bytes {@link #silence()} drops from now on, both ways. */
    private final Set<Socket> silenced = ConcurrentHashMap.newKeySet();
    private volatile boolean up = true;

    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        Thread acceptor = new Thread(this::accept, "tcp-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Drops every relayed connection and refuses new ones. */
    public void cut() {
        up = false;
        open.forEach(TcpProxy::closeQuietly);
        open.clear();
    }

    /**
     * Drops the clients' side of every relayed connection and leaves the server's side open, with nothing more sent
     * on it: the client sees its connection end, the server sees a connection that looks alive until its idle timeout.
     * New connections are relayed as usual.
     */
    public void strand() {
        relays.forEach((client, upstream) -> {
            stranded.add(upstream);
            closeQuietly(client);
        });
        relays.clear();
    }

    /** Every connection relayed so far stays open on both sides and carries nothing more. New ones relay as usual. */
    public void silence() {
        silenced.addAll(open);
    }

    public void restore() {
        up = true;
    }

    @Override
    public void close() {
        cut();
        stranded.forEach(TcpProxy::closeQuietly);
        closeQuietly(server);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (!up) {
                    closeQuietly(client);
                    continue;
                }
                open.add(client);
                Socket upstream = new Socket(targetHost, targetPort);
                open.add(upstream);
                relays.put(client, upstream);
                pipe(client, upstream);
                pipe(upstream, client);
            } catch (IOException e) {
                // The server socket closed, or the target refused. Then the client's connection stays open and
                // silent until cut() or close(), as behind a balancer whose backend is down: a client notices only
                // when its handshake times out (a Lettuce reconnect then stalls for seconds: how a node in the chaos
                // test stays deaf for a while). Before, the socket was dropped unclosed, and closed whenever the
                // collector found it.
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try { // not try-with-resources: closing a socket's stream closes the socket, stranded or not
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    if (!silenced.contains(from)) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // one side went away; close both below
            } finally {
                for (Socket socket : List.of(from, to)) {
                    if (!stranded.contains(socket)) {
                        closeQuietly(socket);
                        open.remove(socket);
                        relays.remove(socket);
                    }
                }
            }
        }, "tcp-proxy-pipe");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // already closed
        }
    }
}
