package dev.courier.transport.nats;

import dev.courier.spi.Destination;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How Courier names map to JetStream names. Courier names use {@code [A-Za-z0-9._-]}; stream and
 * consumer names must not contain {@code .}, {@code *}, {@code >} or whitespace, and are
 * directory names in the file store, so they are derived as follows, each mapping injective:
 *
 * <ul>
 *   <li>stream: {@code courier-t-<topic>} or {@code courier-q-<queue>}, with {@code .} written as
 *       {@code _} and {@code _} as {@code ~} (a one-to-one character swap, as {@code ~} never
 *       occurs in a Courier name). A result longer than {@value #MAX_NAME} characters keeps its
 *       first {@value #KEPT} characters followed by {@code =} and 24 hex digits of the SHA-256 of
 *       the whole name ({@code =} never occurs otherwise);</li>
 *   <li>durable consumer of a group: the group name, swapped the same way (at most 100 characters);
 *       the one consumer of a work queue: {@value #QUEUE_CONSUMER};</li>
 *   <li>subject: {@code courier.t.<topic>} or {@code courier.q.<queue>}, so topics and queues never
 *       overlap. A name with an empty token (leading, trailing or doubled {@code .}) goes under
 *       {@code courier.tx.} or {@code courier.qx.} as a single swapped token instead.</li>
 * </ul>
 *
 * <p>Stateless and thread safe.
 */
final class NatsNames {

    /** Longest stream name used as it is; longer ones are shortened with a hash. */
    static final int MAX_NAME = 128;
    static final String QUEUE_CONSUMER = "courier-workers";
    static final String TOPIC_STREAM_PREFIX = "courier-t-";
    static final String QUEUE_STREAM_PREFIX = "courier-q-";
    private static final int HASH_HEX = 24;
    private static final int KEPT = MAX_NAME - 1 - HASH_HEX;

    private NatsNames() {
    }

    /** The stream holding {@code destination}'s messages. */
    static String stream(Destination destination) {
        String name = (destination.isQueue() ? QUEUE_STREAM_PREFIX : TOPIC_STREAM_PREFIX) + swap(destination.name());
        if (name.length() <= MAX_NAME) {
            return name;
        }
        return name.substring(0, KEPT) + "=" + sha256Hex(name).substring(0, HASH_HEX);
    }

    /** The subject {@code destination}'s stream listens on. */
    static String subject(Destination destination) {
        String name = destination.name();
        String kind = destination.isQueue() ? "q" : "t";
        boolean emptyToken = name.startsWith(".") || name.endsWith(".") || name.contains("..");
        return emptyToken ? "courier." + kind + "x." + swap(name) : "courier." + kind + "." + name;
    }

    /** The durable consumer that reads {@code source} for {@code group} ({@code null} for a work queue). */
    static String durable(Destination source, String group) {
        return source.isQueue() ? QUEUE_CONSUMER : swap(group);
    }

    /** Swaps {@code .} to {@code _} and {@code _} to {@code ~}; every other legal character stays. */
    static String swap(String name) {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            out.append(c == '.' ? '_' : c == '_' ? '~' : c);
        }
        return out.toString();
    }

    private static String sha256Hex(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
