package dev.courier.transport.kafka;

import dev.courier.testkit.BrokerProbe;
import dev.courier.testkit.RequestReplySuite;

/**
 * Request/reply on the test broker: the reply queue is a temporary topic deleted through the
 * admin client when the bus closes.
 */
class KafkaRequestReplyTest extends RequestReplySuite {

    @Override
    protected String url() {
        return KafkaTestBroker.sharedUrl();
    }

    @Override
    protected BrokerProbe probe() {
        return KafkaTestBroker::exists;
    }
}
