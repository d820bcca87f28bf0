package dev.courier.api;

/** Base of Courier's exceptions. Messages say what went wrong and, where it helps, what to do. */
public class CourierException extends RuntimeException {

    public CourierException(String message) {
        super(message);
    }

    public CourierException(String message, Throwable cause) {
        super(message, cause);
    }
}
