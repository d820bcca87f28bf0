package dev.courier.transport.kafka;

import dev.courier.testkit.CodecSuite;

/** Codecs, content types and timestamps on a real Kafka broker. */
class KafkaCodecTest extends CodecSuite {

    @Override
    protected String url() {
        return KafkaTestBroker.sharedUrl();
    }
}
