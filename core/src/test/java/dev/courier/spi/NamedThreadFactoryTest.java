package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NamedThreadFactoryTest {

    @Test
    void transport_threads_are_named_courier_transport_purpose_and_a_count() {
        NamedThreadFactory threads = NamedThreadFactory.forTransport("nats", "timer");
        assertEquals("courier-nats-timer-1", threads.newThread(() -> { }).getName());
        assertEquals("courier-nats-timer-2", threads.newThread(() -> { }).getName());
    }

    @Test
    void threads_are_daemons_unless_asked_otherwise() {
        assertTrue(new NamedThreadFactory("courier-x").newThread(() -> { }).isDaemon());
        assertFalse(new NamedThreadFactory("courier-x", false).newThread(() -> { }).isDaemon());
    }

    @Test
    void an_uncaught_exception_is_logged_with_the_thread_name() throws InterruptedException {
        Logger logger = (Logger) LoggerFactory.getLogger(NamedThreadFactory.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            IllegalStateException failure = new IllegalStateException("boom");
            Thread thread = NamedThreadFactory.forTransport("amqp", "io").newThread(() -> {
                throw failure;
            });
            thread.start();
            thread.join(10_000);
            assertFalse(thread.isAlive());
            ILoggingEvent event = appender.list.get(0);
            assertTrue(event.getFormattedMessage().contains("courier-amqp-io-1"), event.getFormattedMessage());
            assertSame(failure, ((ch.qos.logback.classic.spi.ThrowableProxy) event.getThrowableProxy()).getThrowable());
        } finally {
            logger.detachAppender(appender);
        }
    }
}
