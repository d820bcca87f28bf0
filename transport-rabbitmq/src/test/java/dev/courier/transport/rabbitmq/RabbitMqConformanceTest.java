package dev.courier.transport.rabbitmq;

import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.RestartableBroker;
import org.junit.jupiter.api.AfterAll;

/**
 * The whole Courier contract against a real RabbitMQ ({@code COURIER_AMQP_URL} or the local
 * service), the restart scenario included: {@code rabbitmqctl stop_app} / {@code start_app} on the
 * local node.
 */
class RabbitMqConformanceTest extends ConformanceSuite {

    @Override
    protected String url() {
        return TestBroker.URL;
    }

    @Override
    protected void beforeEachTest() {
        TestBroker.requireReachable();
    }

    /** RabbitMQ accepts up to 128 MiB by default; one byte more must be refused before sending. */
    @Override
    protected int oversizedPayloadBytes() {
        return (int) RabbitMqSettings.DEFAULT_MAX_MESSAGE_BYTES + 1;
    }

    @Override
    protected RestartableBroker restartableBroker() {
        return TestBroker.restartable();
    }

    @Override
    protected String restartUnsupportedReason() {
        return "the restart scenario needs rabbitmqctl and a RabbitMQ on this machine; COURIER_AMQP_URL points to "
                + TestBroker.SETTINGS.hostAndPort();
    }

    /** Deletes the queues and exchanges of this run. */
    @AfterAll
    static void deleteWhatTheRunCreated() {
        TestBroker.deleteRun(RUN_PREFIX);
    }
}
