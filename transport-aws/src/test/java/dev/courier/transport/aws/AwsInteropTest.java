package dev.courier.transport.aws;

import dev.courier.testkit.ForeignProducer;
import dev.courier.testkit.InteropSuite;

/** Messages from another SNS/SQS client ({@link AwsForeignProducer}, the plain AWS SDK) on moto_server. */
class AwsInteropTest extends InteropSuite {

    @Override
    protected String url() {
        return MotoServer.url();
    }

    @Override
    protected void beforeEachTest() {
        MotoServer.require();
    }

    @Override
    protected ForeignProducer foreignProducer() {
        return new AwsForeignProducer();
    }
}
