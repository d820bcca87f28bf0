package dev.courier.transport.rabbitmq;

import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.DelayedDeliverySuite;
import dev.courier.testkit.RestartableBroker;
import org.junit.jupiter.api.AfterAll;

/**
 * Delayed delivery against a real RabbitMQ, through the delay levels (TTL queues and dead-letter
 * exchanges, no plugin); the restart scenario stops and starts the local node's application
 * ({@code rabbitmqctl stop_app} / {@code start_app}).
 */
class RabbitMqDelayedDeliveryTest extends DelayedDeliverySuite {

    @Override
    protected String url() {
        return TestBroker.URL;
    }

    @Override
    protected void beforeEachTest() {
        TestBroker.requireReachable();
    }

    @Override
    protected RestartableBroker restartableBroker() {
        return TestBroker.restartable();
    }

    /** Deletes the queues and exchanges of this run (the delay levels stay: every bus shares them). */
    @AfterAll
    static void deleteWhatTheRunCreated() {
        TestBroker.deleteRun(ConformanceSuite.RUN_PREFIX);
    }
}
