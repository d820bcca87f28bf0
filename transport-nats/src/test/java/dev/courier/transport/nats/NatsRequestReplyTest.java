package dev.courier.transport.nats;

import dev.courier.testkit.BrokerProbe;
import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.RequestReplySuite;
import org.junit.jupiter.api.AfterAll;

/**
 * Request/reply on NATS: requests are JetStream messages, replies go to an inbox subject on core
 * NATS, a subscription of the requester's connection that ends when its bus closes.
 */
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

    @Override
    protected boolean replyInboxExists(String address) throws Exception {
        return NatsTestBroker.subscribed(NatsTestBroker.URL, address);
    }

    @AfterAll
    static void deleteWhatTheRunCreated() {
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, ConformanceSuite.RUN_PREFIX);
    }
}
