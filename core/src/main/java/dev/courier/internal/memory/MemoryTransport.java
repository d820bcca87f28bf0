package dev.courier.internal.memory;

import dev.courier.api.ConnectionException;
import dev.courier.api.PublishException;
import dev.courier.spi.Capabilities;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.ReplyPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import dev.courier.spi.Envelope;
import dev.courier.spi.QueueBrowser;
import dev.courier.spi.Transport;
import dev.courier.spi.AckDeadline;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A connection to a {@link MemoryBroker}. Sends are stored at once; nothing is copied. It refuses
 * names its {@link Capabilities#names() name rule} does not allow, like a stricter broker would,
 * and with an ack deadline it redelivers what is held too long without a sign of progress.
 */
final class MemoryTransport implements Transport {

    /** What every accepted send returns: stored, nothing to wait for. Core only reads it. */
    private static final CompletableFuture<Void> STORED = CompletableFuture.completedFuture(null);

    private final MemoryBroker broker;
    private final Capabilities capabilities;
    private final Set<Consumer> consumers = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** Expires deliveries held past the ack deadline; {@code null} without one. */
    private final ScheduledExecutorService deadlines;

    /** The in-process reply path, or {@code null} to leave replies to core's temporary queues. */
    private final ReplyPath replies;

    MemoryTransport(MemoryBroker broker, Capabilities capabilities, boolean inboxes) {
        this.broker = broker;
        this.replies = inboxes ? new MemoryReplyPath(broker) : null;
        this.capabilities = capabilities;
        this.deadlines = capabilities.ackDeadline().rule() == AckDeadline.Rule.NONE ? null
                : Executors.newSingleThreadScheduledExecutor(task -> {
                    Thread thread = new Thread(task, "courier-memory-deadlines");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public Optional<ReplyPath> replyPath() {
        return Optional.ofNullable(replies);
    }

    @Override
    public void declare(Destination destination) {
        if (!broker.awaitDeclarations()) {
            throw new ConnectionException("interrupted while declaring " + destination);
        }
        if (!broker.isUp()) {
            throw new ConnectionException("the memory broker is down; cannot declare " + destination);
        }
        checkName(destination.name());
        broker.declare(destination);
    }

    @Override
    public void remove(Destination destination) {
        if (!destination.ephemeral()) {
            throw new IllegalArgumentException(destination + " is durable; only ephemeral destinations are removed");
        }
        broker.remove(destination);
    }

    private void checkName(String name) {
        if (!capabilities.names().allows(name)) {
            throw new IllegalArgumentException("the memory broker (playing a stricter broker) cannot hold the name '"
                    + name + "': " + capabilities.names());
        }
    }

    @Override
    public CompletionStage<Void> send(Envelope envelope) {
        return store(envelope, null);
    }

    /**
     * Stores each run of envelopes for one destination and due now in one go per queue (appended
     * without its lock, one decision whether to drain); a delayed envelope alone. Each envelope of
     * a run shares the run's stage.
     */
    @Override
    public List<CompletionStage<Void>> sendAll(List<Envelope> envelopes) {
        List<CompletionStage<Void>> stages = new ArrayList<>(envelopes.size());
        int from = 0;
        while (from < envelopes.size()) {
            Envelope first = envelopes.get(from);
            int to = from + 1;
            while (first.deliverAt() == null && to < envelopes.size() && envelopes.get(to).deliverAt() == null
                    && envelopes.get(to).destination().equals(first.destination())) {
                to++;
            }
            CompletionStage<Void> stage = to == from + 1 ? store(first, null) : store(first, envelopes.subList(from, to));
            for (int i = from; i < to; i++) {
                stages.add(stage);
            }
            from = to;
        }
        return stages;
    }

    /** Stores {@code first} alone, or else all of {@code run} (which starts with it): one path for send and sendAll. */
    private CompletionStage<Void> store(Envelope first, List<Envelope> run) {
        if (closed) {
            return CompletableFuture.failedFuture(new PublishException("memory transport is closed"));
        }
        if (!broker.isUp()) {
            return CompletableFuture.failedFuture(new PublishException("the memory broker is down"));
        }
        String refusal = broker.refusal(first.destination());
        if (refusal != null) {
            return CompletableFuture.failedFuture(new PublishException(refusal));
        }
        if (!(run == null ? broker.store(first) : broker.storeAll(run))) {
            return CompletableFuture.failedFuture(new PublishException(first.destination() + " was never declared"));
        }
        return STORED;
    }

    @Override
    public Consumer consume(ConsumerSpec spec, DeliverySink sink) {
        checkName(spec.source().name());
        if (spec.group() != null) {
            checkName(spec.group());
        }
        MemoryQueue queue = spec.source().isQueue()
                ? broker.queue(spec.source().name())
                : broker.group(spec.source().name(), spec.group());
        Consumer consumer = queue.attach(spec.maxInFlight(), sink,
                deadlines == null ? null : capabilities.ackDeadline().deadline(), deadlines);
        consumers.add(consumer);
        return new Consumer() {
            @Override
            public void stopFetching() {
                consumer.stopFetching();
            }

            @Override
            public void close() {
                consumer.close();
                consumers.remove(consumer);
            }
        };
    }

    /** A group of its own, {@code tail-<uuid>}, removed from the topic when the consumer closes. */
    @Override
    public Consumer tail(Destination topic, DeliverySink sink) {
        if (topic.isQueue()) {
            throw new IllegalArgumentException("only a topic can be tailed: " + topic);
        }
        String group = "tail-" + UUID.randomUUID();
        Consumer consumer = consume(new ConsumerSpec(topic, group, 1_000), sink);
        return new Consumer() {
            @Override
            public void stopFetching() {
                consumer.stopFetching();
            }

            @Override
            public void close() {
                consumer.close();
                broker.removeGroup(topic.name(), group);
            }
        };
    }

    @Override
    public QueueBrowser browse(Destination queue) {
        if (!queue.isQueue()) {
            throw new IllegalArgumentException("only a queue can be browsed: " + queue);
        }
        return new MemoryQueueBrowser(broker.queue(queue.name()));
    }

    @Override
    public void close() {
        closed = true;
        consumers.forEach(Consumer::close);
        consumers.clear();
        if (deadlines != null) {
            deadlines.shutdownNow();
        }
    }
}
