package dev.courier.transport.kafka;

/**
 * The conformance suite with {@code envelope=minimal}: publish and handle, retries, dead letters
 * with their reason headers, ordering and the rest behave as with the CloudEvents envelope.
 */
class KafkaMinimalEnvelopeConformanceTest extends KafkaConformanceTest {

    static final String MINIMAL_URL = KafkaTestBroker.sharedUrl() + "&envelope=minimal";

    @Override
    protected String url() {
        return MINIMAL_URL;
    }
}
