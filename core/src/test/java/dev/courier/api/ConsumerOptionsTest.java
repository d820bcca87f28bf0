package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
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

    @Test
    void interceptors_and_middleware_share_one_list_in_the_order_added() {
        ConsumeInterceptor first = (m, next) -> next.proceed(m);
        Middleware second = (m, next) -> next.handle(m);
        ConsumeInterceptor third = (m, next) -> next.proceed(m);
        ConsumerOptions options = ConsumerOptions.defaults().withInterceptor(first).withMiddleware(second).withInterceptor(third);
        assertEquals(3, options.interceptors().size());
        assertEquals(first, options.interceptors().get(0));
        assertEquals(third, options.interceptors().get(2));
        assertEquals(List.of(second), options.middleware());
    }

    @Test
    void handlers_run_on_the_subscriptions_own_pool_unless_an_executor_is_given() {
        assertNull(ConsumerOptions.defaults().executor());
        Executor executor = Runnable::run;
        ConsumerOptions options = ConsumerOptions.concurrency(4).withExecutor(executor).withMaxInFlight(64);
        assertSame(executor, options.executor());
    }

    @Test
    void the_constructor_with_middleware_still_builds_options() {
        Middleware middleware = (m, next) -> next.handle(m);
        ConsumerOptions options = new ConsumerOptions(2, 8, RetryPolicy.none(), Duration.ofSeconds(1), List.of(middleware), true);
        assertEquals(List.of(middleware), options.middleware());
        assertNull(options.executor());
        assertTrue(options.lenientDecoding());
    }
}
