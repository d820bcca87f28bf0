package dev.courier.test;

import java.time.Duration;
import java.util.Map;

/**
 * What became of one attempt at handling a message, as {@link HandlerRun} predicts it. Check the
 * kind with {@code assertInstanceOf(Outcome.Retried.class, outcome)}, which also returns it typed.
 */
public sealed interface Outcome {

    /** The attempt this is the outcome of, 1 for the first. */
    int attempt();

    /** The handler returned normally: the message is acknowledged. */
    record Acked(int attempt) implements Outcome {
    }

    /** The handler failed and the retry policy allows another attempt, after {@code delay}. */
    record Retried(int attempt, Duration delay, Throwable cause) implements Outcome {
    }

    /**
     * The handler failed and no attempt is left (or the failure was a
     * {@link dev.courier.api.DecodingException}): the message goes to {@code queue}.
     *
     * @param headers the dead letter's headers: the original ones and the
     *                {@link dev.courier.api.DeadLetterHeaders}
     */
    record DeadLettered(int attempt, String queue, Map<String, String> headers, Throwable cause) implements Outcome {

        public DeadLettered {
            headers = Map.copyOf(headers);
        }
    }
}
