package dev.courier.transport.kafka;

import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.RestartableBroker;

/**
 * The conformance suite on a real Kafka broker: this JVM's {@link KafkaTestBroker}, or the one
 * named by {@code COURIER_KAFKA_BOOTSTRAP}. The restart scenario stops and starts the test broker
 * process (or, with an external broker, a broker of its own).
 */
class KafkaConformanceTest extends ConformanceSuite {

    @Override
    protected String url() {
        return KafkaTestBroker.sharedUrl();
    }

    @Override
    protected RestartableBroker restartableBroker() {
        return KafkaTestBroker.restartable();
    }
}
