package dev.courier.transport.nats;

import dev.courier.testkit.CodecSuite;
import org.junit.jupiter.api.AfterAll;

/** Codecs, content types and timestamps on a real NATS JetStream. */
class NatsCodecTest extends CodecSuite {

    @Override
    protected String url() {
        return NatsTestBroker.URL;
    }

    @Override
    protected void beforeEachTest() {
        NatsTestBroker.require();
    }

    @AfterAll
    static void deleteTheRunsStreams() throws Exception {
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, RUN_PREFIX);
    }
}
