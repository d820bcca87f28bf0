package dev.courier.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * Who keeps a delivered message from being redelivered while its handler runs or a retry waits:
 * brokers that redeliver after an acknowledgement timeout need someone to say "still working".
 *
 * @param rule     who extends the deadline
 * @param deadline how long the broker waits for an acknowledgement or a sign of progress;
 *                 {@code null} for {@link Rule#NONE}
 */
public record AckDeadline(Rule rule, Duration deadline) {

    /** Who extends the deadline. */
    public enum Rule {
        /** The broker waits for a connected consumer indefinitely; nobody needs to extend anything. */
        NONE,
        /** The transport keeps its deliveries alive itself (NATS JetStream: it sends progress before ack wait ends). */
        TRANSPORT_EXTENDS,
        /**
         * Core calls {@link Delivery#inProgress()} on every unsettled delivery well before
         * {@code deadline} lapses (every third of it), while its handler runs or its retry waits.
         */
        CORE_EXTENDS
    }

    private static final AckDeadline NONE = new AckDeadline(Rule.NONE, null);

    public AckDeadline {
        Objects.requireNonNull(rule, "rule");
        if (rule == Rule.NONE) {
            if (deadline != null) {
                throw new IllegalArgumentException("a broker without an ack deadline has no duration: " + deadline);
            }
        } else if (deadline == null || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("an ack deadline must be positive: " + deadline);
        }
    }

    /** The broker waits indefinitely for a connected consumer. */
    public static AckDeadline none() {
        return NONE;
    }

    /** The transport extends {@code deadline} itself. */
    public static AckDeadline transportExtends(Duration deadline) {
        return new AckDeadline(Rule.TRANSPORT_EXTENDS, deadline);
    }

    /** Core must call {@link Delivery#inProgress()} before {@code deadline} lapses. */
    public static AckDeadline coreExtends(Duration deadline) {
        return new AckDeadline(Rule.CORE_EXTENDS, deadline);
    }
}
