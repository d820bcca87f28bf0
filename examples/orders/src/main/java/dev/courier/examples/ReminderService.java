package dev.courier.examples;

import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.examples.OrderEvents.OrderPlaced;
import dev.courier.examples.OrderEvents.PaymentReminder;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Payment reminders for unpaid orders, sent some time after the charge failed: {@link #schedule}
 * publishes a {@code PaymentReminder} that the broker holds back until it is due (delayed
 * delivery), and group {@code reminders} on {@code payment.reminders} "mails" it when it arrives.
 * Thread safe.
 */
final class ReminderService {

    static final String TOPIC = "payment.reminders";
    static final String GROUP = "reminders";

    private final Duration delay;
    private final Set<String> scheduled = ConcurrentHashMap.newKeySet();
    private final Map<String, Boolean> sent = new ConcurrentHashMap<>();
    private volatile String unsupported;

    /** Reminders due {@code delay} after they are scheduled. */
    ReminderService(Duration delay) {
        this.delay = delay;
    }

    void start(MessageBus bus) {
        bus.subscribe(TOPIC, GROUP, PaymentReminder.class, reminder ->
                sent.putIfAbsent(reminder.payload().orderId(), !Instant.now().isBefore(reminder.payload().due())));
    }

    /**
     * Schedules the reminder for {@code order}, returning once the broker holds it (the same
     * reminder id on a repeat). On a broker without delayed delivery nothing is scheduled and
     * {@link #unsupported()} says why.
     */
    void schedule(MessageBus bus, OrderPlaced order) throws Exception {
        Instant due = Instant.now().plus(delay).truncatedTo(ChronoUnit.MILLIS);
        OutgoingMessage reminder = OutgoingMessage.of(TOPIC, new PaymentReminder(order.orderId(), order.customer(), due))
                .withKey(order.orderId()).withId("reminder-" + order.orderId()).withDeliverAt(due);
        try {
            bus.publish(reminder).toCompletableFuture().get();
            scheduled.add(order.orderId());
        } catch (UnsupportedOperationException e) {
            unsupported = e.getMessage();
        }
    }

    Duration delay() {
        return delay;
    }

    /** Orders whose reminder the broker holds or delivered. */
    Set<String> scheduled() {
        return scheduled;
    }

    /** Orders whose reminder arrived, each with whether it arrived on or after its due time. */
    Map<String, Boolean> sent() {
        return sent;
    }

    /** Why no reminder could be scheduled on this broker, or {@code null}. */
    String unsupported() {
        return unsupported;
    }
}
