package dev.courier.cli;

import dev.courier.transport.kafka.KafkaTestBroker;

/** Every command on Kafka: transport-kafka's real test broker (or {@code COURIER_KAFKA_BOOTSTRAP}). */
class KafkaCourierCommandTest extends BrokerCourierCommandSuite {

    @Override
    protected String url() {
        return KafkaTestBroker.sharedUrl();
    }

    @Override
    protected String unreachableUrl() {
        return "kafka://127.0.0.1:1";
    }
}
