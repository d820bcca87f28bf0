package dev.courier.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.ReturnListener;
import com.rabbitmq.client.ShutdownSignalException;
import dev.courier.api.PublishException;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes on one channel in confirm mode. Publishing is serialised by a lock (a channel must not
 * be used by two publishers at once); confirms arrive asynchronously and complete the matching
 * futures by publish sequence number, on {@code completions} rather than the connection's thread,
 * so a caller's continuation can never stall the connection.
 *
 * <p>A topic is its exchange (routing key: the topic name); a queue is reached through the default
 * exchange with the queue name as routing key and the mandatory flag, so a send to a queue that
 * does not exist fails instead of vanishing. A topic with no group bound yet drops the message,
 * which the contract allows.
 *
 * <p>While the connection is down and recovering, sends wait in a bounded buffer, in order, and
 * are published once the connection is back; each fails with {@link PublishException} when no
 * confirm came within the confirm timeout (or the caller gave up, as core does after its publish
 * timeout: such a send is then dropped from the buffer, never published late). Publishes written
 * before a connection loss and not yet confirmed fail at once: the broker may or may not have
 * stored them. Sequence numbers restart on the recovered channel, so each channel incarnation has
 * its own table of pending publishes.
 *
 * <p>Thread safe.
 */
final class RabbitMqPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RabbitMqPublisher.class);
    /** The most sends kept while the connection is down; more fail at once. */
    static final int MAX_WAITING = 10_000;
    /** AMQP's limit on a routing key (a short string). */
    static final int MAX_ROUTING_KEY = 255;

    private final AmqpLink link;
    private final RabbitMqSettings settings;
    private final Executor completions;
    private final ReentrantLock lock = new ReentrantLock();
    private Channel channel; // guarded by lock
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>(); // guarded by lock
    private volatile boolean channelBroken;
    private volatile boolean closed;
    /** Unconfirmed publishes of the current channel incarnation, by sequence number. */
    private volatile ConcurrentNavigableMap<Long, Pending> pending = new ConcurrentSkipListMap<>();

    RabbitMqPublisher(AmqpLink link, RabbitMqSettings settings, Executor completions) {
        this.link = link;
        this.settings = settings;
        this.completions = completions;
        link.onRecovery(() -> completions.execute(this::publishWaiting));
    }

    /**
     * Publishes {@code envelope}; the future completes on the broker's confirm. Blocks only for the
     * socket write (and not at all while disconnected).
     */
    CompletableFuture<Void> send(Envelope envelope) {
        Pending publish = new Pending(envelope, System.nanoTime() + settings.confirmTimeout().toNanos());
        lock.lock();
        try {
            sendLocked(publish);
        } finally {
            lock.unlock();
        }
        return publish.future;
    }

    /**
     * Publishes {@code envelopes} in order under one hold of the lock, so no other publish comes
     * between them; each future completes on its own confirm (the broker confirms a run of them at
     * once with {@code multiple}).
     */
    List<CompletableFuture<Void>> sendAll(List<Envelope> envelopes) {
        long deadline = System.nanoTime() + settings.confirmTimeout().toNanos();
        List<CompletableFuture<Void>> futures = new ArrayList<>(envelopes.size());
        lock.lock();
        try {
            for (Envelope envelope : envelopes) {
                Pending publish = new Pending(envelope, deadline);
                sendLocked(publish);
                futures.add(publish.future);
            }
        } finally {
            lock.unlock();
        }
        return futures;
    }

    /** Publishes now, or queues while the connection is down. Call with the lock held. */
    private void sendLocked(Pending publish) {
        if (closed) {
            publish.fail("the transport is closed");
        } else if (!waiting.isEmpty() || !link.isReady()) {
            if (waiting.size() >= MAX_WAITING) {
                publish.fail("not connected (" + link.problem() + ") and " + MAX_WAITING + " publishes already wait");
            } else {
                waiting.add(publish);
                if (link.isReady()) {
                    publishWaitingLocked();
                }
            }
        } else {
            publish(publish);
        }
    }

    /**
     * Fails the publishes whose confirm timeout passed, waiting or unconfirmed; runs periodically.
     * Both are (about) in publish order, so each scan stops at the first one still in time.
     */
    void expire() {
        long now = System.nanoTime();
        List<Pending> expired = new ArrayList<>();
        if (lock.tryLock()) { // else a publish is under way: next time
            try {
                Pending head;
                while ((head = waiting.peekFirst()) != null && head.deadline - now <= 0) {
                    waiting.pollFirst();
                    expired.add(head);
                }
            } finally {
                lock.unlock();
            }
        }
        ConcurrentNavigableMap<Long, Pending> table = pending;
        for (Map.Entry<Long, Pending> entry : table.entrySet()) {
            if (entry.getValue().deadline - now > 0) {
                break;
            }
            if (table.remove(entry.getKey()) != null) {
                expired.add(entry.getValue());
            }
        }
        if (!expired.isEmpty()) {
            String reason = "no confirm from " + settings.address() + " within " + settings.confirmTimeout().toMillis()
                    + " ms (option confirmTimeout)";
            completions.execute(() -> expired.forEach(p -> p.fail(reason)));
        }
    }

    /** Publishes what waited for the connection, in order. */
    private void publishWaiting() {
        lock.lock();
        try {
            publishWaitingLocked();
        } finally {
            lock.unlock();
        }
    }

    private void publishWaitingLocked() {
        if (!waiting.isEmpty()) {
            log.debug("Publishing {} message(s) that waited for the connection to {}", waiting.size(), settings.address());
        }
        while (!waiting.isEmpty() && link.isReady() && !closed) {
            Pending next = waiting.poll();
            if (!next.future.isDone()) { // the caller may have given up meanwhile
                publish(next);
            }
        }
    }

    /** Writes one message. Call with the lock held. */
    private void publish(Pending publish) {
        Channel current;
        try {
            current = channel();
        } catch (IOException | ShutdownSignalException e) {
            publish.fail("could not open a channel on " + settings.address() + " (" + AmqpLink.Failures.reason(e, settings) + ")");
            return;
        }
        Envelope envelope = publish.envelope;
        if (!publish.route()) {
            publish.fail("a delayed message to a destination named " + envelope.destination().name().length()
                    + " characters needs a routing key longer than RabbitMQ's " + MAX_ROUTING_KEY + " bytes");
            return;
        }
        ConcurrentNavigableMap<Long, Pending> table = pending;
        long sequence = current.getNextPublishSeqNo();
        table.put(sequence, publish);
        try {
            current.basicPublish(publish.exchange, publish.routingKey, publish.mandatory,
                    AmqpMessages.properties(envelope, settings.envelope()), envelope.payload());
        } catch (IOException | ShutdownSignalException e) {
            table.remove(sequence);
            publish.fail("the connection to " + settings.address() + " was lost (" + AmqpLink.Failures.reason(e, settings) + ")");
            return;
        }
        if (pending != table && table.remove(sequence) != null) {
            // the channel went down during the write: its confirm will never come
            publish.fail("the connection to " + settings.address() + " was lost while publishing");
        }
    }

    /** The open channel, created in confirm mode when there is none. Call with the lock held. */
    private Channel channel() throws IOException {
        if (channel != null && channelBroken && link.isReady()) {
            AmqpLink.closeQuietly(channel);
            channel = null;
        }
        if (channel == null) {
            Channel created = link.createChannel();
            created.confirmSelect();
            created.addConfirmListener(new Confirms());
            created.addReturnListener(new Returns());
            created.addShutdownListener(this::channelDown);
            channelBroken = false;
            channel = created;
        }
        return channel;
    }

    /** The channel (or its connection) went down: fail what it left unconfirmed. */
    private void channelDown(ShutdownSignalException cause) {
        if (!cause.isHardError() && !cause.isInitiatedByApplication()) {
            // a channel error (for example a publish to an exchange deleted meanwhile): the channel
            // does not recover by itself; the next send opens a new one
            channelBroken = true;
            log.warn("RabbitMQ at {} closed the publishing channel: {}", settings.address(), AmqpLink.Failures.refusal(cause));
        }
        ConcurrentNavigableMap<Long, Pending> lost = pending;
        pending = new ConcurrentSkipListMap<>();
        if (lost.isEmpty()) {
            return;
        }
        String reason = cause.isInitiatedByApplication() && closed
                ? "the transport was closed before the broker confirmed"
                : "the connection to " + settings.address() + " was lost before the broker confirmed ("
                + AmqpLink.Failures.reason(cause, settings) + "); the message may or may not be stored";
        List<Pending> failed = new ArrayList<>(lost.values());
        log.debug("{} unconfirmed publish(es) failed: {}", failed.size(), reason);
        completions.execute(() -> failed.forEach(p -> p.fail(reason)));
    }

    /**
     * Stops publishing: waits up to {@code timeout} for the confirms still outstanding, then closes
     * the channel, failing what is still unconfirmed or waiting.
     */
    void close(Duration timeout) {
        List<CompletableFuture<Void>> outstanding = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            waiting.forEach(p -> outstanding.add(p.future));
        } finally {
            lock.unlock();
        }
        pending.values().forEach(p -> outstanding.add(p.future));
        if (!outstanding.isEmpty()) {
            try {
                CompletableFuture.allOf(outstanding.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // failures went to the senders; what is left fails below
            }
        }
        close();
    }

    /** Stops publishing at once; unconfirmed and waiting publishes fail. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            Pending left;
            while ((left = waiting.poll()) != null) {
                left.fail("the transport was closed while the connection to " + settings.address() + " was down");
            }
            if (channel != null) {
                AmqpLink.closeQuietly(channel);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Completes confirmed publishes; nacked ones fail. */
    private final class Confirms implements ConfirmListener {

        @Override
        public void handleAck(long sequence, boolean multiple) {
            List<Pending> settled = take(sequence, multiple);
            if (!settled.isEmpty()) {
                completions.execute(() -> settled.forEach(Pending::confirmed));
            }
        }

        @Override
        public void handleNack(long sequence, boolean multiple) {
            List<Pending> settled = take(sequence, multiple);
            if (!settled.isEmpty()) {
                completions.execute(() -> settled.forEach(p -> p.fail("RabbitMQ at " + settings.address()
                        + " refused the message (basic.nack: an internal error of the queue)")));
            }
        }

        private List<Pending> take(long sequence, boolean multiple) {
            ConcurrentNavigableMap<Long, Pending> table = pending;
            if (!multiple) {
                Pending one = table.remove(sequence);
                return one == null ? List.of() : List.of(one);
            }
            NavigableMap<Long, Pending> head = table.headMap(sequence, true);
            List<Pending> all = new ArrayList<>(head.values());
            head.clear();
            return all;
        }
    }

    /**
     * A mandatory message the broker could not route (a queue that does not exist). The return
     * always comes before the confirm of the same message, on the same thread; it marks the
     * oldest matching unconfirmed publish so its confirm fails it.
     */
    private final class Returns implements ReturnListener {

        @Override
        public void handleReturn(int replyCode, String replyText, String exchange, String routingKey,
                                 AMQP.BasicProperties properties, byte[] body) {
            String id = AmqpMessages.publishedId(properties);
            for (Pending candidate : pending.values()) {
                if (candidate.returned == null && candidate.exchange.equals(exchange)
                        && candidate.routingKey.equals(routingKey)
                        && (id == null || id.equals(candidate.envelope.id()))) {
                    candidate.returned = replyText;
                    return;
                }
            }
            log.debug("Returned message {} ({}) matched no pending publish", id, replyText);
        }
    }

    /**
     * One publish on its way: waiting for the connection, or for its confirm. Its exchange and
     * routing key are chosen when it is written: a delayed message's remaining delay is measured
     * then, so one that waited for the connection is not held longer than asked.
     */
    private static final class Pending {
        final Envelope envelope;
        final long deadline;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        volatile String exchange;
        volatile String routingKey;
        volatile boolean mandatory;
        volatile String returned;

        Pending(Envelope envelope, long deadline) {
            this.envelope = envelope;
            this.deadline = deadline;
        }

        /**
         * Chooses exchange, routing key and the mandatory flag: a topic's exchange, a queue
         * through the default exchange (mandatory), or, for a message still due later, the
         * {@link DelayLevels delay level} of its remaining delay. False when the key would be too long.
         */
        boolean route() {
            Destination destination = envelope.destination();
            long delay = envelope.deliverAt() == null ? 0
                    : envelope.deliverAt().toEpochMilli() - System.currentTimeMillis();
            if (delay <= 0) {
                exchange = destination.isQueue() ? "" : destination.name();
                routingKey = destination.name();
                mandatory = destination.isQueue();
                return true;
            }
            long units = DelayLevels.units(delay);
            exchange = DelayLevels.level(DelayLevels.firstLevel(units));
            routingKey = DelayLevels.routingKey(units, destination);
            mandatory = true;
            return routingKey.length() <= MAX_ROUTING_KEY; // Courier names are ASCII
        }

        void confirmed() {
            if (returned != null) {
                fail(envelope.destination() + " does not exist on the broker, nothing was stored (" + returned
                        + "); declare it first");
            } else {
                future.complete(null);
            }
        }

        void fail(String reason) {
            future.completeExceptionally(new PublishException("could not publish message " + envelope.id() + " to "
                    + envelope.destination() + ": " + reason));
        }
    }
}
