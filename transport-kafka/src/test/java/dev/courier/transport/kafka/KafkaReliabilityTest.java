package dev.courier.transport.kafka;

import dev.courier.testkit.ReliabilitySuite;

/** Crash and fuzz scenarios on the real test broker. */
class KafkaReliabilityTest extends ReliabilitySuite {

    @Override
    protected String url() {
        return KafkaTestBroker.sharedUrl();
    }

    /** A killed member's partitions move after the session timeout: keep it short for the test. */
    @Override
    protected String crashUrl() {
        String url = url();
        return url + (url.contains("?") ? "&" : "?") + "kafka.session.timeout.ms=6000";
    }

    @Override
    protected int maxPayloadBytes() {
        return 1_000_000;
    }
}
