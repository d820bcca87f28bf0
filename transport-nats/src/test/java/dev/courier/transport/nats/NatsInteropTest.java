package dev.courier.transport.nats;

import dev.courier.testkit.ForeignProducer;
import dev.courier.testkit.InteropSuite;
import org.junit.jupiter.api.AfterAll;

/** Messages from another NATS client ({@link NatsForeignProducer}, the raw protocol) on a real NATS JetStream. */
class NatsInteropTest extends InteropSuite {

    @Override
    protected String url() {
        return NatsTestBroker.URL;
    }

    @Override
    protected void beforeEachTest() {
        NatsTestBroker.require();
    }

    @Override
    protected ForeignProducer foreignProducer() throws Exception {
        return new NatsForeignProducer(NatsTestBroker.URL);
    }

    @AfterAll
    static void deleteTheRunsStreams() throws Exception {
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, RUN_PREFIX);
    }
}
