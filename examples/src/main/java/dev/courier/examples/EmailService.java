package dev.courier.examples;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.Subscription;
import dev.courier.api.WorkQueue;
import dev.courier.examples.Events.FollowUp;
import dev.courier.examples.Events.UserCreated;
import dev.courier.jdbc.Inbox;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a (simulated) welcome mail for every new user: group {@code email} on {@code user.created}.
 * With an {@link Inbox} each event runs once however often it is delivered, and marks the user
 * welcomed in the same transaction.
 *
 * <p>Without an inbox it also schedules the "welcome, day 2" mail: a job on the work queue
 * {@code email.follow-ups}, due {@link #DAY_TWO} later. The broker holds it (through restarts,
 * with no process running) until it is due, then a worker sends it.
 */
final class EmailService {

    static final String GROUP = "email";
    static final String FOLLOW_UPS = "email.follow-ups";
    /** When the day-2 mail is due after the welcome: a day in production, seconds in the example. */
    static final Duration DAY_TWO = Duration.ofSeconds(2);
    private static final Logger log = LoggerFactory.getLogger(EmailService.class);

    private final Set<String> welcomed = ConcurrentHashMap.newKeySet();
    private final Set<String> followedUp = ConcurrentHashMap.newKeySet();
    private volatile WorkQueue<FollowUp> followUps;

    Subscription start(MessageBus bus) {
        followUps = bus.workQueue(FOLLOW_UPS, FollowUp.class);
        followUps.work(this::dayTwo, ConsumerOptions.concurrency(4));
        return bus.subscribe(UserService.TOPIC, GROUP, UserCreated.class, this::welcome);
    }

    /** Subscribes behind {@code inbox}: the handler runs once per event id, in the inbox's transaction. */
    Subscription start(MessageBus bus, Inbox inbox) {
        return bus.subscribe(UserService.TOPIC, GROUP, UserCreated.class, this::welcomeOnce,
                ConsumerOptions.defaults().withMiddleware(inbox.middleware(GROUP)));
    }

    private void welcome(Message<UserCreated> message) {
        // at-least-once: a redelivered event must not send a second mail
        if (welcomed.contains(message.id())) {
            return;
        }
        UserCreated user = message.payload();
        // scheduled before the event is acked: a crash in between schedules it again, never loses it
        followUps.submit(new FollowUp(message.id(), user.userId(), user.email()), DAY_TWO).toCompletableFuture().join();
        welcomed.add(message.id());
        log.debug("Welcome mail to {}", user.email());
    }

    private void dayTwo(Message<FollowUp> message) {
        if (followedUp.add(message.payload().eventId())) {
            log.debug("Welcome, day 2 mail to {}", message.payload().email());
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

    /** Ids of the events whose day-2 mail was sent so far. */
    Set<String> followedUp() {
        return followedUp;
    }
}
