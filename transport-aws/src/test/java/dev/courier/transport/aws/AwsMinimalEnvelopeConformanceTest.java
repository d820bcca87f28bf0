package dev.courier.transport.aws;

/**
 * The conformance suite with {@code envelope=minimal}: publish and handle, retries, dead letters
 * with their reason headers, delays and the rest behave as with the CloudEvents envelope. The
 * restart scenario's proxy is the default suite's, with the default envelope.
 */
class AwsMinimalEnvelopeConformanceTest extends AwsConformanceTest {

    @Override
    protected String url() {
        return MotoServer.url("envelope=minimal");
    }
}
