package dev.courier.transport.kafka;

import dev.courier.testkit.BrokerProbe;
import dev.courier.testkit.RequestReplySuite;

/** Request/reply with {@code envelope=minimal}: requests and replies carry only Courier's fields. */
class KafkaMinimalEnvelopeRequestReplyTest extends RequestReplySuite {

    @Override
    protected String url() {
        return KafkaTestBroker.sharedUrl() + "&envelope=minimal";
    }

    @Override
    protected BrokerProbe probe() {
        return KafkaTestBroker::exists;
    }
}
