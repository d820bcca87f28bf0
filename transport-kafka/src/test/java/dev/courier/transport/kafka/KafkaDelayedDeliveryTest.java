package dev.courier.transport.kafka;

import dev.courier.testkit.DelayedDeliverySuite;
import dev.courier.testkit.RestartableBroker;

/**
 * Delayed delivery (the delay topics, {@link KafkaDelayForwarder}) on this JVM's
 * {@link KafkaTestBroker}, or the one named by {@code COURIER_KAFKA_BOOTSTRAP}; the restart
 * scenario stops and starts the test broker process (or, with an external broker, one of its own).
 */
class KafkaDelayedDeliveryTest extends DelayedDeliverySuite {

    @Override
    protected String url() {
        return KafkaTestBroker.sharedUrl();
    }

    @Override
    protected RestartableBroker restartableBroker() {
        return KafkaTestBroker.restartable();
    }
}
