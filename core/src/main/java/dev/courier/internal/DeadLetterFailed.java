package dev.courier.internal;

/**
 * Thrown by {@link DeadLetterStep} when the dead letter of a failed message could not be sent
 * (the broker refused it or could not be reached). The dispatcher keeps the message unacked and
 * calls {@link #resend()} after a backoff, which sends the same dead letter again without running
 * the handler. Carries no stack trace: the cause says what went wrong.
 */
final class DeadLetterFailed extends RuntimeException {

    private final transient Runnable resend;

    /**
     * @param cause  why the dead letter was not sent
     * @param resend sends the dead letter again; throws another {@code DeadLetterFailed} if that fails too
     */
    DeadLetterFailed(Throwable cause, Runnable resend) {
        super(String.valueOf(cause.getMessage()), cause, false, false);
        this.resend = resend;
    }

    Runnable resend() {
        return resend;
    }
}
