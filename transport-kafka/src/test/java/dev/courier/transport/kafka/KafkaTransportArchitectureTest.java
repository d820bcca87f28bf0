package dev.courier.transport.kafka;

import dev.courier.testkit.TransportArchitecture;
import org.junit.jupiter.api.Test;

class KafkaTransportArchitectureTest {

    @Test
    void the_transport_uses_only_courier_api_and_spi() {
        TransportArchitecture.check(KafkaTransportProvider.class);
    }
}
