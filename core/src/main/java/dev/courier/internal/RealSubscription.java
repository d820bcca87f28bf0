package dev.courier.internal;

import dev.courier.api.ConsumeInterceptor;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.Health;
import dev.courier.api.HealthStatus;
import dev.courier.api.Route;
import dev.courier.api.Message;
import dev.courier.api.Outcome;
import dev.courier.api.Subscription;
import dev.courier.spi.Backoff;
import dev.courier.spi.ConnectionState;
import dev.courier.spi.Consumer;
import dev.courier.spi.Delivery;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Envelope;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one subscription: receives deliveries from the transport, runs the consume pipeline on
 * {@code concurrency} handler threads at most (a pool of its own, or the user's executor) with
 * per-key order (a key's next message starts only when the previous one is settled, retries
 * included), acts on the {@link Outcome} the pipeline returns, and settles each delivery exactly
 * once.
 *
 * <p>A retry waits on a timer, not on a thread, so while one key waits, other keys go on. So does
 * a message whose dead letter could not be sent: it keeps its key's lane and one in-flight slot,
 * the same dead letter is sent again after a backoff (1 s doubling to 5 min), and the
 * subscription reports {@link HealthStatus#DEGRADED} until it goes through.
 *
 * <p>Handler threads of its own pool end after {@link #IDLE_KEEP_ALIVE} without work, so many
 * idle subscriptions cost no threads.
 */
final class RealSubscription implements Subscription, DeliverySink {

    private static final Logger log = LoggerFactory.getLogger(RealSubscription.class);
    private static final Duration FIRST_SETTLE_RETRY = Backoff.DEFAULT.first();
    static final Duration IDLE_KEEP_ALIVE = Duration.ofSeconds(5);
    static final Duration INTERRUPT_GRACE = Duration.ofSeconds(1);

    private final String topic;
    private final String group;
    private final String deadLetterQueue;
    private final ConsumerOptions options;
    private final ScheduledExecutorService timers;
    private final Runnable onClosed;
    private final Route route;
    private final ListenerFanout listener;
    private final HandlerWorkers workers;
    private ConsumeInterceptor.Chain pipeline;
    private volatile Consumer consumer;

    /** Keys with a message running or waiting to retry, each with the messages queued behind it. */
    private final Map<String, ArrayDeque<Task>> lanes = new HashMap<>();
    /**
     * The lane of a key with no message queued behind the running one, shared by all such keys
     * (never added to): most keys have one message in flight, and need no queue of their own.
     */
    private final ArrayDeque<Task> noneQueued = new ArrayDeque<>(0);
    private final UnsettledSet<Task> unsettled = new UnsettledSet<>();
    /** Messages that could not be dead-lettered and wait to try again. */
    private final Set<Task> cannotSettle = ConcurrentHashMap.newKeySet();
    private volatile String cannotSettleReason = "";
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean closing;
    /** Calls {@link Delivery#inProgress()} on unsettled deliveries, when the transport needs core to. */
    private volatile ScheduledFuture<?> keepAlive;

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
        this.workers = new HandlerWorkers(options.executor(), options.concurrency(), name, IDLE_KEEP_ALIVE,
                task -> executorRefused((Task) task));
    }

    /** Sets the consume pipeline; called once, before {@link #attach}. */
    void pipeline(ConsumeInterceptor.Chain consumePipeline) {
        this.pipeline = consumePipeline;
    }

    /**
     * Keeps every unsettled delivery alive on a broker that redelivers after {@code deadline}
     * ({@link dev.courier.spi.AckDeadline.Rule#CORE_EXTENDS}): every third of it, while a handler
     * runs or a retry waits, {@link Delivery#inProgress()} is called on each. Called once, before
     * {@link #attach}; without it core calls {@code inProgress} only when it schedules a retry.
     */
    void extendAckDeadlines(Duration deadline) {
        long period = Math.max(1, deadline.toNanos() / 3);
        keepAlive = timers.scheduleWithFixedDelay(() -> {
            for (Task task : unsettled.snapshot()) {
                try {
                    task.delivery.inProgress();
                } catch (RuntimeException e) {
                    log.debug("Could not extend the ack deadline of message {} on {}", task.delivery.envelope().id(),
                            describe(), e);
                }
            }
        }, period, period, TimeUnit.NANOSECONDS);
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

    /**
     * This subscription's health: its consumer's state, or {@link HealthStatus#DEGRADED} while the
     * consumer is up but messages wait because they could not be dead-lettered.
     */
    Health.SubscriptionHealth health() {
        Consumer source = consumer;
        ConnectionState state = closing || source == null
                ? new ConnectionState(HealthStatus.CLOSED, closing ? "closing" : "starting")
                : source.state();
        int stuck = cannotSettle.size();
        if (state.status() == HealthStatus.UP && stuck > 0) {
            state = new ConnectionState(HealthStatus.DEGRADED,
                    stuck + " message(s) could not be dead-lettered: " + cannotSettleReason);
        }
        return new Health.SubscriptionHealth(topic, group, state.status(), inFlight(), state.detail());
    }

    @Override
    public void backlogChanged(int partition, long records) {
        if (listener != null) {
            listener.backlogChanged(route, partition, records);
        }
    }

    @Override
    public void deliver(Delivery delivery) {
        Task task = accept(delivery);
        if (task != null) {
            start(task);
        }
    }

    /** Every delivery as {@link #deliver} would take it, the tasks due to run handed to the workers in one go. */
    @Override
    public void deliverAll(List<? extends Delivery> deliveries) {
        List<Task> due = new ArrayList<>(deliveries.size());
        for (Delivery delivery : deliveries) {
            Task task = accept(delivery);
            if (task != null) {
                due.add(task);
            }
        }
        try {
            workers.executeAll(due);
        } catch (RejectedExecutionException closingAlready) {
            // close() rejects every unsettled delivery
        }
    }

    /** Takes {@code delivery} in: the task to run now, or null (acked as another group's, closing, or queued behind its key). */
    private Task accept(Delivery delivery) {
        if (addressedToAnotherGroup(delivery.envelope())) {
            try {
                delivery.ack();
            } catch (RuntimeException e) {
                log.warn("Could not ack message {} on {}, addressed to another group; the broker will redeliver it: {}",
                        delivery.envelope().id(), describe(), DeadLetterStep.oneLine(e));
            }
            return null;
        }
        Task task = new Task(delivery);
        unsettled.add(task);
        if (listener != null) {
            listener.delivered(route, message(task));
            listener.inFlightChanged(route, unsettled.size());
        }
        if (closing) {
            return null; // rejected by close()
        }
        if (task.key != null) {
            synchronized (lanes) {
                ArrayDeque<Task> lane = lanes.get(task.key);
                if (lane != null) {
                    if (lane == noneQueued) {
                        lane = new ArrayDeque<>();
                        lanes.put(task.key, lane);
                    }
                    lane.add(task);
                    return null;
                }
                lanes.put(task.key, noneQueued);
            }
        }
        return task;
    }

    /**
     * True when {@code envelope} carries {@link DeadLetterHeaders#TARGET_GROUP} naming a group of the
     * topic other than this one: a message sent back for that group alone, which this group skips.
     */
    private boolean addressedToAnotherGroup(Envelope envelope) {
        String target = envelope.headers().get(DeadLetterHeaders.TARGET_GROUP);
        if (group == null || target == null || target.equals(group)) {
            return false;
        }
        log.debug("{} skips message {}: it is addressed to group {}", describe(), envelope.id(), target);
        return true;
    }

    private void start(Task task) {
        try {
            workers.execute(task);
        } catch (RejectedExecutionException closingAlready) {
            // close() rejects every unsettled delivery
        }
    }

    /** The user's executor refused a task: try again after a while, as for an unsettled message. */
    private void executorRefused(Task task) {
        if (closing) {
            return;
        }
        log.warn("The handler executor of {} refused message {}; trying again in {} ms", describe(),
                task.delivery.envelope().id(), FIRST_SETTLE_RETRY.toMillis());
        try {
            task.rare().timer = timers.schedule(() -> start(task), FIRST_SETTLE_RETRY.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException busClosing) {
            // the bus is closing: close() gives the message back
        }
    }

    private void run(Task task) {
        if (closing) {
            return; // only close() settles a task other than by running it
        }
        Message<byte[]> message = message(task);
        Outcome outcome;
        try {
            Supplier<Outcome> resend = task.resend();
            outcome = resend != null ? resend.get() : pipeline.proceed(message);
        } catch (Throwable failure) {
            outcome = Outcome.failed(failure); // defensive: a pipeline returns its failures
        }
        if (outcome instanceof Outcome.Retry retry) {
            task.attempt++;
            runAgain(task, retry.delay());
            return;
        }
        if (outcome instanceof Outcome.Failed failed) {
            if (!closing) {
                couldNotSettle(task, message, failed.cause());
            }
            return;
        }
        settle(task, true); // handled, or dead-lettered
        startNext(task);
    }

    /**
     * The message's dead letter could not be sent (or, defensively, a failure came back that the
     * dead-letter step did not take): keep the message, tell the listeners and health, try again
     * after a backoff.
     */
    private void couldNotSettle(Task task, Message<byte[]> message, Throwable failure) {
        Throwable reason = failure;
        if (failure instanceof DeadLetterRefused refused) {
            task.rare().resend = refused.resend(); // the handler is done with it: only the dead letter is sent again
            reason = refused.getCause();
        }
        Rare rare = task.rare();
        rare.settleFailures++;
        Duration delay = settleRetryDelay(rare.settleFailures);
        String oneLine = DeadLetterStep.oneLine(reason);
        log.warn("Could not {} message {} on {} (failure {}); trying again in {} ms: {}",
                rare.resend != null ? "dead-letter" : "settle", message.id(), describe(), rare.settleFailures,
                delay.toMillis(), oneLine);
        log.debug("Failure settling message {}", message.id(), reason);
        if (listener != null) {
            listener.deadLetterFailed(route, message, reason);
        }
        // health shows it only once the listeners know: who sees the one has heard of the other
        cannotSettleReason = oneLine;
        cannotSettle.add(task);
        runAgain(task, delay);
    }

    /** 1 s before the second try, doubling, at most 5 min. */
    static Duration settleRetryDelay(int failures) {
        return Backoff.DEFAULT.after(failures);
    }

    private Message<byte[]> message(Task task) {
        Envelope envelope = task.received;
        if (envelope == null) {
            envelope = task.delivery.envelope();
            try {
                envelope = StructuredCloudEvents.unwrap(envelope);
            } catch (RuntimeException e) {
                log.debug("Could not read message {} as received; handling it as sent", envelope.id(), e);
            }
            String prior = envelope.headers().get(Names.PRIOR_ATTEMPTS);
            if (prior != null) {
                task.rare().priorAttempts = priorAttempts(prior, envelope.id());
                Map<String, String> headers = new HashMap<>(envelope.headers());
                headers.remove(Names.PRIOR_ATTEMPTS);
                envelope = new Envelope(envelope.id(), envelope.destination(), envelope.key(), headers,
                        envelope.payload(), envelope.contentType(), envelope.timestamp(), envelope.type());
            }
            task.received = envelope;
        }
        return new Message<>(envelope.id(), envelope.destination().name(), envelope.key(), envelope.headers(),
                envelope.payload(), envelope.contentType(), envelope.timestamp(),
                task.priorAttempts() + task.delivery.deliveryCount() - 1 + task.attempt, envelope.type());
    }

    /** The attempts a rescheduled message had before this delivery, as its reserved header says (0 if unreadable). */
    private int priorAttempts(String header, String id) {
        try {
            return Math.max(0, Integer.parseInt(header));
        } catch (NumberFormatException e) {
            log.warn("Message {} on {} has an unreadable {} header '{}'; counting its attempts from 1", id, describe(),
                    Names.PRIOR_ATTEMPTS, header);
            return 0;
        }
    }

    private void runAgain(Task task, Duration delay) {
        if (closing) {
            return;
        }
        task.delivery.inProgress();
        task.rare().timer = timers.schedule(() -> start(task), delay.toNanos(), TimeUnit.NANOSECONDS);
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
        if (!cannotSettle.isEmpty()) { // almost always empty: skip hashing the task
            cannotSettle.remove(task);
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
            log.warn("Could not {} message {} on {}; the broker will redeliver it: {}", ack ? "ack" : "reject",
                    task.delivery.envelope().id(), describe(), DeadLetterStep.oneLine(e));
            log.debug("Failure settling message {}", task.delivery.envelope().id(), e);
        }
        return true;
    }

    @Override
    public void close() {
        if (!stopReceiving()) {
            awaitClosed();
            return;
        }
        try {
            if (!awaitHandlers(System.nanoTime() + options.shutdownTimeout().toNanos())) {
                interruptHandlers();
                awaitHandlers(System.nanoTime() + INTERRUPT_GRACE.toNanos());
            }
        } finally {
            finishClose();
        }
    }

    /**
     * The first step of closing: stops fetching, cancels retry timers and lets no handler start.
     * Returns immediately; false if closing had started already. {@link RealMessageBus#close()}
     * runs this on every subscription before it waits for any, so they drain together.
     */
    boolean stopReceiving() {
        if (!closeStarted.compareAndSet(false, true)) {
            return false;
        }
        closing = true;
        Consumer source = consumer;
        if (source != null) {
            try {
                source.stopFetching();
            } catch (RuntimeException e) {
                log.warn("Could not stop fetching for {}: {}", describe(), DeadLetterStep.oneLine(e));
            }
        }
        for (Task task : unsettled.snapshot()) {
            ScheduledFuture<?> timer = task.timer();
            if (timer != null) {
                timer.cancel(false);
            }
        }
        workers.shutdown();
        return true;
    }

    /** Waits until running handlers finished, or until {@code deadlineNanos} ({@link System#nanoTime()}). */
    boolean awaitHandlers(long deadlineNanos) {
        try {
            return workers.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Interrupts handlers still running after the shutdown timeout; their messages are redelivered. */
    void interruptHandlers() {
        log.warn("Handlers of {} still running after {}; interrupting them, their messages will be redelivered",
                describe(), options.shutdownTimeout());
        workers.interruptRunning();
    }

    Duration shutdownTimeout() {
        return options.shutdownTimeout();
    }

    /** The last step of closing: gives back every unsettled message and closes the consumer. */
    void finishClose() {
        try {
            int returned = 0;
            for (Task task : unsettled.snapshot()) {
                if (settle(task, false)) {
                    returned++;
                }
            }
            ScheduledFuture<?> extending = keepAlive;
            if (extending != null) {
                extending.cancel(false);
            }
            Consumer source = consumer;
            if (source != null) {
                source.close();
            }
            log.info("Closed {}; {} unhandled message(s) returned to the broker", describe(), returned);
        } catch (RuntimeException e) {
            log.warn("Could not close the consumer of {} cleanly: {}", describe(), DeadLetterStep.oneLine(e));
        } finally {
            closed.countDown();
            onClosed.run();
        }
    }

    /** Waits until another thread's close finished. */
    void awaitClosed() {
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

    /**
     * One delivery on its way through the pipeline; running it runs the pipeline once. What only a
     * message that is retried, rescheduled, refused or cannot be settled needs is in {@link Rare},
     * made the first time: a task per message is 48 bytes instead of 64.
     */
    private final class Task extends UnsettledSet.Member<Task> implements Runnable {
        final Delivery delivery;
        final String key;
        volatile int attempt = 1;
        /** The envelope as the handler sees it (a structured CloudEvent unwrapped), once read. */
        volatile Envelope received;
        private volatile Rare rare;

        Task(Delivery delivery) {
            this.delivery = delivery;
            this.key = delivery.envelope().key();
        }

        /** This task's {@link Rare} state, made on first use. */
        Rare rare() {
            Rare current = rare;
            if (current == null) {
                synchronized (this) {
                    current = rare;
                    if (current == null) {
                        current = new Rare();
                        rare = current;
                    }
                }
            }
            return current;
        }

        ScheduledFuture<?> timer() {
            Rare current = rare;
            return current == null ? null : current.timer;
        }

        Supplier<Outcome> resend() {
            Rare current = rare;
            return current == null ? null : current.resend;
        }

        int priorAttempts() {
            Rare current = rare;
            return current == null ? 0 : current.priorAttempts;
        }

        @Override
        public void run() {
            RealSubscription.this.run(this);
        }
    }

    /** A task's state that most messages never need. */
    private static final class Rare {
        volatile ScheduledFuture<?> timer;
        /** Sends the dead letter again, once sending it failed; the handler is not run again. */
        volatile Supplier<Outcome> resend;
        volatile int settleFailures;
        /** Attempts made on earlier deliveries of a rescheduled message ({@link Names#PRIOR_ATTEMPTS}). */
        volatile int priorAttempts;
    }
}
