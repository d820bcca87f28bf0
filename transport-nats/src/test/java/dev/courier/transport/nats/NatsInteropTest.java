package dev.courier.transport.nats;

import dev.courier.testkit.ForeignProducer;
import dev.courier.testkit.InteropSuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;

/** Messages from another NATS client ({@link NatsForeignProducer}, the raw protocol) on a real NATS JetStream. */
class NatsInteropTest extends InteropSuite {

    /** The suite's per-run name prefix ({@code ik-<run>-}), learnt from the first test. */
    private static volatile String runPrefix;

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

    @AfterEach
    void rememberTheRunPrefix() {
        String name = name("x");
        int third = name.indexOf('-', name.indexOf('-') + 1);
        if (name.startsWith("ik-") && third > 0) {
            runPrefix = name.substring(0, third + 1);
        }
    }

    @AfterAll
    static void deleteTheRunsStreams() throws Exception {
        if (runPrefix != null) {
            NatsTestBroker.deleteStreams(NatsTestBroker.URL, runPrefix);
        }
    }
}
