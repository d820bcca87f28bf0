package dev.courier.transport.nats;

import dev.courier.testkit.ReliabilitySuite;
import org.junit.jupiter.api.AfterAll;

/** Crash and fuzz scenarios on the shared NATS server; the streams they create are deleted afterwards. */
class NatsReliabilityTest extends ReliabilitySuite {

    @Override
    protected String url() {
        return NatsTestBroker.URL;
    }

    /** A killed consumer's unacked messages come back after the ack wait: keep it short here. */
    @Override
    protected String crashUrl() {
        return url() + (url().contains("?") ? "&" : "?") + "ackWait=5s";
    }

    @Override
    protected void beforeEachTest() {
        NatsTestBroker.require();
    }

    @Override
    protected int maxPayloadBytes() {
        try {
            return (int) (NatsTestBroker.maxPayload() - NatsTransport.HEADER_MARGIN);
        } catch (Exception e) {
            throw new AssertionError("could not read the server's max_payload", e);
        }
    }

    @AfterAll
    static void deleteStreams() {
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, "rk-");
    }
}
