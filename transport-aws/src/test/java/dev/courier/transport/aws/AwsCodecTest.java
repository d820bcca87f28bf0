package dev.courier.transport.aws;

import dev.courier.testkit.CodecSuite;

/** Codecs, content types and timestamps on SNS and SQS (moto_server). */
class AwsCodecTest extends CodecSuite {

    @Override
    protected String url() {
        return MotoServer.url();
    }

    @Override
    protected void beforeEachTest() {
        MotoServer.require();
    }
}
