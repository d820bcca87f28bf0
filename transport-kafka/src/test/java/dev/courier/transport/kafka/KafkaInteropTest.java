package dev.courier.transport.kafka;

import dev.courier.testkit.ForeignProducer;
import dev.courier.testkit.InteropSuite;

/** Records from the plain kafka-clients producer ({@link KafkaForeignProducer}) on a real Kafka broker. */
class KafkaInteropTest extends InteropSuite {

    @Override
    protected String url() {
        return KafkaTestBroker.sharedUrl();
    }

    @Override
    protected ForeignProducer foreignProducer() {
        KafkaTestBroker.sharedUrl();
        return KafkaForeignProducer.forSharedBroker();
    }
}
