package dev.courier.internal;

import dev.courier.api.ConsumeInterceptor;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.Message;
import dev.courier.api.Outcome;
import dev.courier.api.Route;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outermost step: a {@link Outcome.Failed failure} that comes back (any {@link Throwable},
 * {@link Error}s included) sends the message, with its original payload and headers plus the
 * {@link DeadLetterHeaders}, and its event type, to the dead-letter queue, and becomes
 * {@link Outcome.DeadLettered} (so the original is acked) once the dead letter is confirmed.
 * When sending fails the outcome stays failed, with a {@link DeadLetterRefused} as its cause: the
 * dispatcher sends the same letter again later rather than lose the message or run its handler
 * again.
 *
 * <p>Each dead letter is logged as one WARN line; the failure's stack trace is logged at DEBUG.
 */
final class DeadLetterStep implements ConsumeInterceptor {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterStep.class);

    /** Sends an envelope and waits for the broker's confirmation. */
    interface Sender {
        void sendAndWait(Envelope envelope) throws Exception;
    }

    private final Destination deadLetters;
    private final String group;
    private final Sender sender;
    private final BooleanSupplier stopping;
    private final Route route;
    private final ListenerFanout listener;

    /**
     * @param stopping true once the subscription is closing: a failure then (an interrupted
     *                 handler, say) is not the message's fault and is not dead-lettered
     */
    DeadLetterStep(Destination deadLetters, String group, Sender sender, BooleanSupplier stopping, Route route,
                   ListenerFanout listener) {
        this.route = route;
        this.listener = listener;
        this.deadLetters = deadLetters;
        this.group = group;
        this.sender = sender;
        this.stopping = stopping;
    }

    @Override
    public Outcome intercept(Message<byte[]> message, Chain next) {
        Outcome outcome = next.proceed(message);
        if (!(outcome instanceof Outcome.Failed failed) || stopping.getAsBoolean()) {
            return outcome;
        }
        return deadLetter(message, failed.cause());
    }

    /** Builds and sends the dead letter; on failure returns one that can build and send it again. */
    private Outcome deadLetter(Message<byte[]> message, Throwable failure) {
        Envelope letter;
        try {
            letter = letter(message, failure);
        } catch (RuntimeException e) {
            return Outcome.failed(new DeadLetterRefused(e, () -> deadLetter(message, failure)));
        }
        return send(message, letter, failure);
    }

    private Envelope letter(Message<byte[]> message, Throwable failure) {
        Map<String, String> headers = DeadLetterHeaders.of(message, failure, group);
        return new Envelope(message.id(), deadLetters, message.key(), headers, message.payload(),
                message.contentType(), message.timestamp(), message.type());
    }

    /** Sends the letter: dead-lettered, or failed with a {@link DeadLetterRefused} able to send it again. */
    private Outcome send(Message<byte[]> message, Envelope letter, Throwable failure) {
        try {
            sender.sendAndWait(letter);
        } catch (Exception | Error e) {
            return Outcome.failed(new DeadLetterRefused(e, () -> send(message, letter, failure)));
        }
        if (listener != null) {
            listener.deadLettered(route, message, failure);
        }
        log.warn("Message {} on {}{} failed after {} attempt(s) and was dead-lettered to {}: {}", message.id(),
                message.topic(), group == null ? "" : " (group " + group + ")", message.attempt(),
                deadLetters.name(), oneLine(failure));
        log.debug("Failure of dead-lettered message {}", message.id(), failure);
        return Outcome.deadLettered(deadLetters.name(), failure);
    }

    /** The throwable's class and message on one line, for a log line that stays one line. */
    static String oneLine(Throwable failure) {
        String text = failure.toString();
        return text.indexOf('\n') < 0 && text.indexOf('\r') < 0 ? text : text.replaceAll("\\s*[\\r\\n]+\\s*", " | ");
    }

    @Override
    public String toString() {
        return "dead-letter";
    }
}
