package dev.courier.transport.aws;

import dev.courier.api.BusOptions;
import dev.courier.testkit.ReliabilitySuite;
import java.time.Duration;

/** Crash (a SIGKILLed consumer process) and fuzz scenarios on SNS and SQS (moto_server). */
class AwsReliabilityTest extends ReliabilitySuite {

    @Override
    protected String url() {
        return MotoServer.url();
    }

    /**
     * The killed consumer runs in another JVM, which has not the test JVM's credential properties:
     * it gets dummy credentials as options. A short visibility timeout brings back what it held.
     */
    @Override
    protected String crashUrl() {
        return MotoServer.REAL_AWS ? MotoServer.url("visibilityTimeout=5s")
                : MotoServer.url("visibilityTimeout=5s&accessKeyId=courier-test&secretAccessKey=courier-test-key");
    }

    @Override
    protected void beforeEachTest() {
        MotoServer.require();
    }

    /** moto_server may take longer than the default 30 s to confirm a publish under the scenarios' load. */
    @Override
    protected BusOptions busOptions() {
        return MotoServer.busOptions(super.busOptions());
    }

    /**
     * moto_server answers some 100-200 requests a second, and the scenario's 6 900 or so accepted
     * messages take about 20 000 receives, deletes and sends through three groups: 2-5 minutes.
     */
    @Override
    protected Duration fuzzPatience() {
        return MotoServer.REAL_AWS ? super.fuzzPatience() : Duration.ofMinutes(6);
    }

    @Override
    protected int maxPayloadBytes() {
        return (int) AwsTransport.MAX_PAYLOAD_BYTES;
    }
}
