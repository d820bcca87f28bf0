package dev.courier.transport.nats;

import dev.courier.testkit.BrokerProbe;
import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.RequestReplySuite;
import org.junit.jupiter.api.AfterAll;

/** Request/reply over JetStream: the reply queue is a temporary stream deleted when the bus closes. */
class NatsRequestReplyTest extends RequestReplySuite {

    @Override
    protected String url() {
        return NatsTestBroker.URL;
    }

    @Override
    protected void beforeEachTest() {
        NatsTestBroker.require();
    }

    @Override
    protected BrokerProbe probe() {
        return destination -> NatsTestBroker.exists(NatsTestBroker.URL, destination);
    }

    @AfterAll
    static void deleteWhatTheRunCreated() {
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, ConformanceSuite.RUN_PREFIX);
    }
}
