package dev.courier.transport.aws;

import dev.courier.testkit.BrokerProbe;
import dev.courier.testkit.RequestReplySuite;
import org.junit.jupiter.api.AfterAll;

/** Request/reply over SQS: the reply queue is a temporary SQS queue deleted when the bus closes. */
class AwsRequestReplyTest extends RequestReplySuite {

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
