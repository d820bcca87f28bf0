package dev.courier.transport.nats;

/** Request/reply with {@code envelope=minimal}: requests and replies carry only Courier's fields. */
class NatsMinimalEnvelopeRequestReplyTest extends NatsRequestReplyTest {

    @Override
    protected String url() {
        return NatsMinimalEnvelopeConformanceTest.MINIMAL_URL;
    }
}
