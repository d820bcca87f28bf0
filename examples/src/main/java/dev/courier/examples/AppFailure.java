package dev.courier.examples;

/** The app ran but did not account for every expected message; the message says what is missing. */
final class AppFailure extends RuntimeException {
    AppFailure(String message) {
        super(message);
    }
}
