package dev.courier.spi;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What a transport's broker limits, offers and expects, stated so that core can reject what
 * cannot work before any I/O, map names the broker cannot hold, keep deliveries alive where the
 * broker needs it, and so that the testkit can check exactly what is promised. Immutable.
 *
 * <p>Core enforces the limits on every publish, before any I/O: a payload over
 * {@code maxMessageBytes} fails with {@link dev.courier.api.MessageTooLargeException}; more than
 * {@code maxHeaders} headers, or headers over {@code maxHeaderBytes} in all, fail the
 * {@code publish} call with {@link IllegalArgumentException}.
 *
 * @param maxMessageBytes the largest encoded payload the broker accepts
 * @param maxHeaders      the most user headers (trace headers included) a message may carry
 * @param maxHeaderBytes  the most bytes the user headers' names and values (UTF-8) may take in all
 * @param names           the destination and group names the broker holds; core maps others
 * @param features        the optional features the transport offers
 * @param ackDeadline     who keeps a delivered message from being redelivered while it is worked on
 * @param delays          how precisely and how far ahead the transport delays a message; read only
 *                        when {@code features} has {@link Feature#DELAYED_DELIVERY}
 */
public record Capabilities(long maxMessageBytes, int maxHeaders, long maxHeaderBytes, NameRule names,
                           Set<Feature> features, AckDeadline ackDeadline, DelayLimits delays) {

    /**
     * What a transport with {@link Feature#DELAYED_DELIVERY} promises about delays. Core refuses
     * a due time further ahead than {@code maxDelay} before any I/O; the testkit checks that a
     * delayed message never arrives before its due time and, on an idle broker, arrives within
     * {@code granularity} after it.
     *
     * @param granularity how late after its due time a delayed message arrives at most, on an idle broker
     * @param maxDelay    the longest delay the transport holds a message for (at least 30 days
     *                    for Courier's own transports)
     */
    public record DelayLimits(Duration granularity, Duration maxDelay) {

        /** What a transport stating {@link Feature#DELAYED_DELIVERY} without limits promises: 1 s, 30 days. */
        public static final DelayLimits DEFAULT = new DelayLimits(Duration.ofSeconds(1), Duration.ofDays(30));

        public DelayLimits {
            Objects.requireNonNull(granularity, "granularity");
            Objects.requireNonNull(maxDelay, "maxDelay");
            if (granularity.isNegative() || granularity.isZero() || maxDelay.compareTo(granularity) < 0) {
                throw new IllegalArgumentException("need 0 < granularity <= maxDelay: " + granularity + ", " + maxDelay);
            }
        }
    }

    /** Optional features a transport may offer. */
    public enum Feature {
        /**
         * Destinations that live as long as the bus that declared them: {@link Transport#declare}
         * creates an {@linkplain Destination#ephemeral() ephemeral} destination and
         * {@link Transport#remove} deletes it from the broker.
         */
        EPHEMERAL_DESTINATIONS,
        /**
         * The broker can hold a message back until a given time ({@link Envelope#deliverAt()}),
         * durably, within the {@link Capabilities#delays() limits} the transport states.
         */
        DELAYED_DELIVERY,
        /** The broker drops a message whose id it stored recently (a retried publish is stored once). */
        NATIVE_DEDUPLICATION
    }

    /** No header count limit. */
    public static final int UNLIMITED_HEADERS = Integer.MAX_VALUE;
    /** No limit on the headers' total size beyond the message's. */
    public static final long UNLIMITED_HEADER_BYTES = Long.MAX_VALUE;

    public Capabilities {
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be positive: " + maxMessageBytes);
        }
        if (maxHeaders < 0) {
            throw new IllegalArgumentException("maxHeaders must not be negative: " + maxHeaders);
        }
        if (maxHeaderBytes < 0) {
            throw new IllegalArgumentException("maxHeaderBytes must not be negative: " + maxHeaderBytes);
        }
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(features, "features");
        features = features.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(features));
        Objects.requireNonNull(ackDeadline, "ackDeadline");
        Objects.requireNonNull(delays, "delays");
    }

    /** Capabilities whose delays, if offered, have the {@link DelayLimits#DEFAULT default limits}. */
    public Capabilities(long maxMessageBytes, int maxHeaders, long maxHeaderBytes, NameRule names,
                        Set<Feature> features, AckDeadline ackDeadline) {
        this(maxMessageBytes, maxHeaders, maxHeaderBytes, names, features, ackDeadline, DelayLimits.DEFAULT);
    }

    /**
     * A size limit only: no header limits, Courier's name rule, no optional features, no ack
     * deadline.
     */
    public Capabilities(long maxMessageBytes) {
        this(maxMessageBytes, UNLIMITED_HEADERS, UNLIMITED_HEADER_BYTES, NameRule.COURIER, Set.of(), AckDeadline.none());
    }

    /** No limits beyond the JVM's. */
    public static Capabilities unlimited() {
        return new Capabilities(Integer.MAX_VALUE - 8);
    }

    /** True when the transport offers {@code feature}. */
    public boolean has(Feature feature) {
        return features.contains(feature);
    }

    /** These capabilities with at most {@code count} headers and {@code bytes} of them in all. */
    public Capabilities withHeaderLimits(int count, long bytes) {
        return new Capabilities(maxMessageBytes, count, bytes, names, features, ackDeadline, delays);
    }

    /** These capabilities with the name rule {@code rule}. */
    public Capabilities withNames(NameRule rule) {
        return new Capabilities(maxMessageBytes, maxHeaders, maxHeaderBytes, rule, features, ackDeadline, delays);
    }

    /**
     * These capabilities with exactly the features {@code offered} (so without
     * {@link Feature#DELAYED_DELIVERY} unless listed: call {@link #withDelayedDelivery} after this).
     */
    public Capabilities withFeatures(Feature... offered) {
        Set<Feature> set = EnumSet.noneOf(Feature.class);
        set.addAll(java.util.Arrays.asList(offered));
        return new Capabilities(maxMessageBytes, maxHeaders, maxHeaderBytes, names, set, ackDeadline, delays);
    }

    /**
     * These capabilities with {@link Feature#DELAYED_DELIVERY} added (other features kept), its
     * delays arriving at most {@code granularity} late and reaching {@code maxDelay} ahead.
     */
    public Capabilities withDelayedDelivery(Duration granularity, Duration maxDelay) {
        Set<Feature> set = EnumSet.of(Feature.DELAYED_DELIVERY);
        set.addAll(features);
        return new Capabilities(maxMessageBytes, maxHeaders, maxHeaderBytes, names, set, ackDeadline,
                new DelayLimits(granularity, maxDelay));
    }

    /** These capabilities with the ack-deadline rule {@code deadline}. */
    public Capabilities withAckDeadline(AckDeadline deadline) {
        return new Capabilities(maxMessageBytes, maxHeaders, maxHeaderBytes, names, features, deadline, delays);
    }
}
