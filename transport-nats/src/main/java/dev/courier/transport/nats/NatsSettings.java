package dev.courier.transport.nats;

import dev.courier.spi.Secrets;
import dev.courier.spi.TlsTrust;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything a {@code nats://} or {@code tls://} URL and its options say, validated. Immutable.
 * {@link #toString()} and {@link #address()} never show the password, token or trust store password.
 *
 * @param tls            whether the connection uses TLS ({@code tls://})
 * @param servers        {@code host:port} of every server in the URL, in order
 * @param user           the user name, or {@code null}
 * @param password       the password, or {@code null}
 * @param token          the token, or {@code null}
 * @param storage        where streams keep messages
 * @param replicas       stream replicas (1 on a single server)
 * @param maxAge         how long a stream keeps a message at most; {@link Duration#ZERO} for no limit
 * @param ackWait        how long the server waits for an ack before redelivering
 * @param connectTimeout how long one connection attempt to one server may take
 * @param trustStore     a trust store file for {@code tls://}, or {@code null} for the JVM's
 * @param trustStorePassword the trust store's password, or {@code null}; never printed
 */
record NatsSettings(boolean tls, List<String> servers, String user, String password, String token,
                    Storage storage, int replicas, Duration maxAge, Duration ackWait, Duration connectTimeout,
                    Path trustStore, String trustStorePassword) {

    /** Where a stream keeps its messages. */
    enum Storage { FILE, MEMORY }

    static final int DEFAULT_PORT = 4222;
    static final Duration DEFAULT_ACK_WAIT = Duration.ofSeconds(30);
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final List<String> OPTIONS = List.of("storage", "replicas", "maxAge", "ackWait", "connectTimeout",
            "trustStore", "trustStorePassword");

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    NatsSettings {
        servers = List.copyOf(servers);
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(ackWait, "ackWait");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
    }

    /**
     * Parses {@code url} ({@code nats://[user:password@|token@]host[:port][,host[:port]...][?options]})
     * with {@code options} (the URL's query already merged in).
     *
     * @throws IllegalArgumentException naming the bad part (never the password)
     */
    static NatsSettings parse(URI url, Map<String, String> options) {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(options, "options");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("nats") && !scheme.equals("tls")) {
            throw new IllegalArgumentException("not a NATS URL: scheme '" + scheme + "'; expected nats:// or tls://");
        }
        String authority = url.getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            throw new IllegalArgumentException("NATS URL has no server: expected " + scheme + "://host:4222");
        }
        if (url.getRawPath() != null && !url.getRawPath().isEmpty() && !url.getRawPath().equals("/")) {
            throw new IllegalArgumentException("NATS URL must not have a path: '" + url.getRawPath()
                    + "'; expected " + scheme + "://host:4222");
        }
        String user = null;
        String password = null;
        String token = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon >= 0) {
                user = decode(userInfo.substring(0, colon), "user");
                password = decode(userInfo.substring(colon + 1), "password");
                if (user.isEmpty()) {
                    throw new IllegalArgumentException("NATS URL has a password but no user name");
                }
            } else {
                token = decode(userInfo, "token");
                if (token.isEmpty()) {
                    throw new IllegalArgumentException("NATS URL has an empty token before '@'");
                }
            }
        }
        List<String> servers = new ArrayList<>();
        for (String server : authority.split(",", -1)) {
            servers.add(hostAndPort(server.trim()));
        }

        Storage storage = Storage.FILE;
        int replicas = 1;
        Duration maxAge = Duration.ZERO;
        Duration ackWait = DEFAULT_ACK_WAIT;
        Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        Path trustStore = null;
        String trustStorePassword = null;
        for (Map.Entry<String, String> option : options.entrySet()) {
            String name = option.getKey();
            String value = option.getValue() == null ? "" : option.getValue().trim();
            switch (name) {
                case "storage" -> storage = switch (value.toLowerCase(Locale.ROOT)) {
                    case "file" -> Storage.FILE;
                    case "memory" -> Storage.MEMORY;
                    default -> throw new IllegalArgumentException("option storage must be 'file' or 'memory': '" + value + "'");
                };
                case "replicas" -> {
                    try {
                        replicas = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("option replicas must be a whole number: '" + value + "'");
                    }
                    if (replicas < 1 || replicas > 5) {
                        throw new IllegalArgumentException("option replicas must be between 1 and 5: " + replicas);
                    }
                }
                case "maxAge" -> maxAge = duration(name, value, true);
                case "ackWait" -> ackWait = duration(name, value, false);
                case "connectTimeout" -> connectTimeout = duration(name, value, false);
                case "trustStore" -> trustStore = TlsTrust.trustStoreFile(value);
                case "trustStorePassword" -> trustStorePassword = option.getValue();
                default -> throw new IllegalArgumentException("unknown option '" + name + "' for " + scheme
                        + "://; known: " + String.join(", ", OPTIONS));
            }
        }
        boolean tls = scheme.equals("tls");
        if (trustStore != null && !tls) {
            throw new IllegalArgumentException("option trustStore needs a tls:// URL, not nats://");
        }
        return new NatsSettings(tls, servers, user, password, token, storage, replicas, maxAge,
                ackWait, connectTimeout, trustStore, trustStorePassword);
    }

    /** The servers as jnats URLs, without credentials. */
    String[] serverUrls() {
        String scheme = tls ? "tls://" : "nats://";
        return servers.stream().map(s -> scheme + s).toArray(String[]::new);
    }

    /** Where this connects, for messages: the URL without credentials or options. */
    String address() {
        return (tls ? "tls://" : "nats://") + String.join(",", servers);
    }

    /** The password, token and trust store password given, for {@link #scrub}. */
    List<String> secrets() {
        List<String> secrets = new ArrayList<>(3);
        for (String secret : new String[] {password, token, trustStorePassword}) {
            if (secret != null && !secret.isEmpty()) {
                secrets.add(secret);
            }
        }
        return secrets;
    }

    /** {@code text} (a client's message, say) with every secret of these settings masked. */
    String scrub(String text) {
        return Secrets.scrub(text, secrets());
    }

    /** {@code 30s}, {@code 1500ms}, {@code 0s}: how durations appear in messages. */
    static String format(Duration duration) {
        if (duration == null) {
            return "0s";
        }
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    @Override
    public String toString() {
        return "NatsSettings[" + address() + (user != null ? ", user " + user + ", password " + Secrets.MASK : "")
                + (token != null ? ", token " + Secrets.MASK : "") + ", storage=" + storage + ", replicas=" + replicas
                + ", maxAge=" + format(maxAge) + ", ackWait=" + format(ackWait) + ", connectTimeout=" + format(connectTimeout)
                + (trustStore == null ? "" : ", trustStore=" + trustStore) + "]";
    }

    private static String hostAndPort(String server) {
        if (server.isEmpty()) {
            throw new IllegalArgumentException("NATS URL has an empty server in its server list");
        }
        String host;
        String port;
        if (server.startsWith("[")) {
            int close = server.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("malformed IPv6 address in NATS URL: '" + server + "'");
            }
            host = server.substring(0, close + 1);
            String rest = server.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                throw new IllegalArgumentException("malformed server in NATS URL: '" + server + "'");
            }
            port = rest.isEmpty() ? null : rest.substring(1);
        } else {
            int colon = server.lastIndexOf(':');
            host = colon < 0 ? server : server.substring(0, colon);
            port = colon < 0 ? null : server.substring(colon + 1);
        }
        if (host.isEmpty() || host.equals("[]") || !host.matches("[A-Za-z0-9._\\-\\[\\]:%]+")) {
            throw new IllegalArgumentException("malformed host in NATS URL: '" + server + "'");
        }
        int portNumber = DEFAULT_PORT;
        if (port != null) {
            try {
                portNumber = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("malformed port in NATS URL: '" + server + "'");
            }
            if (portNumber < 1 || portNumber > 65535) {
                throw new IllegalArgumentException("port out of range in NATS URL: '" + server + "'");
            }
        }
        return host + ":" + portNumber;
    }

    private static String decode(String raw, String what) {
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // Never echo the raw value: it may be the password.
            throw new IllegalArgumentException("malformed percent-encoding in the " + what + " of the NATS URL");
        }
    }

    /**
     * Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d} or ISO-8601 ({@code PT30S}).
     */
    static Duration duration(String option, String value, boolean zeroAllowed) {
        Duration parsed;
        Matcher m = DURATION.matcher(value);
        if (m.matches()) {
            long amount;
            try {
                amount = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option " + option + " is too large: '" + value + "'");
            }
            parsed = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        } else {
            try {
                parsed = Duration.parse(value);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("option " + option + " must be a duration such as 500ms, 30s, 5m, 2h, 7d"
                        + " or PT30S: '" + value + "'");
            }
        }
        if (parsed.isNegative() || (!zeroAllowed && parsed.isZero())) {
            throw new IllegalArgumentException("option " + option + " must be " + (zeroAllowed ? "zero or more" : "positive")
                    + ": '" + value + "'");
        }
        return parsed;
    }
}
