package dev.courier.transport.aws;

import dev.courier.api.BusOptions;
import dev.courier.testkit.DelayedDeliverySuite;
import dev.courier.testkit.RestartableBroker;
import org.junit.jupiter.api.AfterAll;

/**
 * Delayed delivery (the delay queue, {@link AwsDelayQueue}) on the tests' {@code moto_server}; the
 * restart scenario cuts the network to it with a {@link CuttingProxy}, since the emulator keeps no
 * state across a real restart.
 */
class AwsDelayedDeliveryTest extends DelayedDeliverySuite {

    private static CuttingProxy proxy;

    @Override
    protected String url() {
        return MotoServer.url();
    }

    @Override
    protected BusOptions busOptions() {
        return MotoServer.REAL_AWS ? super.busOptions() : BusOptions.defaults().withPublishTimeout(MotoServer.PUBLISH_TIMEOUT);
    }

    @Override
    protected void beforeEachTest() {
        MotoServer.require();
    }

    @Override
    protected RestartableBroker restartableBroker() {
        if (proxy == null) {
            proxy = CuttingProxy.inFrontOfMotoOrNull();
        }
        return proxy;
    }

    @AfterAll
    static void stopProxy() throws Exception {
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
    }
}
