package dev.courier.transport.kafka;

/** Request/reply with {@code envelope=minimal}: requests and replies carry only Courier's fields. */
class KafkaMinimalEnvelopeRequestReplyTest extends KafkaRequestReplyTest {

    @Override
    protected String url() {
        return KafkaMinimalEnvelopeConformanceTest.MINIMAL_URL;
    }
}
