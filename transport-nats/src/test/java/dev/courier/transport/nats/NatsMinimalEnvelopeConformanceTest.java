package dev.courier.transport.nats;

/**
 * The conformance suite with {@code envelope=minimal}: publish and handle, retries, dead letters
 * with their reason headers, ordering and the rest behave as with the CloudEvents envelope.
 */
class NatsMinimalEnvelopeConformanceTest extends NatsConformanceTest {

    static final String MINIMAL_URL = NatsTestBroker.URL + (NatsTestBroker.URL.contains("?") ? "&" : "?")
            + "envelope=minimal";

    @Override
    protected String url() {
        return MINIMAL_URL;
    }
}
