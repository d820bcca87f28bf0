package dev.courier.transport.nats;

import dev.courier.api.HealthStatus;
import dev.courier.spi.ConnectionState;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Envelope;
import dev.courier.spi.SettleOnceDelivery;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullRequestOptions;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.support.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a group (or one set of workers of a queue): a pull subscription to the durable
 * consumer, bound to its own jnats {@link Dispatcher}, whose single thread hands messages to the
 * sink in the order they arrive.
 *
 * <p>Flow control: pull requests ask for at most {@code maxInFlight} minus the deliveries not yet
 * settled minus what earlier requests may still bring, so the sink never holds more than
 * {@code maxInFlight}; a message arriving beyond that (after a reconnect, say) is given back at
 * once. A request expires on the server after {@link #PULL_EXPIRY}; the next one is made when a
 * delivery is settled, when a request expires, and when subscriptions are restored after a
 * reconnect, so consuming resumes by itself after a server restart.
 *
 * <p>Stopping ends pulling at once but keeps the subscription until the open pull requests are
 * filled or expired (at most {@link #MAX_LINGER}, in the background), so no message the server is
 * sending gets dropped on this side, which would leave it unacknowledged for a whole ack wait.
 * Messages arriving after the stop are given back with a short delay, for another member.
 *
 * <p>While a delivery is held, the server is told it is in progress every third of the ack wait, so
 * a slow handler does not cause a redelivery. Thread safe: settling happens on core's threads,
 * pulls on those and on the timer thread, deliveries on the dispatcher thread.
 */
final class NatsConsumer implements Consumer {

    private static final Logger log = LoggerFactory.getLogger(NatsConsumer.class);

    /** How long one pull request waits on the server for messages. */
    static final Duration PULL_EXPIRY = Duration.ofSeconds(5);
    /** Extra time before a pull request is taken as expired on this side. */
    private static final Duration PULL_GRACE = Duration.ofSeconds(1);
    /** The longest a stopped consumer keeps its subscription for pull requests still open on the server. */
    static final Duration MAX_LINGER = Duration.ofSeconds(2);
    /** Delay of the NAK for a message that arrives after stopFetching, so it goes to another member. */
    private static final Duration LATE_NAK_DELAY = Duration.ofSeconds(1);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RETRY_PULL = Duration.ofSeconds(1);
    /** The pull status of a consumer deleted while pulls were waiting ("409 Consumer Deleted"). */
    private static final int CONFLICT = 409;

    private final ConsumerSpec spec;
    private final DeliverySink sink;
    private final String stream;
    private final String durable;
    private final int maxInFlight;
    private final int pullThreshold;
    private final Duration ackWait;
    private final Connection connection;
    private final JetStream jetStream;
    private final ScheduledExecutorService timers;
    private final Supplier<ConnectionState> connectionState;

    private final Object lock = new Object();
    /** Deliveries handed to the sink and not yet settled. Guarded by {@link #lock}. */
    private final Set<NatsDelivery> unsettled = new LinkedHashSet<>();
    /** Pull requests that may still bring messages, oldest first. Guarded by {@link #lock}. */
    private final ArrayDeque<Pull> pulls = new ArrayDeque<>();
    private final AtomicBoolean fetching = new AtomicBoolean(true);
    private final AtomicBoolean closed = new AtomicBoolean();

    private final AtomicBoolean unsubscribed = new AtomicBoolean();
    /** Completed once the subscription is gone from the server and what was on its way is handled. */
    private final CompletableFuture<Void> gone = new CompletableFuture<>();
    private volatile long stoppedAt;

    private volatile Dispatcher dispatcher;
    private volatile JetStreamSubscription subscription;
    /** Why the server ended this consumer, or {@code null}. */
    private volatile String failure;
    private volatile ScheduledFuture<?> refresher;

    NatsConsumer(ConsumerSpec spec, DeliverySink sink, String stream, String durable, int maxInFlight, Duration ackWait,
                 Connection connection, JetStream jetStream, ScheduledExecutorService timers,
                 Supplier<ConnectionState> connectionState) {
        this.spec = spec;
        this.sink = sink;
        this.stream = stream;
        this.durable = durable;
        this.maxInFlight = maxInFlight;
        this.pullThreshold = Math.max(1, maxInFlight / 4);
        this.ackWait = ackWait;
        this.connection = connection;
        this.jetStream = jetStream;
        this.timers = timers;
        this.connectionState = connectionState;
    }

    /** Subscribes and makes the first pull request. */
    void start() throws IOException, JetStreamApiException {
        Dispatcher created = connection.createDispatcher();
        dispatcher = created;
        subscription = jetStream.subscribe(null, created, this::onMessage, PullSubscribeOptions.bind(stream, durable));
        long period = Math.max(100, ackWait.toMillis() / 3);
        refresher = timers.scheduleAtFixedRate(this::refreshUnsettled, period, period, TimeUnit.MILLISECONDS);
        log.debug("Consuming {} through consumer {} of stream {}, {} in flight at most", spec, durable, stream, maxInFlight);
        pull();
    }

    /**
     * Stops pulling. The subscription stays until the pull requests still open on the server are
     * filled or expired (at most {@link #MAX_LINGER}), since the server may be sending on one of them
     * at this very moment: unsubscribing then would drop that message on the client while the server
     * waits out the ack wait before redelivering it. Whatever arrives meanwhile is given back.
     */
    @Override
    public void stopFetching() {
        if (!fetching.compareAndSet(true, false)) {
            return;
        }
        stoppedAt = System.nanoTime();
        unsubscribeWhenQuiet();
    }

    /** Unsubscribes once no pull request may bring more messages, or schedules another look. */
    private void unsubscribeWhenQuiet() {
        if (unsubscribed.get()) {
            return;
        }
        long now = System.nanoTime();
        long latestDeadline = now;
        synchronized (lock) {
            pruneFinishedPulls(now);
            for (Pull p : pulls) {
                latestDeadline = Math.max(latestDeadline, p.deadline);
            }
        }
        long lingerEnd = stoppedAt + MAX_LINGER.toNanos();
        if (latestDeadline - now <= 0 || now - lingerEnd >= 0) {
            unsubscribe();
            return;
        }
        long delay = Math.min(latestDeadline, lingerEnd) - now;
        try {
            timers.schedule(this::unsubscribeWhenQuiet, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException transportClosed) {
            unsubscribe();
        }
    }

    /** Unsubscribes on the server, then hands what is already on its way to onMessage, which gives it back. */
    private void unsubscribe() {
        if (!unsubscribed.compareAndSet(false, true)) {
            return;
        }
        Dispatcher current = dispatcher;
        if (current == null) {
            gone.complete(null);
            return;
        }
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            // Draining needs the server; while it is away, what it sent is lost anyway and comes
            // back after the ack wait.
            closeDispatcher(current);
            gone.complete(null);
            return;
        }
        try {
            current.drain(DRAIN_TIMEOUT).whenComplete((drained, failed) -> gone.complete(null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeDispatcher(current);
            gone.complete(null);
        } catch (RuntimeException e) {
            log.debug("Could not drain the subscription of {}; closing it", spec, e);
            closeDispatcher(current);
            gone.complete(null);
        }
    }

    /**
     * Completes once this consumer's subscription is gone: after {@link #stopFetching()}, within
     * about {@link #MAX_LINGER} plus a round trip, or at once if it never subscribed. The transport
     * waits for it before closing the connection, so a message the server sends to a pull request
     * still open is given back rather than lost with the connection (and held for a whole ack wait).
     */
    CompletableFuture<Void> gone() {
        return gone;
    }


    /**
     * Closed once closed; failed once its durable consumer was deleted on the server; otherwise the
     * connection's state, as a consumer works whenever its connection does.
     */
    @Override
    public ConnectionState state() {
        if (closed.get()) {
            return new ConnectionState(HealthStatus.CLOSED, "closed");
        }
        String failed = failure;
        if (failed != null) {
            return new ConnectionState(HealthStatus.FAILED, failed);
        }
        return connectionState.get();
    }

    /**
     * The server answered a pull of {@code reported} with an error: a deleted consumer ends this one.
     * After {@link #close()} a pull still waiting may see its consumer deleted (a bus removing its
     * temporary queues does that): expected then, not an error.
     */
    void pullFailed(JetStreamSubscription reported, Status status) {
        if (closed.get() || reported != subscription || failure != null || status.getCode() != CONFLICT
                || !status.getMessage().toLowerCase(Locale.ROOT).contains("consumer deleted")) {
            return;
        }
        failure = "the JetStream consumer " + durable + " of stream " + stream
                + " was deleted on the server; no more deliveries (subscribe again to create it anew)";
        log.error("{}: {}", spec, failure);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopFetching(); // the subscription goes away by itself shortly
        ScheduledFuture<?> refresh = refresher;
        if (refresh != null) {
            refresh.cancel(false);
        }
        List<NatsDelivery> left;
        synchronized (lock) {
            left = new ArrayList<>(unsettled);
        }
        for (NatsDelivery delivery : left) {
            try {
                delivery.reject();
            } catch (RuntimeException e) {
                log.debug("Could not give back {}; the server redelivers it after {}", delivery, ackWait, e);
            }
        }
        log.debug("Closed consumer of {}; {} unsettled message(s) given back", spec, left.size());
    }

    /** Subscriptions were restored after a reconnect: requests made before are lost, so pull again. */
    void resubscribed() {
        synchronized (lock) {
            pulls.clear();
        }
        pull();
    }

    /** Makes a pull request for the room left, if there is enough of it. */
    private void pull() {
        if (!fetching.get() || failure != null) {
            return;
        }
        Pull request;
        synchronized (lock) {
            long now = System.nanoTime();
            pruneFinishedPulls(now);
            int outstanding = 0;
            for (Pull p : pulls) {
                outstanding += p.remaining;
            }
            int free = maxInFlight - unsettled.size() - outstanding;
            if (free <= 0 || (outstanding > 0 && free < pullThreshold)) {
                return;
            }
            request = new Pull(free, now + PULL_EXPIRY.toNanos() + PULL_GRACE.toNanos());
            pulls.add(request);
        }
        JetStreamSubscription current = subscription;
        try {
            current.pull(PullRequestOptions.builder(request.size).expiresIn(PULL_EXPIRY).build());
            schedule(PULL_EXPIRY.plus(PULL_GRACE));
        } catch (RuntimeException e) {
            synchronized (lock) {
                pulls.remove(request);
            }
            if (fetching.get()) {
                log.debug("Could not pull for {} ({}); trying again in {} ms", spec, e.toString(), RETRY_PULL.toMillis());
                schedule(RETRY_PULL);
            }
        }
    }

    /** Forgets pull requests that are filled or expired. Called holding the lock. */
    private void pruneFinishedPulls(long now) {
        for (Iterator<Pull> it = pulls.iterator(); it.hasNext(); ) {
            Pull p = it.next();
            if (p.remaining <= 0 || now - p.deadline >= 0) {
                it.remove();
            }
        }
    }

    private void schedule(Duration delay) {
        try {
            timers.schedule(this::pull, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException transportClosed) {
            // the transport is closing; nothing more to pull
        }
    }

    /** Called on the dispatcher thread for each message, in arrival order. */
    private void onMessage(Message message) {
        if (!message.isJetStream()) {
            return; // a status message, handled by jnats
        }
        Envelope envelope;
        try {
            envelope = NatsHeaders.toEnvelope(message, spec.source());
        } catch (RuntimeException e) {
            // never give back what can never be read: it would come back forever. Deliver what is
            // certain (payload, a stable id), so the handler or the dead-letter queue gets it.
            log.warn("Could not read the headers of message {} of stream {} for {} ({}); delivering it without them",
                    sequence(message), stream, spec, e.toString());
            log.debug("Unreadable message details", e);
            envelope = NatsHeaders.withoutHeaders(message, spec.source());
        }
        NatsDelivery delivery;
        boolean stopped;
        boolean allPullsDone;
        synchronized (lock) {
            Pull oldest = pulls.peekFirst();
            if (oldest != null && --oldest.remaining <= 0) {
                pulls.pollFirst();
            }
            stopped = !fetching.get();
            allPullsDone = pulls.isEmpty();
            if (envelope == null || stopped || unsettled.size() >= maxInFlight) {
                delivery = null;
            } else {
                delivery = new NatsDelivery(message, envelope);
                unsettled.add(delivery);
            }
        }
        if (delivery == null) {
            giveBack(message, stopped);
            if (stopped && allPullsDone) {
                unsubscribeSoon();
            }
            if (envelope == null) {
                pull(); // the message took a place in a pull without taking one among the unsettled
            }
            return;
        }
        sink.deliver(delivery);
    }

    /** Unsubscribes off the dispatcher thread: draining waits for it. */
    private void unsubscribeSoon() {
        try {
            timers.execute(this::unsubscribeWhenQuiet);
        } catch (RejectedExecutionException transportClosed) {
            // the connection closes, and the subscription with it
        }
    }

    /**
     * Gives back a message this consumer will not hand over: after stopFetching with a delay, so it
     * does not come straight back to a pull request of this consumer still open on the server.
     */
    private void giveBack(Message message, boolean stopped) {
        try {
            if (stopped) {
                message.nakWithDelay(LATE_NAK_DELAY);
            } else {
                message.nak();
            }
        } catch (RuntimeException e) {
            log.debug("Could not give back message {} of {}; the server redelivers it after {}", sequence(message), spec,
                    ackWait, e);
        }
    }

    private void settled(NatsDelivery delivery) {
        synchronized (lock) {
            unsettled.remove(delivery);
        }
        pull();
    }

    /** Tells the server that deliveries held for a while are still being worked on. */
    private void refreshUnsettled() {
        List<NatsDelivery> held;
        synchronized (lock) {
            held = new ArrayList<>(unsettled);
        }
        long threshold = ackWait.toNanos() / 3;
        long now = System.nanoTime();
        for (NatsDelivery delivery : held) {
            if (now - delivery.touched >= threshold) {
                try {
                    delivery.inProgress();
                } catch (RuntimeException e) {
                    log.debug("Could not signal progress on {}", delivery, e);
                }
            }
        }
    }

    private void closeDispatcher(Dispatcher current) {
        try {
            connection.closeDispatcher(current);
        } catch (RuntimeException e) {
            log.debug("Could not close the dispatcher of {}", spec, e);
        }
    }

    private static String sequence(Message message) {
        try {
            return Long.toString(message.metaData().streamSequence());
        } catch (RuntimeException e) {
            return "?";
        }
    }

    @Override
    public String toString() {
        return "NatsConsumer[" + spec + ", stream " + stream + ", consumer " + durable + "]";
    }

    /** One outstanding pull request. Guarded by the consumer's lock. */
    private static final class Pull {
        final int size;
        final long deadline;
        int remaining;

        Pull(int size, long deadline) {
            this.size = size;
            this.remaining = size;
            this.deadline = deadline;
        }
    }

    /** One message held by core. */
    private final class NatsDelivery extends SettleOnceDelivery {
        private final Message message;
        private volatile long touched = System.nanoTime();

        NatsDelivery(Message message, Envelope envelope) {
            super(envelope, (int) Math.max(1, Math.min(Integer.MAX_VALUE, message.metaData().deliveredCount())));
            this.message = message;
        }

        @Override
        protected void settle(boolean ack) {
            try {
                if (ack) {
                    message.ack();
                } else {
                    message.nak();
                }
            } finally {
                settled(this);
            }
        }

        @Override
        public void inProgress() {
            if (!isSettled()) {
                touched = System.nanoTime();
                message.inProgress();
            }
        }

        @Override
        public String toString() {
            return "NatsDelivery[" + envelope().id() + ", stream " + stream + " #" + sequence(message)
                    + ", delivery " + deliveryCount() + "]";
        }
    }
}
