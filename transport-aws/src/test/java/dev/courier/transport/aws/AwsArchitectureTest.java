package dev.courier.transport.aws;

import dev.courier.testkit.TransportArchitecture;
import org.junit.jupiter.api.Test;

class AwsArchitectureTest {

    @Test
    void the_transport_uses_only_the_api_and_the_spi_of_courier() {
        TransportArchitecture.check(AwsTransportProvider.class);
    }
}
