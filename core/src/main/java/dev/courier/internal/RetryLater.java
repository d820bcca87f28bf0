package dev.courier.internal;

import java.time.Duration;

/**
 * Thrown by {@link RetryStep} to ask the dispatcher to run the message again after
 * {@link #delay()}. The dispatcher waits without holding a thread, so other keys go on while
 * this key waits. Carries no stack trace: it is a signal, not an error.
 */
final class RetryLater extends RuntimeException {

    private final Duration delay;

    RetryLater(Duration delay, Throwable cause) {
        super("retry in " + delay.toMillis() + " ms", cause, false, false);
        this.delay = delay;
    }

    Duration delay() {
        return delay;
    }
}
