package dev.courier.examples;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.Subscription;
import dev.courier.examples.Events.UserCreated;
import dev.courier.jdbc.Inbox;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a (simulated) welcome mail for every new user: group {@code email} on {@code user.created}.
 * With an {@link Inbox} each event runs once however often it is delivered, and marks the user
 * welcomed in the same transaction.
 */
final class EmailService {

    static final String GROUP = "email";
    private static final Logger log = LoggerFactory.getLogger(EmailService.class);

    private final Set<String> welcomed = ConcurrentHashMap.newKeySet();

    Subscription start(MessageBus bus) {
        return bus.subscribe(UserService.TOPIC, GROUP, UserCreated.class, this::welcome);
    }

    /** Subscribes behind {@code inbox}: the handler runs once per event id, in the inbox's transaction. */
    Subscription start(MessageBus bus, Inbox inbox) {
        return bus.subscribe(UserService.TOPIC, GROUP, UserCreated.class, this::welcomeOnce,
                ConsumerOptions.defaults().withMiddleware(inbox.middleware(GROUP)));
    }

    private void welcome(Message<UserCreated> message) {
        // at-least-once: a redelivered event must not send a second mail
        if (welcomed.add(message.id())) {
            log.debug("Welcome mail to {}", message.payload().email());
        }
    }

    private void welcomeOnce(Message<UserCreated> message) throws SQLException {
        // the inbox already dropped redeliveries; this write commits with the inbox row
        try (PreparedStatement update = Inbox.connection().prepareStatement("UPDATE users SET welcomed = TRUE WHERE id = ?")) {
            update.setString(1, message.payload().userId());
            update.executeUpdate();
        }
        welcomed.add(message.id());
        log.debug("Welcome mail to {}", message.payload().email());
    }

    /** Ids of the events handled so far. */
    Set<String> handled() {
        return welcomed;
    }
}
