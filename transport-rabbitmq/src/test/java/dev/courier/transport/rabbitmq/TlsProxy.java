package dev.courier.transport.rabbitmq;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A TLS front for the plain test broker, so {@code amqps://} can be tested without reconfiguring
 * the shared RabbitMQ: it terminates TLS with a self-signed certificate for {@code 127.0.0.1}
 * (made with the JDK's keytool) and forwards the bytes to the broker.
 */
final class TlsProxy implements AutoCloseable {

    static final String TRUST_STORE_PASSWORD = "trust-pw";
    private static final String KEY_STORE_PASSWORD = "key-pw";

    private final SSLServerSocket server;
    private final Path trustStore;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    private TlsProxy(SSLServerSocket server, Path trustStore) {
        this.server = server;
        this.trustStore = trustStore;
    }

    /** Generates a certificate into {@code directory} and starts forwarding to {@code host:port}. */
    static TlsProxy start(Path directory, String host, int port) throws Exception {
        Path keyStore = directory.resolve("server.p12");
        Path certificate = directory.resolve("server.crt");
        Path trustStore = directory.resolve("trust.p12");
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", KEY_STORE_PASSWORD, "-keypass", KEY_STORE_PASSWORD);
        keytool("-exportcert", "-alias", "broker", "-keystore", keyStore.toString(), "-storepass", KEY_STORE_PASSWORD,
                "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", certificate.toString(), "-storetype", "PKCS12",
                "-keystore", trustStore.toString(), "-storepass", TRUST_STORE_PASSWORD);

        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            keys.load(in, KEY_STORE_PASSWORD.toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, KEY_STORE_PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        TlsProxy proxy = new TlsProxy(server, trustStore);
        Thread acceptor = new Thread(() -> proxy.accept(host, port), "tls-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return proxy;
    }

    int port() {
        return server.getLocalPort();
    }

    /** A PKCS12 trust store holding the proxy's certificate; password {@link #TRUST_STORE_PASSWORD}. */
    Path trustStore() {
        return trustStore;
    }

    private void accept(String host, int port) {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket broker = new Socket(host, port);
                sockets.add(client);
                sockets.add(broker);
                pump(client, broker);
                pump(broker, client);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // one side closed (or the TLS handshake failed): close both
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tls-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private static void keytool(String... args) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new java.util.ArrayList<>(List.of(keytool.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + output);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        sockets.forEach(TlsProxy::closeQuietly);
    }
}
