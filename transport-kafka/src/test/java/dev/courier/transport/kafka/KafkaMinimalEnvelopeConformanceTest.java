package dev.courier.transport.kafka;

import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.RestartableBroker;

/**
 * The conformance suite with {@code envelope=minimal}: publish and handle, retries, dead letters
 * with their reason headers, ordering and the rest behave as with the CloudEvents envelope.
 */
class KafkaMinimalEnvelopeConformanceTest extends ConformanceSuite {

    @Override
    protected String url() {
        return KafkaTestBroker.sharedUrl() + "&envelope=minimal";
    }

    @Override
    protected RestartableBroker restartableBroker() {
        return KafkaTestBroker.restartable();
    }
}
