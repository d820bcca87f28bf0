package dev.courier.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a free loopback port in front of a broker (or database) that can cut the
 * network: {@link #cut()} closes every open connection and refuses new ones, as an outage would,
 * {@link #restore()} lets connections through again. For brokers that keep no state across a real
 * restart (an emulator), a {@link RestartableBroker} can stop and start this instead.
 * {@link #resetNext(int)} resets new connections once their client has sent its request, as an
 * endpoint under load does ("Connection reset" where the client waits for the answer), and
 * {@link #connections()} / {@link #resets()} count, so a test can tell how often a client tried.
 *
 * <p>Thread safe; each connection is pumped by two daemon threads. Closes with {@link #close()}.
 */
public final class CuttableProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final String host;
    private final int port;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger toReset = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private volatile boolean cut;

    /** Starts a proxy to {@code host:port}. */
    public CuttableProxy(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.listener = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "cuttable-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The loopback port clients connect to. */
    public int port() {
        return listener.getLocalPort();
    }

    /** Closes every open connection and refuses new ones until {@link #restore()}. */
    public void cut() {
        cut = true;
        sockets.forEach(CuttableProxy::closeQuietly);
        sockets.clear();
    }

    /** Lets connections through again. */
    public void restore() {
        cut = false;
    }

    /**
     * Resets the next {@code connections} new connections (after reading the start of each one's
     * request), then lets connections through again; {@link Integer#MAX_VALUE} resets every one
     * until {@code resetNext(0)}.
     */
    public void resetNext(int connections) {
        toReset.set(connections);
    }

    /** The connections accepted so far (reset or let through). */
    public int connections() {
        return accepted.get();
    }

    /** The connections reset so far. */
    public int resets() {
        return resets.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                accepted.incrementAndGet();
                if (cut) {
                    closeQuietly(client);
                    continue;
                }
                boolean reset = toReset.getAndUpdate(left -> left == Integer.MAX_VALUE ? left : Math.max(0, left - 1)) > 0;
                Thread connection = new Thread(() -> {
                    if (reset) {
                        reset(client);
                    } else {
                        pass(client);
                    }
                }, "cuttable-proxy-connect");
                connection.setDaemon(true);
                connection.start();
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    /** Reads the start of the request, so the client waits for its answer, and answers with a TCP reset. */
    private void reset(Socket client) {
        try {
            client.setSoTimeout(10_000);
            client.getInputStream().read(new byte[16 * 1024]);
            client.setSoLinger(true, 0);
            resets.incrementAndGet();
        } catch (IOException e) {
            // the client went first; closing anyway
        } finally {
            closeQuietly(client);
        }
    }

    private void pass(Socket client) {
        Socket server = new Socket();
        try {
            server.connect(new InetSocketAddress(host, port), 5_000);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(server);
            return;
        }
        sockets.add(client);
        sockets.add(server);
        if (cut) { // cut while this one was connecting
            closeQuietly(client);
            closeQuietly(server);
            return;
        }
        pump(client, server);
        pump(server, client);
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed, or the network was cut
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "cuttable-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(CuttableProxy::closeQuietly);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
