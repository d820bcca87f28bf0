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
 * once. The next request is made when a delivery is settled, when subscriptions are restored after
 * a reconnect (so consuming resumes by itself after a server restart), and when a request expires.
 * A request waits on the server for {@link PullTiming#expiry()}; the server's answer to an expired
 * one ({@code 408 Request Timeout}) frees its room at once and the next request follows, so an
 * idle consumer always has a request open and a message published while it idles is delivered at
 * once (waiting for the expiry plus a margin left it without one about a second in six). A request
 * whose expiry the server never reports (the answer was lost) is taken as expired
 * {@link PullTiming#grace()} after that.
 *
 * <p>Stopping ends pulling and unsubscribes at once, with jnats' drain: the server stops sending
 * to this consumer's open pull requests once it has the unsubscribe (it drops a request whose
 * reply subject lost its interest before sending to it), and what it sent before arrives ahead of
 * the drain's PONG. Those late messages are given back (NAK) only after the unsubscribe, so they
 * go at once to another member rather than back to a pull request of this one. JetStream has no
 * way to cancel a pull request, so one window stays, inside the server, and was there before this
 * too: a message the server assigned to an open request of this consumer just before it applied
 * the unsubscribe is dropped, and redelivered after the ack wait.
 *
 * <p>While a delivery is held, the server is told it is in progress every third of the ack wait, so
 * a slow handler does not cause a redelivery. Thread safe: settling happens on core's threads,
 * pulls on those and on the timer thread, deliveries on the dispatcher thread.
 */
final class NatsConsumer implements Consumer {

    private static final Logger log = LoggerFactory.getLogger(NatsConsumer.class);

    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RETRY_PULL = Duration.ofSeconds(1);
    /** The pull status of a consumer deleted while pulls were waiting ("409 Consumer Deleted"). */
    private static final int CONFLICT = 409;
    /** The pull status of a request that expired ("408 Request Timeout"). */
    private static final int REQUEST_TIMEOUT = 408;

    private final ConsumerSpec spec;
    private final DeliverySink sink;
    private final String stream;
    private final String durable;
    private final int maxInFlight;
    private final int pullThreshold;
    private final Duration ackWait;
    private final PullTiming timing;
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
    /**
     * Set once the server has applied the unsubscribe (or the subscription is lost anyway): from then
     * on, a message given back cannot come back to this consumer. Written holding {@link #lock}.
     */
    private volatile boolean serverStopped;
    /** Messages that arrived after the stop and before {@link #serverStopped}. Guarded by {@link #lock}. */
    private final List<Message> lateArrivals = new ArrayList<>();
    private final AtomicBoolean unsettledGivenBack = new AtomicBoolean();
    /** Completed once the subscription is gone from the server and what was on its way is handled. */
    private final CompletableFuture<Void> gone = new CompletableFuture<>();

    private volatile Dispatcher dispatcher;
    private volatile JetStreamSubscription subscription;
    /** Why the server ended this consumer, or {@code null}. */
    private volatile String failure;
    private volatile ScheduledFuture<?> refresher;

    NatsConsumer(ConsumerSpec spec, DeliverySink sink, String stream, String durable, int maxInFlight, Duration ackWait,
                 PullTiming timing, Connection connection, JetStream jetStream, ScheduledExecutorService timers,
                 Supplier<ConnectionState> connectionState) {
        this.spec = spec;
        this.sink = sink;
        this.stream = stream;
        this.durable = durable;
        this.maxInFlight = maxInFlight;
        this.pullThreshold = Math.max(1, maxInFlight / 4);
        this.ackWait = ackWait;
        this.timing = timing;
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
     * Stops pulling and unsubscribes (off the caller's thread, as draining waits a round trip).
     * Deliveries already handed out can still be settled: acknowledgements need the connection only.
     */
    @Override
    public void stopFetching() {
        if (!fetching.compareAndSet(true, false)) {
            return;
        }
        try {
            timers.execute(this::unsubscribe);
        } catch (RejectedExecutionException transportClosed) {
            unsubscribe();
        }
    }

    /**
     * Drains the subscription: unsubscribes on the server and waits for its PONG, so whatever the
     * server sent before has arrived; then gives back what arrived late and, once closed, what is
     * unsettled. {@link #gone} completes when the dispatcher has handled the rest.
     */
    private void unsubscribe() {
        if (!unsubscribed.compareAndSet(false, true)) {
            return;
        }
        Dispatcher current = dispatcher;
        if (current == null) {
            serverStopped();
            gone.complete(null);
            return;
        }
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            // Draining needs the server; while it is away, what it sent is lost anyway and comes
            // back after the ack wait.
            closeDispatcher(current);
            serverStopped();
            gone.complete(null);
            return;
        }
        CompletableFuture<Boolean> drained;
        try {
            drained = current.drain(DRAIN_TIMEOUT); // returns once the server answered the flush after the UNSUB
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = null;
        } catch (RuntimeException e) {
            log.debug("Could not drain the subscription of {}; closing it", spec, e);
            drained = null;
        }
        if (drained == null) {
            closeDispatcher(current);
        }
        serverStopped();
        if (drained == null) {
            gone.complete(null);
        } else {
            drained.whenComplete((done, failed) -> gone.complete(null));
        }
    }

    /** The server sends nothing more to this consumer: give back what arrived late, and what is held once closed. */
    private void serverStopped() {
        List<Message> late;
        synchronized (lock) {
            serverStopped = true;
            late = new ArrayList<>(lateArrivals);
            lateArrivals.clear();
        }
        late.forEach(this::giveBack);
        giveBackUnsettled();
    }

    /**
     * Once closed and unsubscribed (whichever comes last), gives back the deliveries not settled, so
     * none of them goes straight back to a pull request of this consumer still open on the server.
     */
    private void giveBackUnsettled() {
        if (!closed.get() || !serverStopped || !unsettledGivenBack.compareAndSet(false, true)) {
            return;
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

    /**
     * Completes once this consumer's subscription is gone: after {@link #stopFetching()}, within
     * about a round trip, or at once if it never subscribed. By then the deliveries left unsettled
     * at {@link #close()} and the messages that arrived after the stop are given back; the transport
     * waits for it before closing the connection, so those NAKs are not lost with the connection
     * (which would hold the messages for a whole ack wait).
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

    /**
     * The server answered a pull of {@code reported} with a warning. On {@code 408 Request Timeout}
     * a request expired: frees its room and pulls again at once. The answer does not say which
     * request; the server expires them in the order it got them, all after the same expiry, and a
     * filled one gets no answer, so it is the oldest one still counted, provided it is old enough
     * to have expired. Otherwise the answer is to a request no longer counted (one made before a
     * reconnect, say) and changes nothing, so answers never renew a request before its expiry.
     * jnats reports the answer on another thread than the messages: messages for the next request
     * that arrive in between are counted against the expired one, which only leaves room unused
     * until the next one ends too, unless they fill it and the next one, made within those few
     * milliseconds, is itself about to expire; then what comes beyond {@code maxInFlight} is given
     * back, as after a reconnect.
     */
    void pullWarning(JetStreamSubscription reported, Status status) {
        if (reported != subscription || status.getCode() != REQUEST_TIMEOUT || !fetching.get()) {
            return;
        }
        synchronized (lock) {
            Pull oldest = pulls.peekFirst();
            if (oldest == null || System.nanoTime() - oldest.made < timing.expiry().toNanos()) {
                return;
            }
            pulls.pollFirst();
        }
        pull();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> refresh = refresher;
        if (refresh != null) {
            refresh.cancel(false);
        }
        stopFetching(); // unsubscribes, then gives back what is unsettled
        giveBackUnsettled(); // here when unsubscribed already
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
            request = new Pull(free, now);
            pulls.add(request);
        }
        JetStreamSubscription current = subscription;
        try {
            current.pull(PullRequestOptions.builder(request.size).expiresIn(timing.expiry()).build());
            schedule(timing.expiry().plus(timing.grace()));
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

    /** Forgets pull requests that are filled, or expired even if the server's answer was lost. Called holding the lock. */
    private void pruneFinishedPulls(long now) {
        long lifetime = timing.expiry().toNanos() + timing.grace().toNanos();
        for (Iterator<Pull> it = pulls.iterator(); it.hasNext(); ) {
            Pull p = it.next();
            if (p.remaining <= 0 || now - p.made >= lifetime) {
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
        synchronized (lock) {
            Pull oldest = pulls.peekFirst();
            if (oldest != null && --oldest.remaining <= 0) {
                pulls.pollFirst();
            }
            if (!fetching.get() && !serverStopped) {
                // given back once the server has the unsubscribe, or it could come back here
                lateArrivals.add(message);
                return;
            }
            if (envelope == null || !fetching.get() || unsettled.size() >= maxInFlight) {
                delivery = null;
            } else {
                delivery = new NatsDelivery(message, envelope);
                unsettled.add(delivery);
            }
        }
        if (delivery == null) {
            giveBack(message);
            if (envelope == null) {
                pull(); // the message took a place in a pull without taking one among the unsettled
            }
            return;
        }
        sink.deliver(delivery);
    }

    /** Gives back a message this consumer will not hand over, for redelivery at once. */
    private void giveBack(Message message) {
        try {
            message.nak();
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

    /**
     * How long a pull request waits on the server, and how much longer before this side takes it as
     * expired when the server's answer saying so never came. Tests shorten the one and lengthen the other.
     */
    record PullTiming(Duration expiry, Duration grace) {
        /** 5 s: an idle consumer makes one request per 5 s. */
        static final PullTiming DEFAULT = new PullTiming(Duration.ofSeconds(5), Duration.ofSeconds(1));
    }

    /** One outstanding pull request. Guarded by the consumer's lock. */
    private static final class Pull {
        final int size;
        /** When it was made ({@link System#nanoTime()}); the server got it later, so it expires after {@code made + expiry}. */
        final long made;
        int remaining;

        Pull(int size, long made) {
            this.size = size;
            this.remaining = size;
            this.made = made;
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
