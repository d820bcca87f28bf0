package dev.courier.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What became of one attempt at a received message, as a {@link ConsumeInterceptor} returns it.
 * The subscription's dispatcher acts on the outcome the outermost step returns: it acks a
 * {@link Handled}, {@link Rescheduled} or {@link DeadLettered} message, runs a {@link Retry} again after its delay
 * (on a timer, holding no thread), and keeps a {@link Failed} one (normally the dead-letter step
 * turns a failure into a dead letter before it gets there). Immutable.
 */
public sealed interface Outcome permits Outcome.Handled, Outcome.Failed, Outcome.Retry, Outcome.Rescheduled,
        Outcome.DeadLettered {

    /** The failure behind this outcome, or {@code null} when the message was handled. */
    Throwable cause();

    /** The message was handled: ack it. */
    static Outcome handled() {
        return Handled.INSTANCE;
    }

    /** This attempt failed with {@code cause}; the retry and dead-letter steps decide what follows. */
    static Outcome failed(Throwable cause) {
        return new Failed(cause);
    }

    /**
     * Run the message again after {@code delay}; {@code cause} is why this attempt failed. A retry
     * asked for inside the retry step uses up the policy's attempts like any failure: after the
     * last one it becomes {@link #failed failed} and is dead-lettered.
     */
    static Outcome retry(Duration delay, Throwable cause) {
        return new Retry(delay, cause);
    }

    /**
     * The message was sent again, due at {@code deliverAt}, because of {@code cause} (a
     * {@linkplain RetryPolicy#withRescheduling non-blocking retry}): ack this delivery.
     */
    static Outcome rescheduled(Instant deliverAt, Throwable cause) {
        return new Rescheduled(deliverAt, cause);
    }

    /** The message was sent to the dead-letter queue {@code queue} because of {@code cause}: ack it. */
    static Outcome deadLettered(String queue, Throwable cause) {
        return new DeadLettered(queue, cause);
    }

    /** The message was handled. */
    record Handled() implements Outcome {
        private static final Handled INSTANCE = new Handled();

        @Override
        public Throwable cause() {
            return null;
        }
    }

    /** @param cause why the attempt failed */
    record Failed(Throwable cause) implements Outcome {
        public Failed {
            Objects.requireNonNull(cause, "cause");
        }
    }

    /**
     * @param delay how long to wait before the next attempt
     * @param cause why this attempt failed
     */
    record Retry(Duration delay, Throwable cause) implements Outcome {
        public Retry {
            Objects.requireNonNull(delay, "delay");
            Objects.requireNonNull(cause, "cause");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative: " + delay);
            }
        }
    }

    /**
     * @param deliverAt when the message sent again is due
     * @param cause     why this delivery's attempts failed
     */
    record Rescheduled(Instant deliverAt, Throwable cause) implements Outcome {
        public Rescheduled {
            Objects.requireNonNull(deliverAt, "deliverAt");
            Objects.requireNonNull(cause, "cause");
        }
    }

    /**
     * @param queue the dead-letter queue the message went to
     * @param cause why it was dead-lettered
     */
    record DeadLettered(String queue, Throwable cause) implements Outcome {
        public DeadLettered {
            Objects.requireNonNull(queue, "queue");
            Objects.requireNonNull(cause, "cause");
        }
    }
}
