package dev.courier.api;

/**
 * A received payload could not be decoded into the handler's type: not valid UTF-8 text, or
 * refused by the type's {@link Codec} (not JSON, or with strict decoding, the default, JSON of
 * the wrong shape, see {@link ConsumerOptions#withLenientDecoding()}). By default such a message
 * is not retried (see {@link RetryPolicy#deadLetterOn()}): it goes to the dead-letter queue at
 * once, with this exception's message as {@code courier-error-message}.
 */
public class DecodingException extends CourierException {

    public DecodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
