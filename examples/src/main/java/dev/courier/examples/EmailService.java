package dev.courier.examples;

import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.Subscription;
import dev.courier.examples.Events.UserCreated;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends a (simulated) welcome mail for every new user: group {@code email} on {@code user.created}. */
final class EmailService {

    static final String GROUP = "email";
    private static final Logger log = LoggerFactory.getLogger(EmailService.class);

    private final Set<String> welcomed = ConcurrentHashMap.newKeySet();

    Subscription start(MessageBus bus) {
        return bus.subscribe(UserService.TOPIC, GROUP, UserCreated.class, this::welcome);
    }

    private void welcome(Message<UserCreated> message) {
        // at-least-once: a redelivered event must not send a second mail
        if (welcomed.add(message.id())) {
            log.debug("Welcome mail to {}", message.payload().email());
        }
    }

    /** Ids of the events handled so far. */
    Set<String> handled() {
        return welcomed;
    }
}
