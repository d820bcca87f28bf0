package dev.courier.transport.aws;

import dev.courier.testkit.RestartableBroker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of the emulator that can cut the network: {@link #stop()} drops every
 * connection and refuses new ones (closing each at once), {@link #start()} lets them through
 * again. The emulator keeps no state across a restart, so this is how the tests take "the broker"
 * away without losing its queues. For tests; closes with {@link #close()}.
 */
final class CuttingProxy implements RestartableBroker, AutoCloseable {

    private final ServerSocket listener;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean cut;

    CuttingProxy(int target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 200, java.net.InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "cutting-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @Override
    public String url() {
        return "aws://" + MotoServer.REGION + "?endpoint=http://127.0.0.1:" + listener.getLocalPort() + "&waitTime=0s";
    }

    /** Drops every connection and refuses new ones until {@link #start()}. */
    @Override
    public void stop() {
        cut = true;
        sockets.forEach(CuttingProxy::closeQuietly);
        sockets.clear();
    }

    @Override
    public void start() {
        cut = false;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                if (cut) {
                    closeQuietly(client);
                    continue;
                }
                Socket server = new Socket();
                server.connect(new InetSocketAddress("127.0.0.1", target), 5_000);
                sockets.add(client);
                sockets.add(server);
                pump(client, server);
                pump(server, client);
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
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
                // one side closed or the network was cut
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "cutting-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(CuttingProxy::closeQuietly);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
