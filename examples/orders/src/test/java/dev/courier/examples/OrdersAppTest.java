package dev.courier.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The orders app end to end on memory:// and an in-memory H2, checked by its summary line. */
class OrdersAppTest {

    static ExampleAppsTest.Run run(String... args) {
        return ExampleRun.of(OrdersApp::run, args);
    }

    @Test
    void every_order_is_charged_and_invoiced_or_dead_lettered_and_reminded_later() {
        ExampleAppsTest.Run run = run("--broker", "memory://orders-app", "--count", "40", "--reminder-delay", "1");

        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("summary: orders 40, placed 40, charged 36 (retried "), run.out());
        assertTrue(run.out().contains("dead-lettered 4, invoiced 36, reminded 4 (due 1s after the failed charge"), run.out());
        assertTrue(run.out().contains(": card declined for order-"), run.out());
    }

    @Test
    void a_bad_option_is_a_usage_error() {
        ExampleAppsTest.Run run = run("--count", "0");

        assertEquals(64, run.exitCode());
        assertTrue(run.err().contains("--count"), run.err());
    }
}
