package dev.courier.transport.aws;

import dev.courier.api.BusOptions;
import dev.courier.testkit.DelayedDeliverySuite;
import dev.courier.testkit.RestartableBroker;
import java.time.Duration;
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
        return MotoServer.busOptions(super.busOptions());
    }

    /**
     * On moto, 4 minutes rather than 30 s. Alone on the machine the 10 000 delayed jobs are all
     * handled 115 s after the first is submitted; in CI, with the other test JVM's conformance suite
     * and its own moto_server sharing the 2 cores, 3 401 had arrived when the 30 s had passed.
     */
    @Override
    protected Duration timeout() {
        return MotoServer.REAL_AWS ? super.timeout() : Duration.ofMinutes(4);
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
