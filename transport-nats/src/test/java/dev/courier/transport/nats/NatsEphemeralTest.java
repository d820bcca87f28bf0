package dev.courier.transport.nats;

import dev.courier.testkit.BrokerProbe;
import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.EphemeralSuite;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;

/**
 * Temporary queues (a stream deleted when the bus closes), stated limits, and JetStream's ack
 * wait kept by the transport, on the server of {@link NatsTestBroker}.
 */
class NatsEphemeralTest extends EphemeralSuite {

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
    protected int oversizedPayloadBytes() {
        try {
            return (int) NatsTestBroker.maxPayload() + 1;
        } catch (Exception e) {
            throw new AssertionError("could not read the server's max_payload", e);
        }
    }

    @Override
    protected String urlWithShortAckDeadline() {
        return NatsTestBroker.URL + (NatsTestBroker.URL.contains("?") ? "&" : "?") + "ackWait=1s";
    }

    @Override
    protected Duration shortAckDeadline() {
        return Duration.ofSeconds(1);
    }

    @AfterAll
    static void deleteWhatTheRunCreated() {
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, ConformanceSuite.RUN_PREFIX);
    }
}
