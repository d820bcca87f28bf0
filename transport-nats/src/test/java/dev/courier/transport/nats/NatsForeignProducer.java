package dev.courier.transport.nats;

import dev.courier.spi.Destination;
import dev.courier.testkit.ForeignProducer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Another team's NATS producer: the NATS client protocol spoken on a plain socket, so header names
 * and values go out as UTF-8 bytes exactly as given (jnats refuses a non-ASCII value on the way
 * out, while the server and other clients accept it). Each send is a JetStream publish to the
 * subject Courier's stream listens on ({@code courier.t.<topic>}, {@code courier.q.<queue>}, see
 * {@link NatsNames#subject}), confirmed by the stream's PubAck on a reply inbox, so a message is
 * stored when a call returns. No Courier or CloudEvents header is added. Not for {@code tls://}.
 */
final class NatsForeignProducer implements ForeignProducer {

    /** Room left in the server's max_payload for the few small headers a test adds. */
    static final int HEADER_ROOM = 128;
    private static final Pattern MAX_PAYLOAD = Pattern.compile("\"max_payload\"\\s*:\\s*(\\d+)");

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final long maxPayload;
    private final String inbox = "_INBOX.foreign" + UUID.randomUUID().toString().replace("-", "");

    /** Connects to the first server of {@code url} (user and password or token taken from it). */
    NatsForeignProducer(String url) throws IOException {
        NatsSettings settings = NatsSettings.parse(URI.create(url.replaceAll("\\?.*", "")), Map.of());
        if (settings.tls()) {
            throw new IllegalArgumentException("the foreign producer speaks plain nats:// only");
        }
        String server = settings.servers().get(0);
        int colon = server.lastIndexOf(':');
        socket = new Socket();
        socket.connect(new InetSocketAddress(server.substring(0, colon).replace("[", "").replace("]", ""),
                Integer.parseInt(server.substring(colon + 1))), 5_000);
        socket.setSoTimeout(15_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        String info = readLine();
        Matcher limit = MAX_PAYLOAD.matcher(info);
        if (!info.startsWith("INFO") || !limit.find()) {
            throw new IOException("not a NATS server: " + info);
        }
        maxPayload = Long.parseLong(limit.group(1));
        StringBuilder connect = new StringBuilder("{\"verbose\":false,\"pedantic\":false,\"headers\":true,"
                + "\"no_responders\":true,\"lang\":\"raw\",\"version\":\"0\",\"protocol\":1");
        if (settings.user() != null) {
            connect.append(",\"user\":\"").append(json(settings.user())).append("\",\"pass\":\"")
                    .append(json(settings.password())).append('"');
        }
        if (settings.token() != null) {
            connect.append(",\"auth_token\":\"").append(json(settings.token())).append('"');
        }
        write(("CONNECT " + connect + "}\r\nSUB " + inbox + " 1\r\nPING\r\n").getBytes(StandardCharsets.UTF_8));
        String reply = nextControlLine();
        if (!reply.equals("PONG")) {
            throw new IOException("NATS refused the connection: " + reply);
        }
    }

    @Override
    public synchronized void publish(String topic, String key, Map<String, String> headers, byte[] body) throws IOException {
        // NATS has no ordering field of its own: the key is not sent
        send(NatsNames.subject(Destination.topic(topic)), headers, body);
    }

    @Override
    public synchronized void publishWithContentType(String topic, String contentType, byte[] body) throws IOException {
        send(NatsNames.subject(Destination.topic(topic)), Map.of("content-type", contentType), body);
    }

    @Override
    public synchronized void submit(String queue, Map<String, String> headers, byte[] body) throws IOException {
        send(NatsNames.subject(Destination.queue(queue)), headers, body);
    }

    /**
     * Each attribute as {@code <prefix><name>}, its value percent-encoded as the binding says
     * (space, {@code "}, {@code %} and bytes outside printable ASCII); {@code datacontenttype} as
     * the {@code content-type} header, where the NATS binding puts it.
     */
    @Override
    public synchronized void publishCloudEvent(String topic, String prefix, Map<String, String> attributes, byte[] data)
            throws IOException {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        attributes.forEach((name, value) -> {
            if (name.equals("datacontenttype")) {
                headers.put("content-type", value);
            } else {
                headers.put(prefix + name, percentEncode(value));
            }
        });
        send(NatsNames.subject(Destination.topic(topic)), headers, data);
    }

    @Override
    public List<String> cloudEventsPrefixes() {
        return List.of("ce-");
    }

    /** The server's max_payload (headers and body together) less {@link #HEADER_ROOM}. */
    @Override
    public int largestBody() {
        return (int) Math.min(Integer.MAX_VALUE, maxPayload - HEADER_ROOM);
    }

    @Override
    public boolean largestBodyIsTheBrokersLimit() {
        return true;
    }

    @Override
    public synchronized void close() throws IOException {
        socket.close();
    }

    /** The CloudEvents NATS (and HTTP) binding's percent-encoding of a header value, written independently of Courier's. */
    static String percentEncode(String value) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c <= 0x20 || c >= 0x7f || c == '"' || c == '%') {
                encoded.append(String.format("%%%02X", c));
            } else {
                encoded.append((char) c);
            }
        }
        return encoded.toString();
    }

    private void send(String subject, Map<String, String> headers, byte[] body) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(body.length + 256);
        if (headers.isEmpty()) {
            frame.writeBytes(("PUB " + subject + " " + inbox + " " + body.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        } else {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes("NATS/1.0\r\n".getBytes(StandardCharsets.US_ASCII));
            headers.forEach((name, value) -> block.writeBytes((name + ": " + value + "\r\n").getBytes(StandardCharsets.UTF_8)));
            block.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            frame.writeBytes(("HPUB " + subject + " " + inbox + " " + block.size() + " " + (block.size() + body.length)
                    + "\r\n").getBytes(StandardCharsets.UTF_8));
            block.writeTo(frame);
        }
        frame.writeBytes(body);
        frame.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        write(frame.toByteArray());
        awaitPubAck(subject);
    }

    /** Reads the stream's answer on the inbox: a PubAck, or an error (no stream, message too large). */
    private void awaitPubAck(String subject) throws IOException {
        String line = nextControlLine();
        String[] parts = line.split(" ");
        if (parts[0].equals("MSG") && parts.length >= 4) {
            String ack = new String(readBytes(Integer.parseInt(parts[parts.length - 1]) + 2), StandardCharsets.UTF_8).trim();
            if (ack.contains("\"error\"")) {
                throw new IOException("the stream on " + subject + " refused the message: " + ack);
            }
            return;
        }
        if (parts[0].equals("HMSG") && parts.length >= 5) {
            String status = new String(readBytes(Integer.parseInt(parts[parts.length - 1]) + 2), StandardCharsets.UTF_8);
            throw new IOException("no PubAck for " + subject + " (no stream listens on it?): " + status.trim());
        }
        throw new IOException("unexpected answer from NATS to a publish on " + subject + ": " + line);
    }

    /** The next control line that is not a PING (answered) or +OK. */
    private String nextControlLine() throws IOException {
        while (true) {
            String line = readLine();
            if (line.equals("PING")) {
                write("PONG\r\n".getBytes(StandardCharsets.US_ASCII));
            } else if (!line.equals("+OK") && !line.isEmpty()) {
                return line;
            }
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("NATS closed the connection");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8).trim();
    }

    private byte[] readBytes(int count) throws IOException {
        byte[] bytes = in.readNBytes(count);
        if (bytes.length < count) {
            throw new EOFException("NATS closed the connection");
        }
        return bytes;
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    private static String json(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
