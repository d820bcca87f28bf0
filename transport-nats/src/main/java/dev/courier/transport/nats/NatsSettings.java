package dev.courier.transport.nats;

import dev.courier.spi.Durations;
import dev.courier.spi.Secrets;
import dev.courier.spi.EnvelopeForm;
import dev.courier.spi.TlsTrust;
import dev.courier.spi.TransportOptions;
import dev.courier.spi.TransportUrl;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 * @param envelope       how messages carry the envelope's fields (option {@code envelope},
 *                       CloudEvents by default); receivers read both forms
 */
record NatsSettings(boolean tls, List<String> servers, String user, String password, String token,
                    Storage storage, int replicas, Duration maxAge, Duration ackWait, Duration connectTimeout,
                    Path trustStore, String trustStorePassword, EnvelopeForm envelope) {

    /** Where a stream keeps its messages. */
    enum Storage { FILE, MEMORY }

    static final int DEFAULT_PORT = 4222;
    static final Duration DEFAULT_ACK_WAIT = Duration.ofSeconds(30);
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    NatsSettings {
        servers = List.copyOf(servers);
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(ackWait, "ackWait");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(envelope, "envelope");
    }

    /**
     * Parses {@code url} ({@code nats://[user:password@|token@]host[:port][,host[:port]...][?options]})
     * with {@code options} (the URL's query already merged in).
     *
     * @throws IllegalArgumentException naming the bad part (never the password)
     */
    static NatsSettings parse(URI url, Map<String, String> options) {
        TransportUrl parsed = TransportUrl.parse(url, Map.of("nats", DEFAULT_PORT, "tls", DEFAULT_PORT));
        parsed.requireNoPath();
        boolean token = parsed.user() != null && parsed.password() == null;
        TransportOptions given = new TransportOptions(parsed.scheme(), options);
        Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
        NatsSettings settings = new NatsSettings(parsed.scheme().equals("tls"),
                parsed.hosts().stream().map(TransportUrl.Address::toString).toList(),
                token ? null : parsed.user(), parsed.password(), token ? parsed.user() : null,
                given.choice("storage", Storage.FILE), given.integer("replicas", 1, 1, 5),
                given.duration("maxAge", Duration.ZERO, Duration.ZERO, forever),
                given.duration("ackWait", DEFAULT_ACK_WAIT, Duration.ofMillis(1), forever),
                given.duration("connectTimeout", DEFAULT_CONNECT_TIMEOUT, Duration.ofMillis(1), forever),
                given.string("trustStore").map(String::trim).map(TlsTrust::trustStoreFile).orElse(null),
                given.secret("trustStorePassword").orElse(null),
                EnvelopeForm.of(given));
        given.requireAllKnown();
        if (settings.trustStore() != null && !settings.tls()) {
            throw given.invalid("trustStore", "needs a tls:// URL, not nats://");
        }
        return settings;
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

    /** {@code 30s}, {@code 1500ms}, {@code 0s}: how durations appear in messages ({@link Durations#format}). */
    static String format(Duration duration) {
        return Durations.format(duration);
    }

    @Override
    public String toString() {
        return "NatsSettings[" + address() + (user != null ? ", user " + user + ", password " + Secrets.MASK : "")
                + (token != null ? ", token " + Secrets.MASK : "") + ", storage=" + storage + ", replicas=" + replicas
                + ", maxAge=" + format(maxAge) + ", ackWait=" + format(ackWait) + ", connectTimeout=" + format(connectTimeout)
                + (trustStore == null ? "" : ", trustStore=" + trustStore) + "]";
    }
}
