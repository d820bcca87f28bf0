package dev.courier.api;

/**
 * The broker could not be reached, or refused the connection or a declaration. The message
 * names the address (never a password).
 */
public class ConnectionException extends CourierException {

    public ConnectionException(String message) {
        super(message);
    }

    public ConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
