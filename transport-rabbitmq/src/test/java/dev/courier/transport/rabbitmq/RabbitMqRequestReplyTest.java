package dev.courier.transport.rabbitmq;

import dev.courier.testkit.BrokerProbe;
import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.RequestReplySuite;
import org.junit.jupiter.api.AfterAll;

/** Request/reply against a real RabbitMQ: the reply queue is a temporary queue deleted when the bus closes. */
class RabbitMqRequestReplyTest extends RequestReplySuite {

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

    @AfterAll
    static void deleteWhatTheRunCreated() {
        TestBroker.deleteRun(ConformanceSuite.RUN_PREFIX);
    }
}
