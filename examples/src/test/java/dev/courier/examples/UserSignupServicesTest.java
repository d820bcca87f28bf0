package dev.courier.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.OutgoingMessage;
import dev.courier.examples.Events.UserCreated;
import dev.courier.test.CourierTest;
import dev.courier.test.Recorded;
import dev.courier.test.TestBus;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The services of the user-signup app, one behaviour at a time, each on a bus of its own. */
class UserSignupServicesTest {

    @RegisterExtension
    final CourierTest courier = CourierTest.create();

    @Test
    void a_signup_publishes_user_created_keyed_by_the_user_id() {
        TestBus bus = courier.bus();

        new UserService(bus).signUp("ada@example.com").toCompletableFuture().join();

        Recorded.Published published = bus.published(UserService.TOPIC).get(0);
        UserCreated event = (UserCreated) published.payload();
        assertEquals("ada@example.com", event.email());
        assertEquals(event.userId(), published.key());
    }

    @Test
    void every_signup_reaches_both_email_and_analytics() {
        TestBus bus = courier.bus();
        new EmailService().start(bus);
        new AnalyticsService().start(bus);

        new UserService(bus).signUp("ada@example.com");

        bus.awaitHandled(UserService.TOPIC, EmailService.GROUP, 1);
        bus.awaitHandled(UserService.TOPIC, AnalyticsService.GROUP, 1);
    }

    @Test
    void a_redelivered_event_is_counted_once() {
        TestBus bus = courier.bus();
        AnalyticsService analytics = new AnalyticsService();
        analytics.start(bus);
        OutgoingMessage event = OutgoingMessage.of(UserService.TOPIC,
                new UserCreated("u-1", "ada@example.com", Instant.parse("2026-03-04T05:06:07Z"))).withId("event-1");

        bus.publish(event);
        bus.publish(event);
        bus.awaitHandled(UserService.TOPIC, AnalyticsService.GROUP, 2);

        assertEquals(Map.of(LocalDate.parse("2026-03-04"), 1), analytics.perDay());
    }

    @Test
    void a_welcome_schedules_the_day_two_mail_which_arrives_once_it_is_due() {
        TestBus bus = courier.bus();
        EmailService email = new EmailService();
        email.start(bus);
        long start = System.currentTimeMillis();

        String event = new UserService(bus).signUp("ada@example.com").toCompletableFuture().join().id();

        bus.awaitHandled(EmailService.FOLLOW_UPS, null, 1);
        assertEquals(Set.of(event), email.followedUp());
        assertTrue(System.currentTimeMillis() - start >= EmailService.DAY_TWO.toMillis(), "not before it is due");
    }
}
