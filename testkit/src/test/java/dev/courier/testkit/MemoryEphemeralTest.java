package dev.courier.testkit;

import dev.courier.internal.memory.MemoryBrokerControl;

/** The reference transport keeps every promise of its capabilities. */
class MemoryEphemeralTest extends EphemeralSuite {

    @Override
    protected String url() {
        return "memory://ephemeral?maxHeaderBytes=65536";
    }

    @Override
    protected BrokerProbe probe() {
        return destination -> MemoryBrokerControl.exists("ephemeral", destination);
    }

    @Override
    protected String urlWithShortAckDeadline() {
        return "memory://ephemeral?ackDeadlineMs=300";
    }

    @Override
    protected java.time.Duration shortAckDeadline() {
        return java.time.Duration.ofMillis(300);
    }
}
