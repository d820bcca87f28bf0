package dev.courier.test;

import dev.courier.api.BatchHandler;
import dev.courier.api.BatchOptions;
import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.Health;
import dev.courier.api.MessageBus;
import dev.courier.api.MessageHandler;
import dev.courier.api.Message;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.Responder;
import dev.courier.api.PublishReceipt;
import dev.courier.api.Subscription;
import dev.courier.api.TypeRoutes;
import dev.courier.api.WorkQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * A {@link MessageBus} for tests: an in-memory bus of its own, recording everything published
 * through it and everything its subscriptions handled, retried and dead-lettered, with waits
 * that fail with what was recorded instead.
 *
 * <p>Each bus connects to {@code memory://courier-test-<random>}, a namespace no other bus shares:
 * an unnamed {@code memory://} is one namespace for the whole JVM, so tests using it see each
 * other's messages. Give this bus (it is a {@code MessageBus}) to the code under test, so that its
 * publishes are recorded too; a different bus connected to {@link #url()} works but its publishes
 * are not recorded.
 *
 * <p>Each {@code await...} waits at most {@link #timeout()} (default 10 s) for at least {@code n}
 * matching entries and returns all matching entries at that moment, in the order they happened.
 * Thread safe.
 */
public final class TestBus implements MessageBus {

    /** How long the waits wait unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final String url;
    private final MessageBus bus;
    private final Recorder recorder;
    private final Duration timeout;

    private TestBus(String url, MessageBus bus, Recorder recorder, Duration timeout) {
        this.url = url;
        this.bus = bus;
        this.recorder = recorder;
        this.timeout = timeout;
    }

    /** Opens a new isolated bus with default options. Close it when done (or use {@link CourierTest}). */
    public static TestBus open() {
        return open(BusOptions.defaults());
    }

    /** Opens a new isolated bus with {@code options} (listeners, publish timeout, {@code maxMessageBytes}). */
    public static TestBus open(BusOptions options) {
        Recorder recorder = new Recorder();
        String url = "memory://courier-test-" + UUID.randomUUID().toString().replace("-", "");
        return new TestBus(url, MessageBus.connect(url, options.withListener(recorder)), recorder, DEFAULT_TIMEOUT);
    }

    /** The same bus and record, waiting at most {@code timeout}. */
    public TestBus withTimeout(Duration newTimeout) {
        Objects.requireNonNull(newTimeout, "timeout");
        if (newTimeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + newTimeout);
        }
        return new TestBus(url, bus, recorder, newTimeout);
    }

    /** The {@code memory://} URL of this bus's own namespace. */
    public String url() {
        return url;
    }

    /** How long each {@code await...} waits. */
    public Duration timeout() {
        return timeout;
    }

    /** Everything recorded so far, in order. */
    public List<Recorded> recorded() {
        return recorder.snapshot();
    }

    /** The messages published (and jobs submitted) so far on {@code topic}, in order. */
    public List<Recorded.Published> published(String topic) {
        return recorder.snapshot().stream()
                .filter(entry -> entry instanceof Recorded.Published && entry.topic().equals(topic))
                .map(Recorded.Published.class::cast)
                .toList();
    }

    /**
     * Waits until at least {@code n} payloads of {@code type} were published on {@code topic} (or
     * submitted to the work queue {@code topic}) and returns them all, in publish order.
     */
    public <T> List<T> awaitPublished(String topic, Class<T> type, int n) {
        return await(Recorded.Published.class, p -> p.topic().equals(topic) && type.isInstance(p.payload()), n,
                type.getSimpleName() + " published on " + topic).stream()
                .map(p -> type.cast(p.payload()))
                .toList();
    }

    /**
     * Waits until at least {@code n} messages on {@code topic} were handled successfully by
     * {@code group} ({@code null} for the workers of the work queue {@code topic}).
     */
    public List<Recorded.Handled> awaitHandled(String topic, String group, int n) {
        return await(Recorded.Handled.class, h -> h.topic().equals(topic) && Objects.equals(h.group(), group), n,
                "message(s) on " + topic + " handled" + (group == null ? " by a worker" : " by " + group));
    }

    /**
     * Waits until at least {@code n} messages on {@code topic} were dead-lettered by {@code group}
     * ({@code null} for a work queue), that is sent to that subscription's dead-letter queue.
     */
    public List<Recorded.DeadLettered> awaitDeadLettered(String topic, String group, int n) {
        return await(Recorded.DeadLettered.class, d -> d.topic().equals(topic) && Objects.equals(d.group(), group), n,
                "message(s) on " + topic + " dead-lettered" + (group == null ? "" : " by " + group));
    }

    /**
     * Waits until at least {@code n} entries of {@code kind} match, for conditions the other
     * waits do not cover; {@code description} names them in the failure message.
     */
    public <R extends Recorded> List<R> await(Class<R> kind, Predicate<? super R> matching, int n, String description) {
        return recorder.await(kind, matching, n, description, timeout, url);
    }

    @Override
    public CompletionStage<PublishReceipt> publish(String topic, Object payload) {
        return publish(OutgoingMessage.of(topic, payload));
    }

    @Override
    public CompletionStage<PublishReceipt> publish(OutgoingMessage message) {
        return bus.publish(message).whenComplete((receipt, error) -> {
            if (error == null) {
                recorder.add(new Recorded.Published(receipt.id(), message.topic(), message.key(), message.headers(),
                        message.payload()));
            }
        });
    }

    @Override
    public <T> Subscription subscribe(String topic, String group, Class<T> type, MessageHandler<T> handler) {
        return bus.subscribe(topic, group, type, handler);
    }

    @Override
    public <T> Subscription subscribe(String topic, String group, Class<T> type, MessageHandler<T> handler,
                                      ConsumerOptions options) {
        return bus.subscribe(topic, group, type, handler, options);
    }

    /** Delegated, so that routed payloads decode with the bus's codecs. */
    @Override
    public Subscription subscribe(String topic, String group, TypeRoutes routes, ConsumerOptions options) {
        return bus.subscribe(topic, group, routes, options);
    }

    @Override
    public <T> WorkQueue<T> workQueue(String name, Class<T> type) {
        return new RecordingQueue<>(bus.workQueue(name, type));
    }

    @Override
    public <T> WorkQueue<T> temporaryQueue(Class<T> type) {
        return new RecordingQueue<>(bus.temporaryQueue(type));
    }

    /** Delegated; the request is not recorded as a publish. */
    @Override
    public <R> CompletionStage<Message<R>> request(OutgoingMessage request, Class<R> replyType, Duration timeout) {
        return bus.request(request, replyType, timeout);
    }

    @Override
    public <Q, R> Subscription respond(String topic, String group, Class<Q> requestType, Responder<Q, R> responder,
                                       ConsumerOptions options) {
        return bus.respond(topic, group, requestType, responder, options);
    }

    @Override
    public Health health() {
        return bus.health();
    }

    /** Closes the bus; the record stays readable. */
    @Override
    public void close() {
        bus.close();
    }

    @Override
    public String toString() {
        return "TestBus[" + url + "]";
    }

    /** A work queue whose submits are recorded as publishes on the queue. */
    private final class RecordingQueue<T> implements WorkQueue<T> {

        private final WorkQueue<T> queue;

        RecordingQueue(WorkQueue<T> queue) {
            this.queue = queue;
        }

        @Override
        public String name() {
            return queue.name();
        }

        @Override
        public CompletionStage<PublishReceipt> submit(T job) {
            return submit(job, Map.of());
        }

        @Override
        public CompletionStage<PublishReceipt> submit(T job, Map<String, String> headers) {
            return queue.submit(job, headers).whenComplete((receipt, error) -> {
                if (error == null) {
                    recorder.add(new Recorded.Published(receipt.id(), queue.name(), null, headers, job));
                }
            });
        }

        @Override
        public CompletionStage<PublishReceipt> submit(T job, Instant deliverAt) {
            return queue.submit(job, deliverAt).whenComplete((receipt, error) -> {
                if (error == null) {
                    recorder.add(new Recorded.Published(receipt.id(), queue.name(), null, Map.of(), job));
                }
            });
        }

        @Override
        public Subscription work(MessageHandler<T> handler) {
            return queue.work(handler);
        }

        @Override
        public Subscription work(MessageHandler<T> handler, ConsumerOptions options) {
            return queue.work(handler, options);
        }

        @Override
        public Subscription workBatch(BatchOptions batch, BatchHandler<T> handler, ConsumerOptions options) {
            return queue.workBatch(batch, handler, options);
        }
    }
}
