package dev.courier.test;

import dev.courier.api.BusOptions;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension giving each test its own {@link TestBus}, opened before the test and closed
 * after it, so no test sees another's messages.
 *
 * <pre>{@code
 * @RegisterExtension
 * final CourierTest courier = CourierTest.create();
 *
 * @Test
 * void an_order_is_invoiced() {
 *     TestBus bus = courier.bus();
 *     ...
 * }
 * }</pre>
 *
 * <p>Register it on an instance field (as above): one extension holds the bus of one running test.
 */
public final class CourierTest implements BeforeEachCallback, AfterEachCallback {

    private final BusOptions options;
    private final Duration timeout;
    private volatile TestBus bus;

    private CourierTest(BusOptions options, Duration timeout) {
        this.options = options;
        this.timeout = timeout;
    }

    /** Each test gets a bus with default options, waiting {@link TestBus#DEFAULT_TIMEOUT}. */
    public static CourierTest create() {
        return create(BusOptions.defaults());
    }

    /** Each test gets a bus with {@code options} (more listeners, a publish timeout, transport options). */
    public static CourierTest create(BusOptions options) {
        return new CourierTest(Objects.requireNonNull(options, "options"), TestBus.DEFAULT_TIMEOUT);
    }

    /** This extension with buses whose waits wait at most {@code newTimeout}. */
    public CourierTest withTimeout(Duration newTimeout) {
        return new CourierTest(options, Objects.requireNonNull(newTimeout, "timeout"));
    }

    /**
     * The running test's bus.
     *
     * @throws IllegalStateException outside a test (in a constructor, a static method or after the test)
     */
    public TestBus bus() {
        TestBus current = bus;
        if (current == null) {
            throw new IllegalStateException("no test is running: courier.bus() is available from @BeforeEach to the end "
                    + "of the test; is the CourierTest field annotated with @RegisterExtension?");
        }
        return current;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        bus = TestBus.open(options).withTimeout(timeout);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TestBus current = bus;
        bus = null;
        if (current != null) {
            current.close();
        }
    }
}
