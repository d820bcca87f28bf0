package dev.courier.benchmarks.jmh;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.PublishReceipt;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Courier on {@code memory://}: one publisher thread against a subscription with
 * {@code concurrency} handler threads. {@link #publishToHandle} counts a message once published;
 * at most {@value #WINDOW} messages may be published and not yet handled (the handler releases a
 * permit), so in steady state the publish rate is the handle rate. {@link #publishOnly} publishes
 * to a topic no group listens to: the publish path alone.
 *
 * <p>Payload {@code bytes}: a 100-byte array, passed through as it is; {@code json}: a small
 * record (about 100 bytes of JSON), encoded on publish and decoded before the handler.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class MemoryBusBenchmark {

    static final int WINDOW = 1024;

    /** A small event, as applications publish them. */
    public record Sample(String orderId, long sequence, String customer, double amount) {
    }

    /** A bus with one subscription whose handlers release a permit per message. */
    @State(Scope.Benchmark)
    public static class Subscribed {
        @Param({"1", "4"})
        public int concurrency;

        @Param({"bytes", "json"})
        public String payload;

        MessageBus bus;
        Semaphore permits;
        Object message;

        @Setup(Level.Trial)
        public void setUp() {
            bus = MessageBus.connect("memory://jmh-" + UUID.randomUUID());
            permits = new Semaphore(WINDOW);
            ConsumerOptions options = ConsumerOptions.concurrency(concurrency).withMaxInFlight(256);
            if (payload.equals("json")) {
                message = new Sample("order-000042", 42, "customer-7@example.com", 123.45);
                bus.subscribe("bench", "g", Sample.class, m -> permits.release(), options);
            } else {
                message = new byte[100];
                bus.subscribe("bench", "g", byte[].class, m -> permits.release(), options);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bus.close();
        }
    }

    /** A bus with no subscription. */
    @State(Scope.Benchmark)
    public static class Unsubscribed {
        @Param({"bytes", "json"})
        public String payload;

        MessageBus bus;
        Object message;

        @Setup(Level.Trial)
        public void setUp() {
            bus = MessageBus.connect("memory://jmh-" + UUID.randomUUID());
            message = payload.equals("json") ? new Sample("order-000042", 42, "customer-7@example.com", 123.45)
                    : new byte[100];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bus.close();
        }
    }

    @Benchmark
    public CompletionStage<PublishReceipt> publishToHandle(Subscribed state) {
        state.permits.acquireUninterruptibly();
        return state.bus.publish("bench", state.message);
    }

    @Benchmark
    public CompletionStage<PublishReceipt> publishOnly(Unsubscribed state) {
        return state.bus.publish("bench", state.message);
    }
}
