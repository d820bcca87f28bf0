package dev.courier.transport.kafka;

import dev.courier.api.ConnectionException;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A check of the bootstrap addresses before any Kafka client is built, so a wrong URL fails at
 * once with a message that says what is wrong, instead of a Kafka client retrying for the whole
 * connect timeout (and logging a line for every attempt): an address where nothing listens
 * ("connection refused"), or a peer that is not a Kafka broker (a NATS or RabbitMQ port, say).
 *
 * <p>Each address gets one TCP connection. On a plaintext listener ({@code PLAINTEXT} or
 * {@code SASL_PLAINTEXT}, where Kafka answers {@code ApiVersions} before authentication) it also
 * sends one {@code ApiVersions} v0 request and reads the answer's header; a Kafka broker answers
 * with the request's correlation id. On TLS listeners only the TCP connection is checked.
 * Anything inconclusive (a timeout, an unknown host) is left to the Kafka client.
 */
final class BootstrapProbe {

    /** Kafka's {@code ApiVersions} request key. */
    private static final short API_VERSIONS = 18;
    private static final int CORRELATION_ID = 0x436f7572; // "Cour"
    private static final int MAX_SANE_RESPONSE = 64 * 1024 * 1024;
    private static final int LONGEST_PROBE_MILLIS = 5_000;

    /** What one address turned out to be. */
    enum Outcome { KAFKA, REFUSED, NOT_KAFKA, UNKNOWN }

    /** The outcome for {@code server}, and for {@code NOT_KAFKA} what the peer did instead. */
    record Answer(String server, Outcome outcome, String detail) {
    }

    private BootstrapProbe() {
    }

    /**
     * Probes every bootstrap server of {@code settings} within its connect timeout.
     *
     * @throws ConnectionException when no address may be a Kafka broker: each refused the
     *                             connection or answered as something else, naming each address
     */
    static void check(KafkaSettings settings) {
        boolean plaintext = settings.securityProtocol().toUpperCase(Locale.ROOT).endsWith("PLAINTEXT");
        long deadline = System.nanoTime() + settings.connectTimeout().toNanos();
        List<Answer> answers = new ArrayList<>();
        for (String server : settings.bootstrapServerList()) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            int timeout = (int) Math.max(1, Math.min(left, LONGEST_PROBE_MILLIS));
            Answer answer = probe(server, plaintext, timeout);
            if (answer.outcome() == Outcome.KAFKA || answer.outcome() == Outcome.UNKNOWN) {
                return; // worth trying with the Kafka client
            }
            answers.add(answer);
        }
        if (answers.isEmpty()) {
            return;
        }
        List<String> why = answers.stream().map(answer -> answer.server() + (answer.outcome() == Outcome.REFUSED
                ? " refused the connection (nothing listens there)" : " is not a Kafka broker: " + answer.detail())).toList();
        boolean allRefused = answers.stream().allMatch(answer -> answer.outcome() == Outcome.REFUSED);
        throw new ConnectionException("could not connect to Kafka at " + settings.bootstrapServers() + ": "
                + (allRefused ? "connection refused by " + String.join(", ", settings.bootstrapServerList())
                + "; is the broker running, and on this port?" : String.join("; ", why)));
    }

    /**
     * Probes one {@code host:port} within about {@code timeoutMillis} per address the host resolves
     * to (as the Kafka client tries them all): Kafka when any address is, refused when all are.
     */
    static Answer probe(String server, boolean plaintext, int timeoutMillis) {
        int colon = server.lastIndexOf(':');
        String host = server.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = Integer.parseInt(server.substring(colon + 1));
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return new Answer(server, Outcome.UNKNOWN, "unresolved"); // the Kafka client says so in its own words
        }
        Answer notKafka = null;
        for (InetAddress address : addresses) {
            Answer answer = probe(server, new InetSocketAddress(address, port), plaintext, timeoutMillis);
            if (answer.outcome() == Outcome.KAFKA || answer.outcome() == Outcome.UNKNOWN) {
                return answer;
            }
            if (answer.outcome() == Outcome.NOT_KAFKA && notKafka == null) {
                notKafka = answer;
            }
        }
        return notKafka != null ? notKafka : new Answer(server, Outcome.REFUSED, "connection refused");
    }

    private static Answer probe(String server, InetSocketAddress address, boolean plaintext, int timeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(address, timeoutMillis);
            if (!plaintext) {
                return new Answer(server, Outcome.UNKNOWN, "TLS not probed");
            }
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write(apiVersionsRequest());
            out.flush();
            return read(server, socket.getInputStream());
        } catch (ConnectException e) {
            return new Answer(server, Outcome.REFUSED, "connection refused");
        } catch (SocketTimeoutException e) {
            return new Answer(server, Outcome.UNKNOWN, "timed out");
        } catch (IOException e) {
            return new Answer(server, Outcome.UNKNOWN, e.toString());
        }
    }

    private static Answer read(String server, InputStream in) throws IOException {
        byte[] header = new byte[8];
        int got = 0;
        try {
            while (got < header.length) {
                int n = in.read(header, got, header.length - got);
                if (n < 0) {
                    throw new EOFException();
                }
                got += n;
            }
        } catch (EOFException | java.net.SocketException e) {
            return new Answer(server, Outcome.NOT_KAFKA, got == 0 ? "it closed the connection without answering"
                    : "it answered " + shown(header, got) + " and closed the connection" + guess(header, got));
        }
        ByteBuffer buffer = ByteBuffer.wrap(header);
        int size = buffer.getInt();
        int correlation = buffer.getInt();
        if (size >= 4 && size <= MAX_SANE_RESPONSE && correlation == CORRELATION_ID) {
            return new Answer(server, Outcome.KAFKA, "");
        }
        byte[] more = new byte[56];
        int extra = 0;
        try {
            extra = Math.max(0, new DataInputStream(in).read(more));
        } catch (IOException ignored) {
            // what we have is enough to show
        }
        byte[] seen = new byte[8 + extra];
        System.arraycopy(header, 0, seen, 0, 8);
        System.arraycopy(more, 0, seen, 8, extra);
        return new Answer(server, Outcome.NOT_KAFKA, "it answered " + shown(seen, seen.length) + guess(seen, seen.length));
    }

    /** The first bytes of the answer as text, unprintable bytes as {@code \xNN}. */
    private static String shown(byte[] bytes, int length) {
        StringBuilder text = new StringBuilder("'");
        for (int i = 0; i < Math.min(length, 40); i++) {
            int b = bytes[i] & 0xff;
            if (b >= 0x20 && b < 0x7f) {
                text.append((char) b);
            } else {
                text.append(String.format("\\x%02x", b));
            }
        }
        return text.append(length > 40 ? "...'" : "'").toString();
    }

    private static String guess(byte[] bytes, int length) {
        String start = new String(bytes, 0, Math.min(length, 8), StandardCharsets.ISO_8859_1);
        if (start.startsWith("INFO")) {
            return " (a NATS server?)";
        }
        if (start.startsWith("AMQP")) {
            return " (an AMQP broker such as RabbitMQ?)";
        }
        if (start.startsWith("HTTP")) {
            return " (an HTTP server?)";
        }
        if (start.startsWith("\u0015\u0003")) {
            return " (a TLS listener? set securityProtocol=SSL)";
        }
        return "";
    }

    /** An {@code ApiVersions} v0 request: size, key, version, correlation id, client id. */
    private static byte[] apiVersionsRequest() {
        byte[] clientId = "courier-probe".getBytes(StandardCharsets.UTF_8);
        ByteBuffer request = ByteBuffer.allocate(4 + 2 + 2 + 4 + 2 + clientId.length);
        request.putInt(request.capacity() - 4);
        request.putShort(API_VERSIONS);
        request.putShort((short) 0);
        request.putInt(CORRELATION_ID);
        request.putShort((short) clientId.length);
        request.put(clientId);
        return request.array();
    }
}
