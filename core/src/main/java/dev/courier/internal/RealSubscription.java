package dev.courier.internal;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.Health;
import dev.courier.api.HealthStatus;
import dev.courier.api.Route;
import dev.courier.api.Message;
import dev.courier.api.MessageHandler;
import dev.courier.api.Subscription;
import dev.courier.spi.ConnectionState;
import dev.courier.spi.Consumer;
import dev.courier.spi.Delivery;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Envelope;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one subscription: receives deliveries from the transport, runs the handler chain on a pool
 * of {@code concurrency} threads with per-key order (a key's next message starts only when the
 * previous one is settled, retries included), and settles each delivery exactly once.
 *
 * <p>A retry waits on a timer, not on a thread, so while one key waits, other keys go on.
 */
final class RealSubscription implements Subscription, DeliverySink {

    private static final Logger log = LoggerFactory.getLogger(RealSubscription.class);
    private static final Duration REDO_AFTER_INTERNAL_FAILURE = Duration.ofSeconds(1);

    private final String topic;
    private final String group;
    private final String deadLetterQueue;
    private final ConsumerOptions options;
    private final ScheduledExecutorService timers;
    private final Runnable onClosed;
    private final Route route;
    private final ListenerFanout listener;
    private final ThreadPoolExecutor workers;
    private MessageHandler<byte[]> chain;
    private volatile Consumer consumer;

    /** Keys with a message running or waiting to retry, each with the messages queued behind it. */
    private final Map<String, ArrayDeque<Task>> lanes = new HashMap<>();
    private final Set<Task> unsettled = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean closing;

    RealSubscription(Route route, String deadLetterQueue, ConsumerOptions options, ScheduledExecutorService timers,
                     ListenerFanout listener, Runnable onClosed) {
        this.route = route;
        this.listener = listener;
        this.topic = route.topic();
        String group = route.group();
        this.group = route.group();
        this.deadLetterQueue = deadLetterQueue;
        this.options = options;
        this.timers = timers;
        this.onClosed = onClosed;
        String name = "courier-" + topic + (group == null ? "" : "[" + group + "]");
        this.workers = new ThreadPoolExecutor(options.concurrency(), options.concurrency(), 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new NamedThreads(name));
    }

    /** Sets the handler chain; called once, before {@link #attach}. */
    void chain(MessageHandler<byte[]> handlerChain) {
        this.chain = handlerChain;
    }

    /** Records the transport's consumer feeding this subscription. */
    void attach(Consumer transportConsumer) {
        this.consumer = transportConsumer;
    }

    boolean isClosing() {
        return closing;
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public String group() {
        return group;
    }

    @Override
    public String deadLetterQueue() {
        return deadLetterQueue;
    }

    @Override
    public int inFlight() {
        return unsettled.size();
    }

    /** This subscription's health, from its consumer's state. */
    Health.SubscriptionHealth health() {
        Consumer source = consumer;
        ConnectionState state = closing || source == null
                ? new ConnectionState(HealthStatus.CLOSED, closing ? "closing" : "starting")
                : source.state();
        return new Health.SubscriptionHealth(topic, group, state.status(), inFlight(), state.detail());
    }

    @Override
    public void deliver(Delivery delivery) {
        Task task = new Task(delivery);
        unsettled.add(task);
        if (listener != null) {
            listener.delivered(route, message(task));
            listener.inFlightChanged(route, unsettled.size());
        }
        if (closing) {
            return; // rejected by close()
        }
        if (task.key != null) {
            synchronized (lanes) {
                ArrayDeque<Task> lane = lanes.get(task.key);
                if (lane != null) {
                    lane.add(task);
                    return;
                }
                lanes.put(task.key, new ArrayDeque<>());
            }
        }
        start(task);
    }

    private void start(Task task) {
        try {
            workers.execute(task);
        } catch (RejectedExecutionException closingAlready) {
            // close() rejects every unsettled delivery
        }
    }

    private void run(Task task) {
        if (closing) {
            return; // only close() settles a task other than by running it
        }
        Envelope envelope = task.delivery.envelope();
        Message<byte[]> message = message(task);
        try {
            chain.handle(message);
        } catch (RetryLater later) {
            task.attempt++;
            runAgain(task, later.delay());
            return;
        } catch (Throwable failure) {
            if (!closing) {
                log.error("Could not settle message {} on {}; trying again in {} ms", envelope.id(), describe(),
                        REDO_AFTER_INTERNAL_FAILURE.toMillis(), failure);
            }
            runAgain(task, REDO_AFTER_INTERNAL_FAILURE);
            return;
        }
        settle(task, true);
        startNext(task);
    }

    private static Message<byte[]> message(Task task) {
        Envelope envelope = task.delivery.envelope();
        return new Message<>(envelope.id(), envelope.destination().name(), envelope.key(), envelope.headers(),
                envelope.payload(), envelope.contentType(), envelope.timestamp(),
                task.delivery.deliveryCount() - 1 + task.attempt);
    }

    private void runAgain(Task task, Duration delay) {
        if (closing) {
            return;
        }
        task.delivery.inProgress();
        task.timer = timers.schedule(() -> start(task), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void startNext(Task done) {
        if (done.key == null) {
            return;
        }
        Task next;
        synchronized (lanes) {
            ArrayDeque<Task> lane = lanes.get(done.key);
            next = lane == null ? null : lane.poll();
            if (next == null) {
                lanes.remove(done.key);
            }
        }
        if (next != null) {
            start(next);
        }
    }

    /** Acks or rejects the task's delivery, once; false if it was settled already. */
    private boolean settle(Task task, boolean ack) {
        if (!unsettled.remove(task)) {
            return false; // settled already
        }
        if (listener != null) {
            listener.inFlightChanged(route, unsettled.size());
        }
        try {
            if (ack) {
                task.delivery.ack();
            } else {
                task.delivery.reject();
            }
        } catch (RuntimeException e) {
            log.warn("Could not {} message {} on {}; the broker will redeliver it", ack ? "ack" : "reject",
                    task.delivery.envelope().id(), describe(), e);
        }
        return true;
    }

    @Override
    public void close() {
        if (!closeStarted.compareAndSet(false, true)) {
            awaitClosed();
            return;
        }
        closing = true;
        try {
            Consumer source = consumer;
            if (source != null) {
                source.stopFetching();
            }
            for (Task task : unsettled) {
                ScheduledFuture<?> timer = task.timer;
                if (timer != null) {
                    timer.cancel(false);
                }
            }
            workers.shutdown();
            if (!awaitWorkers(options.shutdownTimeout())) {
                log.warn("Handlers of {} still running after {}; interrupting them, their messages will be redelivered",
                        describe(), options.shutdownTimeout());
                workers.shutdownNow();
                awaitWorkers(Duration.ofSeconds(1));
            }
            int returned = 0;
            for (Task task : unsettled) {
                if (settle(task, false)) {
                    returned++;
                }
            }
            if (source != null) {
                source.close();
            }
            log.info("Closed {}; {} unhandled message(s) returned to the broker", describe(), returned);
        } finally {
            closed.countDown();
            onClosed.run();
        }
    }

    private boolean awaitWorkers(Duration timeout) {
        try {
            return workers.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void awaitClosed() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String describe() {
        return group == null ? "work queue " + topic : "topic " + topic + " group " + group;
    }

    @Override
    public String toString() {
        return "Subscription[" + describe() + ", inFlight=" + inFlight() + "]";
    }

    /** One delivery on its way through the chain; running it runs the chain once. */
    private final class Task implements Runnable {
        final Delivery delivery;
        final String key;
        volatile int attempt = 1;
        volatile ScheduledFuture<?> timer;

        Task(Delivery delivery) {
            this.delivery = delivery;
            this.key = delivery.envelope().key();
        }

        @Override
        public void run() {
            RealSubscription.this.run(this);
        }
    }
}
