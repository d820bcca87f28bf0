package dev.courier.transport.aws;

import dev.courier.testkit.ReliabilitySuite;
import org.junit.jupiter.api.extension.ExtendWith;

/** Crash (a SIGKILLed consumer process) and fuzz scenarios on SNS and SQS (moto_server). */
@ExtendWith(BeyondMotosThroughput.class)
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

    @Override
    protected int maxPayloadBytes() {
        return (int) AwsTransport.MAX_PAYLOAD_BYTES;
    }
}
