package dev.courier.api;

/**
 * A publish or submit did not reach the broker durably: the payload could not be encoded, the
 * broker refused it, or no confirmation came within {@link BusOptions#publishTimeout()}. The
 * message was not (or may not have been) stored; publishing it again is safe because consumers
 * are at-least-once anyway.
 */
public class PublishException extends CourierException {

    public PublishException(String message) {
        super(message);
    }

    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
