package dev.courier.internal;

import static dev.courier.internal.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.DecodingException;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 13, defects 7 and 14: JSON of the wrong shape is dead-lettered, in one log line. */
@Timeout(30)
class StrictDecodingTest {

    record UserCreated(String userId, String email) {
    }

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MessageBus bus = MessageBus.connect("memory://decoding-" + UUID.randomUUID());
    private final List<UserCreated> handled = new CopyOnWriteArrayList<>();
    private final List<Message<byte[]>> deadLetters = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        bus.close();
    }

    private Subscription subscribe(ConsumerOptions options) {
        Subscription subscription = bus.subscribe("users", "mailer", UserCreated.class,
                message -> handled.add(message.payload()), options);
        bus.workQueue(subscription.deadLetterQueue(), byte[].class).work(deadLetters::add);
        return subscription;
    }

    @Test
    void json_of_the_wrong_shape_is_dead_lettered_at_once_as_undecodable() {
        subscribe(ConsumerOptions.defaults());

        bus.publish("users", Map.of("foo", 1));

        await(() -> deadLetters.size() == 1, WAIT, "the dead letter");
        assertEquals(DecodingException.class.getName(), deadLetters.get(0).headers().get(DeadLetterHeaders.ERROR_CLASS));
        assertEquals("1", deadLetters.get(0).headers().get(DeadLetterHeaders.ATTEMPTS));
        assertEquals(List.of(), handled);
    }

    @Test
    void added_fields_are_still_accepted() {
        subscribe(ConsumerOptions.defaults());

        bus.publish("users", Map.of("userId", "u-1", "email", "a@example.com", "plan", "pro"));

        await(() -> handled.size() == 1, WAIT, "the message");
        assertEquals(new UserCreated("u-1", "a@example.com"), handled.get(0));
    }

    @Test
    void a_subscription_can_opt_out_with_lenient_decoding() {
        subscribe(ConsumerOptions.defaults().withLenientDecoding());

        bus.publish("users", Map.of("foo", 1));

        await(() -> handled.size() == 1, WAIT, "the message");
        assertEquals(new UserCreated(null, null), handled.get(0));
    }

    @Test
    void an_undecodable_message_is_one_warn_line_with_the_stack_trace_at_debug() {
        try (CapturedLogs logs = new CapturedLogs(DeadLetterStep.class, Level.DEBUG)) {
            subscribe(ConsumerOptions.defaults());

            bus.publish("users", "{oops");

            await(() -> deadLetters.size() == 1, WAIT, "the dead letter");
            await(() -> logs.at(Level.DEBUG).size() == 1, WAIT, "the DEBUG line");
            List<ILoggingEvent> warnings = logs.at(Level.WARN);
            assertEquals(1, warnings.size());
            String line = warnings.get(0).getFormattedMessage();
            assertTrue(line.contains("was dead-lettered to users.mailer.dlq"), line);
            assertTrue(line.contains("cannot be decoded as"), line);
            assertTrue(!line.contains("\n"), line);
            assertNull(warnings.get(0).getThrowableProxy(), "no stack trace at WARN");
            assertTrue(logs.at(Level.DEBUG).get(0).getThrowableProxy() != null, "the stack trace at DEBUG");
        }
    }
}
