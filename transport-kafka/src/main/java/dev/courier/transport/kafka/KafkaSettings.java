package dev.courier.transport.kafka;

import dev.courier.spi.Secrets;
import dev.courier.spi.EnvelopeForm;
import dev.courier.spi.TransportOptions;
import dev.courier.spi.TransportUrl;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The parsed form of a {@code kafka://} URL and its options: the bootstrap servers, how Courier
 * creates topics, and the configuration of the Kafka clients it builds. Immutable; every option is
 * checked when it is parsed, so a bad value fails before any I/O.
 *
 * <p>{@link #toString()} never shows a password or a JAAS configuration.
 */
final class KafkaSettings {

    static final int DEFAULT_PORT = 9092;
    static final int DEFAULT_PARTITIONS = 3;
    /** Fits a broker's default {@code message.max.bytes} (1 MiB) with room for the key and headers. */
    static final long DEFAULT_MAX_MESSAGE_BYTES = 1_000_000;
    /** Room left for the key, the headers and the record batch framing above the payload limit. */
    static final long HEADROOM_BYTES = 64 * 1024;
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /** Options that map to one Kafka client setting each, for every client Courier builds. */
    private static final Map<String, String> CLIENT_OPTIONS = Map.ofEntries(
            Map.entry("securityProtocol", "security.protocol"),
            Map.entry("saslMechanism", "sasl.mechanism"),
            Map.entry("saslJaasConfig", "sasl.jaas.config"),
            Map.entry("sslTruststoreLocation", "ssl.truststore.location"),
            Map.entry("sslTruststorePassword", "ssl.truststore.password"),
            Map.entry("sslTruststoreType", "ssl.truststore.type"),
            Map.entry("sslKeystoreLocation", "ssl.keystore.location"),
            Map.entry("sslKeystorePassword", "ssl.keystore.password"),
            Map.entry("sslKeystoreType", "ssl.keystore.type"),
            Map.entry("sslKeyPassword", "ssl.key.password"),
            Map.entry("sslEndpointIdentificationAlgorithm", "ssl.endpoint.identification.algorithm"));

    private static final List<String> COMPRESSIONS = List.of("none", "gzip", "snappy", "lz4", "zstd");

    /**
     * Kafka settings Courier's guarantees rest on, with the reason; a pass-through option may not
     * change them (for every client or for one, whatever the {@code kafka.} prefix).
     */
    private static final Map<String, String> FIXED = Map.ofEntries(
            Map.entry("acks", "publishes complete only once every in-sync replica has the message (acks=all)"),
            Map.entry("enable.idempotence", "retried publishes must not be duplicated or reordered"),
            Map.entry("max.in.flight.requests.per.connection", "per-key order of retried publishes rests on the"
                    + " idempotent producer, which allows at most 5 (Kafka's default)"),
            Map.entry("transactional.id", "Courier's producer is not transactional; every publish is confirmed on its own"),
            Map.entry("partitioner.class", "per-key order needs every message of a key on the key's partition"
                    + " (Kafka's default partitioner)"),
            Map.entry("enable.auto.commit", "Courier commits the offsets of handled messages itself, so a message"
                    + " is never committed before its handler succeeded"),
            Map.entry("auto.offset.reset", "a new group must start at the earliest retained offset, so messages"
                    + " published after subscribe returned are delivered (contract rule 2)"),
            Map.entry("group.id", "Courier derives the group id from the topic and group (see the README)"),
            Map.entry("group.instance.id", "static membership would give every subscription of a group the same"
                    + " member id, and members would fence each other out"),
            Map.entry("client.id", "every client needs its own id; use the clientId option for the prefix"),
            Map.entry("key.serializer", "Courier sends bytes"),
            Map.entry("value.serializer", "Courier sends bytes"),
            Map.entry("key.deserializer", "Courier receives bytes"),
            Map.entry("value.deserializer", "Courier receives bytes"),
            Map.entry("bootstrap.servers", "give the servers in the URL: kafka://host1:9092,host2:9092"));

    /** Like {@link #FIXED}, for the producer only (the admin client's own setting of the name may be tuned). */
    private static final Map<String, String> FIXED_FOR_PRODUCER = Map.of(
            "retries", "the idempotent producer retries until delivery.timeout.ms; tune that instead");

    private final List<String> bootstrapServers;
    private final int partitions;
    private final Optional<Short> replicationFactor;
    private final long maxMessageBytes;
    private final Duration connectTimeout;
    private final String clientId;
    /** Every secret value given (passwords, JAAS configuration), to scrub from the clients' messages. */
    private final List<String> secrets;
    private final Map<String, Object> common;
    private final Map<String, Object> producerOnly;
    private final Map<String, Object> consumerOnly;
    private final Map<String, Object> adminOnly;
    private final EnvelopeForm envelope;

    private KafkaSettings(List<String> bootstrapServers, int partitions, Optional<Short> replicationFactor,
                          long maxMessageBytes, Duration connectTimeout, String clientId, Map<String, Object> common,
                          Map<String, Object> producerOnly, Map<String, Object> consumerOnly, Map<String, Object> adminOnly,
                          List<String> secrets, EnvelopeForm envelope) {
        this.envelope = envelope;
        this.secrets = List.copyOf(secrets);
        this.bootstrapServers = List.copyOf(bootstrapServers);
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
        this.maxMessageBytes = maxMessageBytes;
        this.connectTimeout = connectTimeout;
        this.clientId = clientId;
        this.common = Map.copyOf(common);
        this.producerOnly = Map.copyOf(producerOnly);
        this.consumerOnly = Map.copyOf(consumerOnly);
        this.adminOnly = Map.copyOf(adminOnly);
    }

    /**
     * Parses {@code kafka://host[:port][,host[:port]...][?options]}; {@code options} holds the query
     * parameters already merged with options given in code.
     *
     * @throws IllegalArgumentException naming the bad part of the URL or the bad option
     */
    static KafkaSettings parse(URI url, Map<String, String> options) {
        TransportUrl parsed = TransportUrl.parse(url, Map.of("kafka", DEFAULT_PORT));
        parsed.requireNoPath();
        TransportOptions given = new TransportOptions("kafka", options)
                .renamed("connectTimeoutMs", "connectTimeout", millis -> millis + "ms")
                .renamed("lingerMs", "linger", millis -> millis + "ms");
        Map<String, Object> common = new LinkedHashMap<>();
        Map<String, Object> producer = new LinkedHashMap<>();
        Map<String, Object> consumer = new LinkedHashMap<>();
        Map<String, Object> admin = new LinkedHashMap<>();
        List<String> secrets = new ArrayList<>(given.secrets());
        userInfo(parsed, given, common, secrets);
        given.prefixed("kafka.").forEach((name, value) -> passThrough(name, value, common, producer, consumer, admin));
        new TreeMap<>(CLIENT_OPTIONS).forEach((name, setting) ->
                given.string(name).ifPresent(value -> common.put(setting, value)));
        int partitions = given.integer("partitions", DEFAULT_PARTITIONS, 1, 1_000_000);
        Optional<Short> replication = given.string("replicationFactor")
                .map(value -> (short) given.integer("replicationFactor", 1, 1, Short.MAX_VALUE));
        Duration linger = given.duration("linger", null, Duration.ZERO, Duration.ofMillis(Integer.MAX_VALUE));
        if (linger != null) {
            producer.put("linger.ms", (int) linger.toMillis());
        }
        given.string("batchSize")
                .ifPresent(value -> producer.put("batch.size", given.integer("batchSize", 0, 0, Integer.MAX_VALUE)));
        given.choice("compression", COMPRESSIONS).ifPresent(compression -> producer.put("compression.type", compression));
        String clientId = given.string("clientId", "courier-" + UUID.randomUUID().toString().substring(0, 8)).trim();
        if (clientId.isEmpty()) {
            throw given.invalid("clientId", "must not be blank");
        }
        long maxBytes = given.longValue("maxMessageBytes", DEFAULT_MAX_MESSAGE_BYTES, 1, Integer.MAX_VALUE - HEADROOM_BYTES);
        Duration connectTimeout = given.duration("connectTimeout", DEFAULT_CONNECT_TIMEOUT, Duration.ofMillis(1),
                Duration.ofMillis(Integer.MAX_VALUE));
        EnvelopeForm envelope = EnvelopeForm.of(given);
        given.requireAllKnown();
        return new KafkaSettings(parsed.hosts().stream().map(TransportUrl.Address::toString).toList(), partitions,
                replication, maxBytes, connectTimeout, clientId, common, producer, consumer, admin, secrets, envelope);
    }

    /** {@code kafka://user:password@host} sets SASL credentials (PLAIN unless saslMechanism says SCRAM-*). */
    private static void userInfo(TransportUrl url, TransportOptions options, Map<String, Object> common,
                                 List<String> secrets) {
        if (url.user() == null) {
            return;
        }
        if (url.password() == null) {
            throw new IllegalArgumentException("kafka URL user info must be user:password (SASL credentials)");
        }
        if (options.has("saslJaasConfig") || options.has("kafka.sasl.jaas.config")) {
            throw new IllegalArgumentException("kafka URL has both user:password and saslJaasConfig; give one of them");
        }
        secrets.addAll(url.secrets());
        secrets.add(jaasEscape(url.password()));
        String mechanism = options.string("saslMechanism", "PLAIN");
        String module = mechanism.toUpperCase(Locale.ROOT).startsWith("SCRAM-")
                ? "org.apache.kafka.common.security.scram.ScramLoginModule"
                : "org.apache.kafka.common.security.plain.PlainLoginModule";
        common.put("sasl.mechanism", mechanism);
        String jaas = module + " required username=\"" + jaasEscape(url.user()) + "\" password=\""
                + jaasEscape(url.password()) + "\";";
        common.put("sasl.jaas.config", jaas);
        secrets.add(jaas);
        if (!options.has("securityProtocol") && !options.has("kafka.security.protocol")) {
            common.put("security.protocol", "SASL_PLAINTEXT");
        }
    }

    private static String jaasEscape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static void passThrough(String name, String value, Map<String, Object> common, Map<String, Object> producer,
                                    Map<String, Object> consumer, Map<String, Object> admin) {
        String key = name.substring("kafka.".length());
        Map<String, Object> target = common;
        for (Map.Entry<String, Map<String, Object>> scope : Map.of("producer.", producer, "consumer.", consumer,
                "admin.", admin).entrySet()) {
            if (key.startsWith(scope.getKey())) {
                key = key.substring(scope.getKey().length());
                target = scope.getValue();
                break;
            }
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("option '" + name + "' names no Kafka setting after the prefix");
        }
        String why = FIXED.get(key);
        if (why == null && (target == common || target == producer)) {
            why = FIXED_FOR_PRODUCER.get(key);
        }
        if (why != null) {
            throw new IllegalArgumentException("option '" + name + "' cannot be set: " + why);
        }
        target.put(key, value);
    }

    /** {@code text} with every secret value given in the URL or the options masked. */
    String scrub(String text) {
        return Secrets.scrub(text, secrets);
    }

    /**
     * {@code failure} itself when no message in its cause chain shows a secret; else a stand-in
     * carrying the scrubbed messages and no cause, safe to attach to an exception or a log line.
     */
    Throwable safe(Throwable failure) {
        if (failure == null) {
            return null;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && !message.equals(scrub(message))) {
                StringBuilder chain = new StringBuilder();
                for (Throwable c = failure; c != null; c = c.getCause()) {
                    chain.append(chain.length() == 0 ? "" : "; caused by ").append(scrub(c.toString()));
                }
                Throwable standIn = new org.apache.kafka.common.KafkaException(chain.toString());
                standIn.setStackTrace(failure.getStackTrace());
                return standIn;
            }
        }
        return failure;
    }

    /** The largest record the producer sends ({@code max.request.size}); the broker's own limit may be lower. */
    long recordLimit() {
        Object configured = producerConfig().get("max.request.size");
        return configured == null ? 1_048_576 : Long.parseLong(configured.toString());
    }

    /** The security protocol the clients use ({@code PLAINTEXT} unless set). */
    String securityProtocol() {
        Object protocol = adminConfig().get("security.protocol");
        return protocol == null ? "PLAINTEXT" : protocol.toString();
    }

    /** The bootstrap servers, one {@code host:port} each. */
    List<String> bootstrapServerList() {
        return bootstrapServers;
    }

    /** Bootstrap servers as Kafka takes them: {@code host1:9092,host2:9092}. */
    String bootstrapServers() {
        return String.join(",", bootstrapServers);
    }

    /** Partitions of the topics Courier creates. */
    int partitions() {
        return partitions;
    }

    /** Replication factor of the topics Courier creates; empty means the broker's default. */
    /** How records carry the envelope's fields (option {@code envelope}, CloudEvents by default). */
    EnvelopeForm envelope() {
        return envelope;
    }

    Optional<Short> replicationFactor() {
        return replicationFactor;
    }

    /** The largest payload Courier accepts for publishing. */
    long maxMessageBytes() {
        return maxMessageBytes;
    }

    /** How long connecting and each declaration may take before failing. */
    Duration connectTimeout() {
        return connectTimeout;
    }

    String clientId() {
        return clientId;
    }

    /**
     * Topic settings for the topics Courier creates: a raised message size limit when
     * {@code maxMessageBytes} exceeds the default, which fits Kafka's own default limit (1 MiB).
     */
    Map<String, String> topicConfigs() {
        return maxMessageBytes > DEFAULT_MAX_MESSAGE_BYTES
                ? Map.of("max.message.bytes", Long.toString(maxMessageBytes + HEADROOM_BYTES)) : Map.of();
    }

    /** The admin client's configuration. */
    Map<String, Object> adminConfig() {
        Map<String, Object> config = base("-admin");
        int timeout = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        config.put("request.timeout.ms", timeout);
        config.put("default.api.timeout.ms", Math.max(timeout, 15_000));
        config.putAll(common);
        config.putAll(adminOnly);
        return config;
    }

    /** The producer's configuration: durable, idempotent, batching, bounded in time. */
    Map<String, Object> producerConfig() {
        Map<String, Object> config = base("-producer");
        // Nothing may hang: a send waits for buffer space or metadata at most this long...
        config.put("max.block.ms", 5_000);
        // ...and fails when the broker has not confirmed it within this time (core's default publish timeout).
        config.put("request.timeout.ms", 15_000);
        config.put("delivery.timeout.ms", 30_000);
        // Topics declared once stay in the producer's metadata, so send() never waits to look them up again.
        config.put("metadata.max.idle.ms", 24 * 60 * 60 * 1000);
        // Kafka 4's default "rebootstrap" drops the topics' metadata while no broker answers, and every
        // send() then blocks its caller for max.block.ms: keep the metadata through an outage instead.
        config.put("metadata.recovery.strategy", "none");
        if (maxMessageBytes > DEFAULT_MAX_MESSAGE_BYTES) {
            config.put("max.request.size", (int) (maxMessageBytes + HEADROOM_BYTES));
        }
        config.putAll(common);
        config.putAll(producerOnly);
        config.put("acks", "all");
        config.put("enable.idempotence", true);
        config.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        config.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        return config;
    }

    /** A consumer's configuration for the group {@code groupId}, polling at most {@code maxPollRecords}. */
    Map<String, Object> consumerConfig(String groupId, String clientSuffix, int maxPollRecords) {
        Map<String, Object> config = base(clientSuffix);
        config.put("allow.auto.create.topics", false);
        config.put("max.poll.records", maxPollRecords);
        // Members notice a rebalance within a second, so a joining member gets its partitions quickly.
        config.put("heartbeat.interval.ms", 1_000);
        config.putAll(common);
        config.putAll(consumerOnly);
        if ("consumer".equalsIgnoreCase(String.valueOf(config.get("group.protocol")))) {
            // The broker sets the heartbeat interval under the KIP-848 protocol; the client refuses it.
            if (!consumerOnly.containsKey("heartbeat.interval.ms") && !common.containsKey("heartbeat.interval.ms")) {
                config.remove("heartbeat.interval.ms");
            }
        }
        // A new group starts at the beginning of the log: messages sent to a topic or a queue before the
        // group's first member joined are kept for it (contract: durable groups and queues).
        config.put("auto.offset.reset", "earliest");
        config.put("group.id", groupId);
        config.put("enable.auto.commit", false);
        config.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        config.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        return config;
    }

    private Map<String, Object> base(String clientSuffix) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrapServers());
        config.put("client.id", clientId + clientSuffix);
        config.put("socket.connection.setup.timeout.ms", 5_000);
        config.put("socket.connection.setup.timeout.max.ms", 10_000);
        config.put("reconnect.backoff.max.ms", 2_000);
        return config;
    }

    @Override
    public String toString() {
        return "kafka://" + bootstrapServers() + " (partitions=" + partitions + ", replicationFactor="
                + replicationFactor.map(String::valueOf).orElse("broker default") + ", maxMessageBytes="
                + maxMessageBytes + ", clientId=" + clientId + ")";
    }
}
