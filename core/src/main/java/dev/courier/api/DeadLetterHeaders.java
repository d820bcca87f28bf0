package dev.courier.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Headers Courier adds to a dead letter, beside the original headers, and the one that sends a
 * message back to a single group. The same on every broker.
 */
public final class DeadLetterHeaders {

    /** Fully qualified class name of the last failure. */
    public static final String ERROR_CLASS = "courier-error-class";
    /** Message of the last failure. */
    public static final String ERROR_MESSAGE = "courier-error-message";
    /** How many attempts were made. */
    public static final String ATTEMPTS = "courier-attempts";
    /** The topic or work queue the message was consumed from. */
    public static final String ORIGINAL_TOPIC = "courier-original-topic";
    /** The group that failed to handle it (absent for a work queue). */
    public static final String GROUP = "courier-group";
    /**
     * On a message sent back to its topic for one group (a replayed dead letter, a rescheduled
     * retry): only the group it names handles it; every other group of the topic acks it unhandled.
     * Work queues ignore it. Reserved, so only Courier's own tools set it.
     */
    public static final String TARGET_GROUP = "courier-target-group";

    private DeadLetterHeaders() {
    }

    /**
     * The headers of the dead letter of {@code message}: its own headers plus the ones above,
     * in this order. What core writes, and what a test can compare with.
     *
     * @param group the group that failed, or {@code null} for a work queue
     */
    public static Map<String, String> of(Message<?> message, Throwable failure, String group) {
        Map<String, String> headers = new LinkedHashMap<>(message.headers());
        headers.put(ERROR_CLASS, failure.getClass().getName());
        headers.put(ERROR_MESSAGE, String.valueOf(failure.getMessage()));
        headers.put(ATTEMPTS, Integer.toString(message.attempt()));
        headers.put(ORIGINAL_TOPIC, message.topic());
        if (group != null) {
            headers.put(GROUP, group);
        }
        return headers;
    }
}
