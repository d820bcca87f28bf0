package dev.courier.transport.rabbitmq;

import com.rabbitmq.client.Channel;
import dev.courier.spi.Destination;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * Durable delays on plain RabbitMQ, without plugins (NServiceBus' binary delay levels). Level
 * {@code L} (0 to 21) is a durable topic exchange and a durable classic queue, both named
 * {@code courier.delay.L}, whose messages expire after 2<sup>L</sup> s ({@code x-message-ttl})
 * and are dead-lettered to the exchange of level {@code L-1} (level 0: to
 * {@code courier.delay.deliver}). A delayed message travels with a routing key of 22 words, the
 * bits of its delay in whole seconds (rounded up) from level 21 down to 0, then {@code q} or
 * {@code t} and its destination's name: {@code 0.0. … .1.0.1.t.orders}. Each level exchange sends
 * a key whose bit is 1 into its queue, where it waits 2<sup>L</sup> s, and one whose bit is 0
 * straight on to the next exchange down, so a message waits its delay rounded up to a second, in
 * as many queue hops as its delay has 1 bits (at most 22). {@code courier.delay.deliver} is bound
 * to each destination a bus sent a delayed message to (a topic's exchange, or a queue) with
 * {@code *} × 22 {@code .t.<name>} (or {@code .q.<name>}), so it routes the message to where it
 * was sent.
 *
 * <p>Whole seconds, not milliseconds: every hop is a dead-lettering the broker persists, and a
 * millisecond count has about twice as many 1 bits, which halved throughput on a busy broker.
 *
 * <p>Every queue holds messages of one TTL, so the one at its head always expires first. The
 * queues and messages are durable and persistent, so delays survive a broker restart (overdue
 * messages move on when it is back) and need no Courier process. The longest delay is
 * 2<sup>22</sup> − 1 s, about 48.5 days. Stateless; the topology is declared through an
 * {@link AmqpLink}.
 */
final class DelayLevels {

    /** Levels 0 to 21: delays up to 2^22 - 1 s. */
    static final int LEVELS = 22;
    static final long UNIT_MILLIS = 1000;
    static final long MAX_DELAY_UNITS = (1L << LEVELS) - 1;
    /** What the transport states: 48 days (the levels reach 48.5). */
    static final Duration MAX_DELAY = Duration.ofDays(48);
    static final String PREFIX = "courier.delay.";
    static final String DELIVER = PREFIX + "deliver";

    private DelayLevels() {
    }

    /** The exchange and the queue of {@code level}. */
    static String level(int level) {
        return PREFIX + level;
    }

    /** A delay of {@code millis} (1 or more) in whole seconds, rounded up (never early), at most the longest. */
    static long units(long millis) {
        return Math.min((millis + UNIT_MILLIS - 1) / UNIT_MILLIS, MAX_DELAY_UNITS);
    }

    /** The first level a message delayed by {@code units} (1 or more) goes to: its highest bit. */
    static int firstLevel(long units) {
        return 63 - Long.numberOfLeadingZeros(units);
    }

    /** The routing key of a message to {@code destination} delayed by {@code units} seconds. */
    static String routingKey(long units, Destination destination) {
        StringBuilder key = new StringBuilder(2 * LEVELS + 2 + destination.name().length());
        for (int level = LEVELS - 1; level >= 0; level--) {
            key.append((units >>> level & 1) == 1 ? '1' : '0').append('.');
        }
        return key.append(kind(destination)).append('.').append(destination.name()).toString();
    }

    /** The binding key that routes a due message from {@link #DELIVER} to {@code destination}. */
    static String deliveryBinding(Destination destination) {
        return "*.".repeat(LEVELS) + kind(destination) + "." + destination.name();
    }

    private static char kind(Destination destination) {
        return destination.isQueue() ? 'q' : 't';
    }

    /** The pattern of the keys whose bit {@code level} is {@code bit}. */
    private static String bitPattern(int level, char bit) {
        return "*.".repeat(LEVELS - 1 - level) + bit + ".#";
    }

    /** Declares the levels and {@link #DELIVER}; idempotent. */
    static void declareLevels(Channel channel) throws IOException {
        channel.exchangeDeclare(DELIVER, "topic", true, false, false, null);
        for (int level = 0; level < LEVELS; level++) {
            String name = level(level);
            String next = level == 0 ? DELIVER : level(level - 1);
            channel.exchangeDeclare(name, "topic", true, false, false, null);
            channel.queueDeclare(name, true, false, false, Map.of(
                    "x-queue-type", "classic",
                    "x-message-ttl", UNIT_MILLIS << level,
                    "x-dead-letter-exchange", next));
            channel.queueBind(name, name, bitPattern(level, '1'));
            channel.exchangeBind(next, name, bitPattern(level, '0'));
        }
    }

    /** Binds {@code destination} (declared already) to {@link #DELIVER}; idempotent. */
    static void bind(Channel channel, Destination destination) throws IOException {
        if (destination.isQueue()) {
            channel.queueBind(destination.name(), DELIVER, deliveryBinding(destination));
        } else {
            channel.exchangeBind(destination.name(), DELIVER, deliveryBinding(destination));
        }
    }

    /** Whether a header table's dead-letter history starts in a delay level: then it is the delay's, not news. */
    static boolean delayedOnly(Map<String, Object> headers) {
        Object queue = headers.get("x-first-death-queue");
        return queue != null && AmqpMessages.text(queue).startsWith(PREFIX);
    }
}
