package dev.courier.transport.rabbitmq;

import dev.courier.testkit.CodecSuite;
import org.junit.jupiter.api.AfterAll;

/** Codecs, content types and timestamps on a real RabbitMQ. */
class RabbitMqCodecTest extends CodecSuite {

    @Override
    protected String url() {
        return TestBroker.URL;
    }

    @Override
    protected void beforeEachTest() {
        TestBroker.requireReachable();
    }

    /** Deletes the queues and exchanges of this run. */
    @AfterAll
    static void deleteWhatTheRunCreated() {
        TestBroker.deleteRun(RUN_PREFIX);
    }
}
