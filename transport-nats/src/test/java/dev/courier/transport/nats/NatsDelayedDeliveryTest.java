package dev.courier.transport.nats;

import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.DelayedDeliverySuite;
import dev.courier.testkit.RestartableBroker;
import org.junit.jupiter.api.AfterAll;

/**
 * Delayed delivery (the delay stream, {@link NatsDelayStream}) on the shared NATS server; the
 * restart scenario runs on a {@code nats-server -js} process of its own ({@link NatsServerProcess}).
 */
class NatsDelayedDeliveryTest extends DelayedDeliverySuite {

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
            ownServer = NatsServerProcess.forRestarts("");
        }
        return ownServer;
    }

    @AfterAll
    static void stopOwnServerAndCleanUp() throws Exception {
        if (ownServer != null) {
            ownServer.close();
            ownServer = null;
        }
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, ConformanceSuite.RUN_PREFIX);
    }
}
