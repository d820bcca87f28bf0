package dev.courier.api;

/**
 * Headers Courier adds to a dead letter, beside the original headers. The same on every broker.
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

    private DeadLetterHeaders() {
    }
}
