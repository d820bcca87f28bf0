package dev.courier.transport.aws;

import dev.courier.spi.Destination;
import dev.courier.spi.NameRule;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SNS and SQS names of Courier's topics, groups and queues. Core hands this transport only
 * names that fit {@link #RULE} ({@code [A-Za-z0-9-]}, at most 75 characters; others it maps with a
 * digest), so:
 * <ul>
 *   <li>topic {@code T} is the FIFO topic {@code T.fifo};</li>
 *   <li>work queue {@code Q} is the FIFO queue {@code Q.fifo};</li>
 *   <li>group {@code G} of topic {@code T} is the FIFO queue {@code T_G.fifo}, or, when that is
 *       longer than SQS's 80 characters, {@code T_G} cut to fit followed by {@code _} and 12 hex
 *       digits of the SHA-256 of {@code T/G}.</li>
 * </ul>
 * An underscore never occurs in a name core hands over, so a group's queue never has the name of a
 * work queue. Stateless.
 */
final class AwsNames {

    /** What SNS and SQS hold, with room for {@code .fifo} in SQS's 80 characters. */
    static final NameRule RULE = new NameRule(75, "-");
    static final String FIFO = ".fifo";
    private static final int MAX_QUEUE_NAME = 80;
    private static final int DIGEST_CHARS = 12;

    private AwsNames() {
    }

    /** The SNS topic name of a Courier topic. */
    static String topic(Destination topic) {
        return topic.name() + FIFO;
    }

    /** The SQS queue name of a work queue, or of {@code group} of a topic. */
    static String queue(Destination source, String group) {
        if (source.isQueue()) {
            return source.name() + FIFO;
        }
        String plain = source.name() + "_" + group;
        if (plain.length() + FIFO.length() <= MAX_QUEUE_NAME) {
            return plain + FIFO;
        }
        String readable = plain.substring(0, MAX_QUEUE_NAME - FIFO.length() - DIGEST_CHARS - 1);
        return readable + "_" + digest(source.name() + "/" + group) + FIFO;
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash).substring(0, DIGEST_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
