package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConsumerOptionsTest {

    @Test
    void defaults_run_one_handler_with_sixteen_in_flight() {
        ConsumerOptions options = ConsumerOptions.defaults();
        assertEquals(1, options.concurrency());
        assertEquals(16, options.maxInFlight());
        assertEquals(RetryPolicy.defaults(), options.retry());
    }

    @Test
    void in_flight_grows_with_concurrency() {
        assertEquals(32, ConsumerOptions.concurrency(8).maxInFlight());
        assertEquals(20, ConsumerOptions.defaults().withConcurrency(20).maxInFlight());
    }

    @Test
    void in_flight_below_concurrency_is_rejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConsumerOptions.concurrency(4).withMaxInFlight(2));
        assertTrue(e.getMessage().contains("maxInFlight (2)"), e.getMessage());
    }

    @Test
    void middleware_is_kept_in_the_order_added_and_cannot_be_changed() {
        Middleware first = (m, next) -> next.handle(m);
        Middleware second = (m, next) -> next.handle(m);
        ConsumerOptions options = ConsumerOptions.defaults().withMiddleware(first).withMiddleware(second);
        assertEquals(List.of(first, second), options.middleware());
        assertThrows(UnsupportedOperationException.class, () -> options.middleware().add(first));
    }
}
