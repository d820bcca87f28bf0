package dev.courier.transport.aws;

import dev.courier.testkit.BrokerProbe;
import dev.courier.testkit.EphemeralSuite;
import org.junit.jupiter.api.AfterAll;

import java.time.Duration;

/** Temporary queues (an SQS queue deleted when the bus closes), stated limits, and visibility kept by core. */
class AwsEphemeralTest extends EphemeralSuite {

    private static AwsTestClients clients;

    @Override
    protected String url() {
        return MotoServer.url();
    }

    @Override
    protected void beforeEachTest() {
        MotoServer.require();
    }

    @Override
    protected BrokerProbe probe() {
        return destination -> clients().exists(destination);
    }

    @Override
    protected int oversizedPayloadBytes() {
        return (int) AwsTransport.MAX_PAYLOAD_BYTES + 1;
    }

    @Override
    protected String urlWithShortAckDeadline() {
        return MotoServer.url("visibilityTimeout=1s");
    }

    @Override
    protected Duration shortAckDeadline() {
        return Duration.ofSeconds(1);
    }

    private static synchronized AwsTestClients clients() {
        if (clients == null) {
            clients = new AwsTestClients();
        }
        return clients;
    }

    @AfterAll
    static void closeClients() {
        if (clients != null) {
            clients.close();
            clients = null;
        }
    }
}
