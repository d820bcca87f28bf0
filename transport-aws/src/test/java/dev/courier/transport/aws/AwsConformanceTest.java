package dev.courier.transport.aws;

import dev.courier.api.BusOptions;
import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.RestartableBroker;
import org.junit.jupiter.api.AfterAll;

/**
 * The conformance suite on a {@code moto_server} of the tests' own ({@link MotoServer}); the
 * restart scenario cuts the network to it with a {@link CuttingProxy}, since the emulator keeps no
 * state across a real restart.
 */
class AwsConformanceTest extends ConformanceSuite {

    private static CuttingProxy proxy;

    @Override
    protected String url() {
        return MotoServer.url();
    }

    /**
     * moto_server handles a few hundred messages a second at best, and every send scans the
     * queue's backlog (its cost grows with the queue), so the load scenarios need more than the
     * default 15 s for a publish to be confirmed. The assertions are unchanged.
     */
    @Override
    protected BusOptions busOptions() {
        return MotoServer.busOptions(super.busOptions());
    }

    /**
     * On moto, 75 s rather than 30 s for expected deliveries (the load scenario waits twice that
     * after its last publish): under a loaded CI machine the twenty publishers' 10 000 messages had
     * 7 180 and 9 660 of them handled when 60 s had passed, all handled later. Every wait the
     * suite bounds with it ends as soon as what it waits for has arrived; the assertions are
     * unchanged.
     */
    @Override
    protected java.time.Duration timeout() {
        return MotoServer.REAL_AWS ? super.timeout() : java.time.Duration.ofSeconds(75);
    }

    @Override
    protected void beforeEachTest() {
        MotoServer.require();
    }

    /**
     * FIFO order holds per key on SQS; a short visibility timeout brings back what the cut held: a
     * receive whose answer the cut lost, and a message whose delete it refused, come back after it
     * (30 s by default) rather than never. The scenario allows duplicates and checks only that no
     * confirmed message is lost.
     */
    @Override
    protected RestartableBroker restartableBroker() {
        if (proxy == null) {
            proxy = CuttingProxy.inFrontOfMotoOrNull("visibilityTimeout=5s");
        }
        return proxy;
    }

    @Override
    protected String restartUnsupportedReason() {
        return "against real AWS the network cannot be cut; the scenario runs on moto_server behind a proxy";
    }

    @AfterAll
    static void stopProxy() throws Exception {
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
    }
}
