package dev.courier.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.HealthStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CourierTestTest {

    @RegisterExtension
    final CourierTest courier = CourierTest.create().withTimeout(Duration.ofSeconds(3));

    @Test
    void a_test_gets_an_open_bus_on_a_memory_namespace_of_its_own() {
        assertEquals(HealthStatus.UP, courier.bus().health().status());
        assertTrue(courier.bus().url().startsWith("memory://courier-test-"), courier.bus().url());
        assertNotEquals("memory://", courier.bus().url());
    }

    @Test
    void the_timeout_given_applies_to_the_bus() {
        assertEquals(Duration.ofSeconds(3), courier.bus().timeout());
    }

    @Test
    void the_bus_is_closed_after_the_test() {
        CourierTest extension = CourierTest.create();
        extension.beforeEach(null);
        TestBus bus = extension.bus();

        extension.afterEach(null);

        assertEquals(HealthStatus.CLOSED, bus.health().status());
    }

    @Test
    void asking_for_the_bus_outside_a_test_says_why_there_is_none() {
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> CourierTest.create().bus());

        assertTrue(failure.getMessage().contains("@RegisterExtension"), failure.getMessage());
    }
}
