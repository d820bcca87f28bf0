package dev.courier.transport.rabbitmq;

/**
 * The conformance suite with {@code envelope=minimal}: publish and handle, retries, dead letters
 * with their reason headers, ordering and the rest behave as with the CloudEvents envelope.
 */
class RabbitMqMinimalEnvelopeConformanceTest extends RabbitMqConformanceTest {

    static final String MINIMAL_URL = TestBroker.URL + (TestBroker.URL.contains("?") ? "&" : "?")
            + "envelope=minimal";

    @Override
    protected String url() {
        return MINIMAL_URL;
    }
}
