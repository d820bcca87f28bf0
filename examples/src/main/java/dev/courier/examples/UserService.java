package dev.courier.examples;

import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishReceipt;
import dev.courier.examples.Events.UserCreated;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/** Creates users and tells everyone who cares by publishing {@code UserCreated} to {@code user.created}. */
final class UserService {

    static final String TOPIC = "user.created";

    private final MessageBus bus;

    UserService(MessageBus bus) {
        this.bus = bus;
    }

    /** Signs up {@code email}; the stage completes once the event is durably published. */
    CompletionStage<PublishReceipt> signUp(String email) {
        String userId = UUID.randomUUID().toString();
        UserCreated event = new UserCreated(userId, email, Instant.now());
        return bus.publish(OutgoingMessage.of(TOPIC, event).withKey(userId));
    }
}
