package dev.courier.transport.rabbitmq;

import dev.courier.testkit.TransportArchitecture;
import org.junit.jupiter.api.Test;

/** The transport uses only Courier's api and spi packages. */
class RabbitMqArchitectureTest {

    @Test
    void the_transport_depends_only_on_api_and_spi() {
        TransportArchitecture.check(RabbitMqTransportProvider.class);
    }
}
