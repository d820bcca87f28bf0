package dev.courier.micrometer;

import dev.courier.api.BusListener;
import dev.courier.api.Message;
import dev.courier.api.Route;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records what a bus does as Micrometer meters, tagged by {@code transport}, {@code topic},
 * {@code group} ({@code none} for publishes and work queues) and, where it applies,
 * {@code outcome} ({@code success} or {@code failure}):
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>what</th></tr>
 *   <tr><td>{@code courier.messages.published}</td><td>counter</td><td>publishes confirmed or failed, by outcome</td></tr>
 *   <tr><td>{@code courier.publish.latency}</td><td>timer</td><td>publish call to broker confirmation</td></tr>
 *   <tr><td>{@code courier.messages.delivered}</td><td>counter</td><td>messages received from the broker</td></tr>
 *   <tr><td>{@code courier.handler.duration}</td><td>timer</td><td>each handling attempt, by outcome</td></tr>
 *   <tr><td>{@code courier.messages.retried}</td><td>counter</td><td>attempts scheduled again</td></tr>
 *   <tr><td>{@code courier.messages.dead.lettered}</td><td>counter</td><td>messages sent to a dead-letter queue</td></tr>
 *   <tr><td>{@code courier.dead.letters.refused}</td><td>counter</td><td>tries to dead-letter a message that the
 *   dead-letter queue refused or could not take (each is tried again with backoff)</td></tr>
 *   <tr><td>{@code courier.replies.dropped}</td><td>counter</td><td>replies that arrived after their request timed
 *   out, or for no request of this bus (tagged by transport only: the reply inbox's address is per bus)</td></tr>
 *   <tr><td>{@code courier.messages.in.flight}</td><td>gauge</td><td>received and not yet settled</td></tr>
 *   <tr><td>{@code courier.consumer.lag}</td><td>gauge</td><td>records of one broker partition the subscription
 *   has not handled yet (published and not settled), also tagged {@code partition}; on transports with
 *   partitions only (Kafka), updated about once a second, removed when the partition goes to another
 *   member or the subscription closes ({@link BusListener#backlogChanged})</td></tr>
 * </table>
 *
 * <pre>{@code
 * MessageBus bus = MessageBus.connect(url, BusOptions.defaults().withListener(new MicrometerBusListener(registry)));
 * }</pre>
 *
 * <p>Thread safe; meters are created on first use and cached by the registry.
 */
public final class MicrometerBusListener implements BusListener {

    private static final String NONE = "none";

    private final MeterRegistry registry;
    private final Map<Route, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<PartitionOf, Lag> lags = new ConcurrentHashMap<>();

    /** Records into {@code registry}. */
    public MicrometerBusListener(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    private static Tags tags(Route route) {
        return Tags.of("transport", route.transport(), "topic", route.topic(),
                "group", route.group() == null ? NONE : route.group());
    }

    private Counter counter(String name, Tags tags) {
        return Counter.builder(name).tags(tags).register(registry);
    }

    @Override
    public void published(Route route, String messageId, Duration elapsed) {
        counter("courier.messages.published", tags(route).and("outcome", "success")).increment();
        Timer.builder("courier.publish.latency").tags(tags(route)).register(registry).record(elapsed);
    }

    @Override
    public void publishFailed(Route route, String messageId, Throwable error) {
        counter("courier.messages.published", tags(route).and("outcome", "failure")).increment();
    }

    @Override
    public void delivered(Route route, Message<byte[]> message) {
        counter("courier.messages.delivered", tags(route)).increment();
    }

    @Override
    public void handled(Route route, Message<byte[]> message, Duration duration, Throwable failure) {
        Timer.builder("courier.handler.duration").tags(tags(route).and("outcome", failure == null ? "success" : "failure"))
                .register(registry).record(duration);
    }

    @Override
    public void retried(Route route, Message<byte[]> message, Duration delay, Throwable cause) {
        counter("courier.messages.retried", tags(route)).increment();
    }

    @Override
    public void deadLettered(Route route, Message<byte[]> message, Throwable cause) {
        counter("courier.messages.dead.lettered", tags(route)).increment();
    }

    @Override
    public void deadLetterFailed(Route route, Message<byte[]> message, Throwable failure) {
        counter("courier.dead.letters.refused", tags(route)).increment();
    }

    @Override
    public void replyDropped(Route route, String correlationId) {
        counter("courier.replies.dropped", Tags.of("transport", route.transport())).increment();
    }

    @Override
    public void inFlightChanged(Route route, int count) {
        inFlight.computeIfAbsent(route, r -> {
            AtomicInteger value = new AtomicInteger();
            Gauge.builder("courier.messages.in.flight", value, AtomicInteger::get).tags(tags(r)).register(registry);
            return value;
        }).set(count);
    }

    @Override
    public void backlogChanged(Route route, int partition, long records) {
        PartitionOf key = new PartitionOf(route, partition);
        if (records < 0) {
            lags.computeIfPresent(key, (k, lag) -> {
                registry.remove(lag.gauge());
                return null;
            });
            return;
        }
        lags.computeIfAbsent(key, k -> {
            AtomicLong value = new AtomicLong();
            Gauge gauge = Gauge.builder("courier.consumer.lag", value, AtomicLong::get)
                    .tags(tags(route).and("partition", Integer.toString(partition)))
                    .description("records of the partition not handled yet").baseUnit("records")
                    .register(registry);
            return new Lag(value, gauge);
        }).value().set(records);
    }

    /** One partition read by one subscription. */
    private record PartitionOf(Route route, int partition) {
    }

    /** A lag gauge and the value it reads. */
    private record Lag(AtomicLong value, Gauge gauge) {
    }
}
