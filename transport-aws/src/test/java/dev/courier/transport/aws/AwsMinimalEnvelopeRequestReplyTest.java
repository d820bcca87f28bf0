package dev.courier.transport.aws;

/** Request/reply with {@code envelope=minimal}: requests and replies carry only Courier's fields. */
class AwsMinimalEnvelopeRequestReplyTest extends AwsRequestReplyTest {

    @Override
    protected String url() {
        return MotoServer.url("envelope=minimal");
    }
}
