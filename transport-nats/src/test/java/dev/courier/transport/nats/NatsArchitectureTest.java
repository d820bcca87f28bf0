package dev.courier.transport.nats;

import dev.courier.testkit.TransportArchitecture;
import org.junit.jupiter.api.Test;

class NatsArchitectureTest {

    @Test
    void theTransportUsesOnlyTheApiAndTheSpiOfCourier() {
        TransportArchitecture.check(NatsTransportProvider.class);
    }
}
