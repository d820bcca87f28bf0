package dev.courier.transport.rabbitmq;

import dev.courier.spi.Durations;
import dev.courier.spi.EnvelopeForm;
import dev.courier.spi.TlsTrust;
import dev.courier.spi.TransportOptions;
import dev.courier.spi.TransportUrl;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything an {@code amqp://} or {@code amqps://} URL and its options say, validated. Immutable.
 * {@link #toString()}, {@link #address()} and every exception message never show the password.
 *
 * @param tls                whether the connection uses TLS ({@code amqps://})
 * @param host               the broker's host
 * @param port               the broker's port (5672, or 5671 for TLS, when the URL has none)
 * @param virtualHost        the virtual host ({@code /} when the URL has no path or just {@code /})
 * @param user               the user name ({@code guest} when the URL has none)
 * @param password           the password ({@code guest} when the URL has none); never printed
 * @param prefetchCap        the most unacknowledged deliveries per consumer, whatever its maxInFlight
 * @param confirmTimeout     how long a publish waits for the broker's confirm before it fails
 * @param queueType          the type of the queues this transport declares
 * @param connectionName     the name the connections show in the management UI, or {@code null}
 * @param connectTimeout     how long opening a connection (TCP, TLS and AMQP handshake) may take
 * @param recoveryInterval   how long to wait between reconnection attempts after a connection loss
 * @param maxMessageBytes    the largest payload accepted ({@code max_message_size} of the broker)
 * @param trustStore         a trust store file for {@code amqps://}, or {@code null} for the JVM's
 * @param trustStorePassword the trust store's password, or {@code null}; never printed
 * @param envelope           how messages carry the envelope's fields (option {@code envelope},
 *                           CloudEvents by default); receivers read both forms
 */
record RabbitMqSettings(boolean tls, String host, int port, String virtualHost, String user, String password,
                        int prefetchCap, Duration confirmTimeout, QueueType queueType, String connectionName,
                        Duration connectTimeout, Duration recoveryInterval, long maxMessageBytes,
                        Path trustStore, String trustStorePassword, EnvelopeForm envelope) {

    /** The kind of queue declared for groups and work queues. */
    enum QueueType {
        /** Classic durable queues: the default, available everywhere. */
        CLASSIC,
        /** Quorum queues (replicated, with a delivery count); the queue argument {@code x-queue-type=quorum}. */
        QUORUM
    }

    static final int DEFAULT_PORT = 5672;
    static final int DEFAULT_TLS_PORT = 5671;
    static final int DEFAULT_PREFETCH_CAP = 1000;
    static final Duration DEFAULT_CONFIRM_TIMEOUT = Duration.ofSeconds(30);
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration DEFAULT_RECOVERY_INTERVAL = Duration.ofSeconds(1);
    /** RabbitMQ's default {@code max_message_size} since 3.8: 128 MiB. */
    static final long DEFAULT_MAX_MESSAGE_BYTES = 128L * 1024 * 1024;
    /** RabbitMQ's hard ceiling on {@code max_message_size}: 512 MiB. */
    static final long MAX_MESSAGE_BYTES_CEILING = 512L * 1024 * 1024;

    RabbitMqSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(virtualHost, "virtualHost");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(confirmTimeout, "confirmTimeout");
        Objects.requireNonNull(queueType, "queueType");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(recoveryInterval, "recoveryInterval");
        Objects.requireNonNull(envelope, "envelope");
    }

    /**
     * Parses {@code url} ({@code amqp[s]://[user[:password]@]host[:port][/vhost][?options]}) with
     * {@code options} (the URL's query already merged in by core).
     *
     * <p>The path is the virtual host, URL-decoded: no path or {@code /} means the default virtual
     * host {@code /}, as does {@code /%2F}; {@code /orders} means {@code orders}.
     *
     * @throws IllegalArgumentException naming the bad part (never the password)
     */
    static RabbitMqSettings parse(URI url, Map<String, String> options) {
        TransportUrl parsed = TransportUrl.parse(url, Map.of("amqp", DEFAULT_PORT, "amqps", DEFAULT_TLS_PORT));
        TransportUrl.Address address = parsed.host();
        boolean tls = parsed.scheme().equals("amqps");
        String user = parsed.user() == null ? "guest" : parsed.user();
        String password = parsed.user() == null ? "guest" : parsed.password() == null ? "" : parsed.password();
        String virtualHost = parsed.pathName("virtual host").orElse("/");
        TransportOptions given = new TransportOptions(parsed.scheme(), options);
        Duration max = Duration.ofMillis(Integer.MAX_VALUE);
        RabbitMqSettings settings = new RabbitMqSettings(tls, address.host(), address.port(), virtualHost, user, password,
                given.integer("prefetch", DEFAULT_PREFETCH_CAP, 1, 65_535),
                given.duration("confirmTimeout", DEFAULT_CONFIRM_TIMEOUT, Duration.ofMillis(1), max),
                given.choice("queueType", QueueType.CLASSIC),
                given.string("connectionName").filter(name -> !name.isBlank()).orElse(null),
                given.duration("connectTimeout", DEFAULT_CONNECT_TIMEOUT, Duration.ofMillis(1), max),
                given.duration("recoveryInterval", DEFAULT_RECOVERY_INTERVAL, Duration.ofMillis(1), max),
                given.longValue("maxMessageBytes", DEFAULT_MAX_MESSAGE_BYTES, 1, MAX_MESSAGE_BYTES_CEILING),
                given.string("trustStore").map(TlsTrust::trustStoreFile).orElse(null),
                given.secret("trustStorePassword").orElse(null),
                EnvelopeForm.of(given));
        given.requireAllKnown();
        if (settings.trustStore() != null && !tls) {
            throw given.invalid("trustStore", "needs an amqps:// URL, not amqp://");
        }
        return settings;
    }

    /** {@code amqp[s]://user@host:port/vhost}: where this transport connects, without the password. */
    String address() {
        String shownHost = host.contains(":") ? "[" + host + "]" : host;
        String vhost = virtualHost.equals("/") ? "" : URLEncodedPath.encode(virtualHost);
        return (tls ? "amqps" : "amqp") + "://" + user + "@" + shownHost + ":" + port + "/" + vhost;
    }

    /** The values that must never be shown: the password and the trust store's password. */
    List<String> secrets() {
        return trustStorePassword == null ? List.of(password) : List.of(password, trustStorePassword);
    }

    /** {@code host:port}, for error messages. */
    String hostAndPort() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return "RabbitMqSettings[" + address() + ", prefetch=" + prefetchCap
                + ", confirmTimeout=" + Durations.format(confirmTimeout)
                + ", queueType=" + queueType.name().toLowerCase(Locale.ROOT)
                + (connectionName == null ? "" : ", connectionName=" + connectionName)
                + ", connectTimeout=" + Durations.format(connectTimeout)
                + ", recoveryInterval=" + Durations.format(recoveryInterval)
                + ", maxMessageBytes=" + maxMessageBytes
                + (trustStore == null ? "" : ", trustStore=" + trustStore)
                + (envelope == EnvelopeForm.CLOUDEVENTS ? "" : ", envelope=" + envelope.optionValue()) + "]";
    }

    /** Percent-encoding of a virtual host name for display. */
    private static final class URLEncodedPath {
        private URLEncodedPath() {
        }

        static String encode(String name) {
            StringBuilder out = new StringBuilder();
            for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
                char c = (char) (b & 0xff);
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                    out.append(c);
                } else {
                    out.append('%').append(String.format("%02X", b & 0xff));
                }
            }
            return out.toString();
        }
    }
}
