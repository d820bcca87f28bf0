package dev.courier.examples;

import java.time.Instant;

/** The messages of the example apps. */
final class Events {

    private Events() {
    }

    /** Published by the user service when someone signs up. */
    record UserCreated(String userId, String email, Instant createdAt) {
    }

    /**
     * A mail to send later ("welcome, day 2"), scheduled by the email service with a delay.
     *
     * @param eventId the id of the {@code UserCreated} event that led to it
     */
    record FollowUp(String eventId, String userId, String email) {
    }

    /** A job for the thumbnail workers. */
    record Thumbnail(String image, int size) {
    }

    /** The body of {@code POST /users}. */
    record SignupRequest(String email) {
    }
}
