package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CapabilitiesTest {

    @Test
    void a_size_limit_alone_states_no_other_limit_no_feature_and_no_ack_deadline() {
        Capabilities capabilities = new Capabilities(1024);

        assertEquals(Capabilities.UNLIMITED_HEADERS, capabilities.maxHeaders());
        assertEquals(Capabilities.UNLIMITED_HEADER_BYTES, capabilities.maxHeaderBytes());
        assertEquals(NameRule.COURIER, capabilities.names());
        assertTrue(capabilities.features().isEmpty());
        assertEquals(AckDeadline.none(), capabilities.ackDeadline());
    }

    @Test
    void each_statement_can_be_added() {
        Capabilities capabilities = Capabilities.unlimited()
                .withHeaderLimits(10, 4096)
                .withNames(new NameRule(80, "_-"))
                .withFeatures(Capabilities.Feature.EPHEMERAL_DESTINATIONS)
                .withAckDeadline(AckDeadline.coreExtends(Duration.ofSeconds(30)));

        assertEquals(10, capabilities.maxHeaders());
        assertEquals(4096, capabilities.maxHeaderBytes());
        assertEquals(80, capabilities.names().maxLength());
        assertTrue(capabilities.has(Capabilities.Feature.EPHEMERAL_DESTINATIONS));
        assertFalse(capabilities.has(Capabilities.Feature.DELAYED_DELIVERY));
        assertEquals(AckDeadline.Rule.CORE_EXTENDS, capabilities.ackDeadline().rule());
    }

    @Test
    void an_ack_deadline_someone_extends_needs_a_positive_duration() {
        assertThrows(IllegalArgumentException.class, () -> AckDeadline.coreExtends(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new AckDeadline(AckDeadline.Rule.NONE, Duration.ofSeconds(1)));
    }

    @Test
    void negative_limits_are_refused() {
        assertThrows(IllegalArgumentException.class, () -> new Capabilities(0));
        assertThrows(IllegalArgumentException.class, () -> Capabilities.unlimited().withHeaderLimits(-1, 10));
    }
}
