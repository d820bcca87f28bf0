package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BusOptionsTest {

    @Test
    void printing_the_options_masks_secret_transport_options() {
        BusOptions options = BusOptions.defaults().withTransportOption("password", "hunter2-secret")
                .withTransportOption("clientId", "billing");

        String printed = options.toString();

        assertFalse(printed.contains("hunter2-secret"), printed);
        assertTrue(printed.contains("clientId=billing"), printed);
    }
}
