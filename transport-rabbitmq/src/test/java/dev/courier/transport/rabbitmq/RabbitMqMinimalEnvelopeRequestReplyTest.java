package dev.courier.transport.rabbitmq;

/** Request/reply with {@code envelope=minimal}: requests and replies carry only Courier's fields. */
class RabbitMqMinimalEnvelopeRequestReplyTest extends RabbitMqRequestReplyTest {

    @Override
    protected String url() {
        return RabbitMqMinimalEnvelopeConformanceTest.MINIMAL_URL;
    }
}
