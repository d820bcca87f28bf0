package dev.courier.transport.rabbitmq;

import dev.courier.testkit.ForeignProducer;
import dev.courier.testkit.InteropSuite;
import org.junit.jupiter.api.AfterAll;

/** Messages from the plain amqp-client ({@link RabbitMqForeignProducer}) on a real RabbitMQ. */
class RabbitMqInteropTest extends InteropSuite {

    @Override
    protected String url() {
        return TestBroker.URL;
    }

    @Override
    protected void beforeEachTest() {
        TestBroker.requireReachable();
    }

    @Override
    protected ForeignProducer foreignProducer() throws Exception {
        return new RabbitMqForeignProducer();
    }

    /** Deletes the queues and exchanges of this run. */
    @AfterAll
    static void deleteWhatTheRunCreated() {
        TestBroker.deleteRun(RUN_PREFIX);
    }
}
