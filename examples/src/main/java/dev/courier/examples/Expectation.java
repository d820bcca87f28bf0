package dev.courier.examples;

import java.time.Duration;
import java.util.Set;
import java.util.function.BooleanSupplier;

/** Waits, up to a deadline, until what the app expects has happened. */
final class Expectation {

    private Expectation() {
    }

    /** True once every id in {@code expected} is in each of {@code handled}; false at the deadline. */
    static boolean allHandled(Set<String> expected, Duration timeout, Set<?>... handled) {
        return await(() -> {
            for (Set<?> service : handled) {
                if (!service.containsAll(expected)) {
                    return false;
                }
            }
            return true;
        }, timeout);
    }

    static boolean await(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    static long missing(Set<String> expected, Set<String> handled) {
        return expected.stream().filter(id -> !handled.contains(id)).count();
    }
}
