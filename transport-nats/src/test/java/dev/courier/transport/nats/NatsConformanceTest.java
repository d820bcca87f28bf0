package dev.courier.transport.nats;

import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.RestartableBroker;
import org.junit.jupiter.api.AfterAll;

/**
 * The conformance suite on the NATS server of {@link NatsTestBroker}; the restart scenario runs
 * on a {@code nats-server -js} process of its own ({@link NatsServerProcess}).
 */
class NatsConformanceTest extends ConformanceSuite {

    private static NatsServerProcess ownServer;

    @Override
    protected String url() {
        return NatsTestBroker.URL;
    }

    @Override
    protected void beforeEachTest() {
        NatsTestBroker.require();
    }

    @Override
    protected RestartableBroker restartableBroker() {
        if (ownServer == null) {
            // A short ack wait so deliveries lost in the crash come back quickly.
            ownServer = NatsServerProcess.forRestarts(System.getProperty("nats.restart.options", "?ackWait=5s"));
        }
        return ownServer;
    }

    @AfterAll
    static void stopOwnServerAndCleanUp() throws Exception {
        if (ownServer != null) {
            ownServer.close();
            ownServer = null;
        }
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, RUN_PREFIX);
    }
}
