package dev.courier.transport.rabbitmq;

import dev.courier.spi.TlsTrust;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 */
record RabbitMqSettings(boolean tls, String host, int port, String virtualHost, String user, String password,
                        int prefetchCap, Duration confirmTimeout, QueueType queueType, String connectionName,
                        Duration connectTimeout, Duration recoveryInterval, long maxMessageBytes,
                        Path trustStore, String trustStorePassword) {

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
    static final List<String> OPTIONS = List.of("prefetch", "confirmTimeout", "queueType", "connectionName",
            "connectTimeout", "recoveryInterval", "maxMessageBytes", "trustStore", "trustStorePassword");

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    RabbitMqSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(virtualHost, "virtualHost");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(confirmTimeout, "confirmTimeout");
        Objects.requireNonNull(queueType, "queueType");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(recoveryInterval, "recoveryInterval");
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
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(options, "options");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("amqp") && !scheme.equals("amqps")) {
            throw new IllegalArgumentException("not a RabbitMQ URL: scheme '" + scheme + "'; expected amqp:// or amqps://");
        }
        boolean tls = scheme.equals("amqps");
        String authority = url.getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            throw new IllegalArgumentException("RabbitMQ URL has no host: expected " + scheme + "://user:password@host:"
                    + (tls ? DEFAULT_TLS_PORT : DEFAULT_PORT) + "/vhost");
        }
        String user = "guest";
        String password = "guest";
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon), "user name");
            password = colon < 0 ? "" : decode(userInfo.substring(colon + 1), "password");
            if (user.isEmpty()) {
                throw new IllegalArgumentException("RabbitMQ URL has an empty user name before '@'");
            }
        }
        String host;
        int port = tls ? DEFAULT_TLS_PORT : DEFAULT_PORT;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("RabbitMQ URL has an unclosed IPv6 address: '" + authority + "'");
            }
            host = authority.substring(1, close);
            if (close + 1 < authority.length()) {
                if (authority.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException("RabbitMQ URL has junk after the IPv6 address: '" + authority + "'");
                }
                portText = authority.substring(close + 2);
            }
        } else {
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("RabbitMQ URL has no host: '" + authority + "'");
        }
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("RabbitMQ URL has an invalid port '" + portText + "' for host " + host);
            }
        }
        String virtualHost = virtualHost(url.getRawPath());

        int prefetchCap = DEFAULT_PREFETCH_CAP;
        Duration confirmTimeout = DEFAULT_CONFIRM_TIMEOUT;
        QueueType queueType = QueueType.CLASSIC;
        String connectionName = null;
        Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        Duration recoveryInterval = DEFAULT_RECOVERY_INTERVAL;
        long maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        Path trustStore = null;
        String trustStorePassword = null;
        for (Map.Entry<String, String> option : options.entrySet()) {
            String value = option.getValue();
            switch (option.getKey()) {
                case "prefetch" -> prefetchCap = (int) number("prefetch", value, 1, 65_535);
                case "confirmTimeout" -> confirmTimeout = duration("confirmTimeout", value);
                case "queueType" -> queueType = switch (value.toLowerCase(Locale.ROOT)) {
                    case "classic" -> QueueType.CLASSIC;
                    case "quorum" -> QueueType.QUORUM;
                    default -> throw new IllegalArgumentException("option queueType must be classic or quorum: '" + value + "'");
                };
                case "connectionName" -> connectionName = value.isBlank() ? null : value;
                case "connectTimeout" -> connectTimeout = duration("connectTimeout", value);
                case "recoveryInterval" -> recoveryInterval = duration("recoveryInterval", value);
                case "maxMessageBytes" -> maxMessageBytes = number("maxMessageBytes", value, 1, MAX_MESSAGE_BYTES_CEILING);
                case "trustStore" -> trustStore = TlsTrust.trustStoreFile(value);
                case "trustStorePassword" -> trustStorePassword = value;
                default -> throw new IllegalArgumentException("unknown option '" + option.getKey() + "' for " + scheme
                        + "://; known: " + String.join(", ", OPTIONS));
            }
        }
        if (trustStore != null && !tls) {
            throw new IllegalArgumentException("option trustStore needs an amqps:// URL, not amqp://");
        }
        return new RabbitMqSettings(tls, host, port, virtualHost, user, password, prefetchCap, confirmTimeout, queueType,
                connectionName, connectTimeout, recoveryInterval, maxMessageBytes, trustStore, trustStorePassword);
    }

    private static String virtualHost(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.equals("/")) {
            return "/";
        }
        String name = rawPath.substring(1);
        if (name.contains("/")) {
            throw new IllegalArgumentException("RabbitMQ URL path must be one virtual host name, URL-encoded: '"
                    + rawPath + "' (write %2F for a '/' inside the name)");
        }
        return decode(name, "virtual host");
    }

    private static String decode(String raw, String what) {
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // never echo the raw text: it may be the password
            throw new IllegalArgumentException("RabbitMQ URL has a malformed %-escape in the " + what);
        }
    }

    private static long number(String option, String value, long min, long max) {
        long parsed;
        try {
            parsed = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + option + " must be a whole number: '" + value + "'");
        }
        if (parsed < min || parsed > max) {
            throw new IllegalArgumentException("option " + option + " must be between " + min + " and " + max + ": " + parsed);
        }
        return parsed;
    }

    /** A duration written {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h} or ISO-8601 ({@code PT5S}). */
    static Duration duration(String option, String value) {
        String text = value.trim();
        Duration parsed;
        Matcher matcher = DURATION.matcher(text);
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            parsed = switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        } else {
            try {
                parsed = Duration.parse(text);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("option " + option + " must be a duration such as 500ms, 5s, 2m or PT5S: '"
                        + value + "'");
            }
        }
        if (parsed.isNegative() || parsed.isZero()) {
            throw new IllegalArgumentException("option " + option + " must be positive: '" + value + "'");
        }
        if (parsed.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("option " + option + " is too long: '" + value + "'");
        }
        return parsed;
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
        return "RabbitMqSettings[" + address() + ", prefetch=" + prefetchCap + ", confirmTimeout=" + confirmTimeout
                + ", queueType=" + queueType.name().toLowerCase(Locale.ROOT)
                + (connectionName == null ? "" : ", connectionName=" + connectionName)
                + ", connectTimeout=" + connectTimeout + ", recoveryInterval=" + recoveryInterval
                + ", maxMessageBytes=" + maxMessageBytes
                + (trustStore == null ? "" : ", trustStore=" + trustStore) + "]";
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
