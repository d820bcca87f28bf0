package dev.courier.transport.aws;

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
 * A TCP proxy on a free loopback port in front of the tests' moto_server that resets connections
 * on demand, as an endpoint under load does: a connection to reset has its request read, then is
 * closed with {@code SO_LINGER 0}, so the client reads a TCP reset where it waits for the answer
 * ("Connection reset"). Every other connection goes through to moto. It counts the connections it
 * accepted and the ones it reset, so a test can tell how many attempts a call made.
 *
 * <p>Thread safe; each connection is handled by daemon threads of its own.
 */
final class ResettingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final int target;
    private final AtomicInteger toReset = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean resetAll;

    /** Starts a proxy to moto_server on {@code target}, letting every connection through. */
    ResettingProxy(int target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "resetting-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The tests' URL through this proxy, with {@code options} ({@code a=b&c=d}) appended. */
    String url(String options) {
        return "aws://" + MotoServer.REGION + "?endpoint=http://127.0.0.1:" + listener.getLocalPort() + "&waitTime=0s"
                + (options.isEmpty() ? "" : "&" + options);
    }

    /** Resets the next {@code count} connections, then lets them through again. */
    void resetNext(int count) {
        toReset.set(count);
    }

    /** Resets every connection from now on ({@code true}) or none ({@code false}). */
    void resetAll(boolean all) {
        resetAll = all;
    }

    /** Connections accepted so far. */
    int connections() {
        return accepted.get();
    }

    /** Connections reset so far. */
    int resets() {
        return resets.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                accepted.incrementAndGet();
                boolean reset = resetAll || toReset.getAndUpdate(left -> Math.max(0, left - 1)) > 0;
                Thread handler = new Thread(() -> {
                    if (reset) {
                        reset(client);
                    } else {
                        pass(client);
                    }
                }, "resetting-proxy-connection");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    /** Reads the start of the request, so the client waits for its answer, and answers with a reset. */
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
            server.connect(new InetSocketAddress("127.0.0.1", target), 5_000);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(server);
            return;
        }
        sockets.add(client);
        sockets.add(server);
        Thread back = new Thread(() -> pump(server, client), "resetting-proxy-pump");
        back.setDaemon(true);
        back.start();
        pump(client, server);
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(ResettingProxy::closeQuietly);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
