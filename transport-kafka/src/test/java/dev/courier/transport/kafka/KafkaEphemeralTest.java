package dev.courier.transport.kafka;

import dev.courier.testkit.BrokerProbe;
import dev.courier.testkit.EphemeralSuite;

/**
 * Temporary queues (a topic deleted through the admin client when the bus closes) and stated
 * limits on the test broker. Kafka has no ack deadline: a consumer keeps its partitions while it
 * polls, so that scenario is skipped.
 */
class KafkaEphemeralTest extends EphemeralSuite {

    @Override
    protected String url() {
        return KafkaTestBroker.sharedUrl();
    }

    @Override
    protected BrokerProbe probe() {
        return KafkaTestBroker::exists;
    }
}
