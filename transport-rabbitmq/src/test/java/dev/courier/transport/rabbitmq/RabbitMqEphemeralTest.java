package dev.courier.transport.rabbitmq;

import dev.courier.testkit.BrokerProbe;
import dev.courier.testkit.EphemeralSuite;
import org.junit.jupiter.api.AfterAll;

/**
 * Temporary queues and stated limits against a real RabbitMQ. RabbitMQ has no ack deadline a URL
 * can shorten (its {@code consumer_timeout} is the server's), so that scenario is skipped.
 */
class RabbitMqEphemeralTest extends EphemeralSuite {

    @Override
    protected String url() {
        return TestBroker.URL;
    }

    @Override
    protected void beforeEachTest() {
        TestBroker.requireReachable();
    }

    @Override
    protected BrokerProbe probe() {
        return TestBroker::exists;
    }

    @Override
    protected int oversizedPayloadBytes() {
        return (int) RabbitMqSettings.DEFAULT_MAX_MESSAGE_BYTES + 1;
    }

    @AfterAll
    static void deleteWhatTheRunCreated() {
        TestBroker.deleteRun(dev.courier.testkit.ConformanceSuite.RUN_PREFIX);
    }
}
