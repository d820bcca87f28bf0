package dev.courier.internal;

import dev.courier.api.Outcome;
import java.util.function.Supplier;

/**
 * The cause of the {@link Outcome.Failed} the {@link DeadLetterStep} returns when the dead letter
 * of a failed message could not be sent (the broker refused it or could not be reached): a value
 * the dispatcher reads, never thrown. The dispatcher keeps the message unacked and, after a
 * backoff, calls {@link #resend()}, which sends the same dead letter again without running the
 * handler. Carries no stack trace: {@link #getCause()} says what went wrong.
 */
final class DeadLetterRefused extends RuntimeException {

    private final transient Supplier<Outcome> resend;

    /**
     * @param cause  why the dead letter was not sent
     * @param resend sends the dead letter again: dead-lettered, or failed with another {@code DeadLetterRefused}
     */
    DeadLetterRefused(Throwable cause, Supplier<Outcome> resend) {
        super(String.valueOf(cause.getMessage()), cause, false, false);
        this.resend = resend;
    }

    Supplier<Outcome> resend() {
        return resend;
    }
}
