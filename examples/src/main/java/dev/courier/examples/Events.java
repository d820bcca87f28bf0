package dev.courier.examples;

import java.time.Instant;

/** The messages of the example apps. */
final class Events {

    private Events() {
    }

    /** Published by the user service when someone signs up. */
    record UserCreated(String userId, String email, Instant createdAt) {
    }

    /** A job for the thumbnail workers. */
    record Thumbnail(String image, int size) {
    }

    /** The body of {@code POST /users}. */
    record SignupRequest(String email) {
    }
}
