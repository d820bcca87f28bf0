package dev.courier.internal.memory;

import dev.courier.internal.WorkerRun;
import dev.courier.spi.Consumer;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Envelope;
import dev.courier.spi.SettleOnceDelivery;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One group's (or one work queue's) messages: ready ones in publish order, and those delivered to
 * a consumer and not yet settled. Consumers compete; each gets at most its max in-flight.
 *
 * <p>Deliveries are handed to sinks by one thread at a time (whoever finds the queue idle drains
 * it), outside the lock, so order is kept and sinks never run under the lock.
 */
final class MemoryQueue {

    private static final Logger log = LoggerFactory.getLogger(MemoryQueue.class);
    private static final int DRAIN_BATCH = 64;
    /** What {@link #claimDrainLocked()} returns when another thread drains. */
    private static final int NOT_DRAINING = -1;
    private static final Comparator<Entry> BY_SEQUENCE = Comparator.comparingLong(Entry::sequence);

    private final Object lock = new Object();
    /**
     * The ready messages are those sent and never delivered, already in publish order (a deque:
     * no ordering work per message), and those given back, ordered by sequence; the next ready
     * one is the older of the two heads.
     */
    private final ArrayDeque<Entry> fresh = new ArrayDeque<>();
    private final PriorityQueue<Entry> givenBack = new PriorityQueue<>(BY_SEQUENCE);
    private final List<MemoryConsumer> consumers = new ArrayList<>();
    private final AtomicInteger drainRequests = new AtomicInteger();
    /**
     * The deliveries one pass of {@link #drain()} took under the lock, to hand to sinks outside it:
     * one lock hold per {@value #DRAIN_BATCH} deliveries rather than per delivery (the lock is the
     * one the sending and the settling threads contend for). Used by the one thread draining.
     */
    private final MemoryDelivery[] batch = new MemoryDelivery[DRAIN_BATCH];
    private final MemoryBroker broker;
    private long nextSequence;
    private int roundRobin;

    MemoryQueue(MemoryBroker broker) {
        this.broker = broker;
    }

    void offer(Envelope envelope) {
        int taken;
        synchronized (lock) {
            fresh.add(new Entry(nextSequence++, envelope));
            taken = drainAfterOfferLocked();
        }
        drainFrom(taken);
    }

    /** Offers {@code envelopes} in their order in one hold of the lock (a batch publish). */
    void offerAll(List<Envelope> envelopes) {
        int taken;
        synchronized (lock) {
            for (int i = 0; i < envelopes.size(); i++) {
                fresh.add(new Entry(nextSequence++, envelopes.get(i)));
            }
            taken = drainAfterOfferLocked();
        }
        drainFrom(taken);
    }

    /**
     * After an offer: claims the drain (see {@link #claimDrainLocked}), or leaves it, returning
     * {@link #NOT_DRAINING}, when every consumer is full, whose settle that makes room drains (it
     * saw its consumer full), or has acks to apply, whose handler thread drains when it applies
     * them: the sender need not contend for the drain.
     */
    private int drainAfterOfferLocked() {
        return anyToDeliverToNowLocked() ? claimDrainLocked() : NOT_DRAINING;
    }

    /**
     * Becomes the drainer if nobody drains, and then takes the first batch in the lock hold the
     * caller has already (one hold per message fewer for the sender and the settler, the two
     * threads contending for the lock). Returns the deliveries taken into {@link #batch}, or
     * {@link #NOT_DRAINING} when another thread drains: it was asked to go on, as {@link #drain()} does.
     */
    private int claimDrainLocked() {
        return drainRequests.getAndIncrement() == 0 ? takeLocked() : NOT_DRAINING;
    }

    /** Whether a consumer has room and no deferred acks to apply, which would drain for it ({@link #applyAcks}). */
    private boolean anyToDeliverToNowLocked() {
        for (int i = 0; i < consumers.size(); i++) {
            MemoryConsumer consumer = consumers.get(i);
            if (consumer.fetching && consumer.inFlight < consumer.maxInFlight && consumer.acked.get() == null) {
                return true;
            }
        }
        return false;
    }

    /** Removes and returns the oldest ready entry, or {@code null}. Call holding the lock. */
    private Entry pollReadyLocked() {
        Entry first = fresh.peek();
        Entry back = givenBack.peek();
        if (back == null || (first != null && first.sequence < back.sequence)) {
            return fresh.poll();
        }
        return givenBack.poll();
    }

    private boolean noneReadyLocked() {
        return fresh.isEmpty() && givenBack.isEmpty();
    }

    private Stream<Entry> readyLocked() {
        return Stream.concat(fresh.stream(), givenBack.stream());
    }

    /**
     * Attaches a consumer; with an {@code ackDeadline}, a delivery it neither settles nor marks in
     * progress for that long is given back and delivered again (its late ack is then ignored).
     */
    Consumer attach(int maxInFlight, DeliverySink sink, Duration ackDeadline, ScheduledExecutorService deadlines) {
        MemoryConsumer consumer = new MemoryConsumer(maxInFlight, sink, ackDeadline, deadlines);
        synchronized (lock) {
            consumers.add(consumer);
        }
        drain();
        return consumer;
    }

    int readyCount() {
        synchronized (lock) {
            return fresh.size() + givenBack.size();
        }
    }

    /** Up to {@code max} ready messages, oldest first, left in place. */
    List<Envelope> waiting(int max) {
        synchronized (lock) {
            return readyLocked().sorted(BY_SEQUENCE).limit(max)
                    .map(entry -> entry.envelope).toList();
        }
    }

    /** Removes the oldest ready message with this id; false when none is ready. */
    boolean removeWaiting(String id) {
        synchronized (lock) {
            return readyLocked().filter(entry -> entry.envelope.id().equals(id)).min(BY_SEQUENCE)
                    .map(entry -> fresh.remove(entry) || givenBack.remove(entry)).orElse(false);
        }
    }

    private void drain() {
        if (drainRequests.getAndIncrement() != 0) {
            return;
        }
        int taken;
        synchronized (lock) {
            taken = takeLocked();
        }
        drainFrom(taken);
    }

    /**
     * Drains as the one drainer, the first {@code taken} deliveries already in {@link #batch}
     * (nothing when {@code taken} is {@link #NOT_DRAINING}: another thread drains).
     */
    private void drainFrom(int taken) {
        if (taken == NOT_DRAINING) {
            return;
        }
        int missed = 1;
        while (true) {
            handOutBatch(taken);
            if (taken == DRAIN_BATCH) {
                synchronized (lock) {
                    taken = takeLocked();
                }
                continue;
            }
            missed = drainRequests.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
            synchronized (lock) {
                taken = takeLocked();
            }
        }
    }

    /** Takes up to {@value #DRAIN_BATCH} deliveries into {@link #batch}; call holding the lock, as the drainer. */
    private int takeLocked() {
        int taken = 0;
        while (taken < DRAIN_BATCH && !noneReadyLocked() && broker.isUp()) {
            MemoryConsumer consumer = nextWithRoom();
            if (consumer == null) {
                break;
            }
            Entry entry = pollReadyLocked();
            entry.deliveries++;
            MemoryDelivery delivery = new MemoryDelivery(entry, consumer, entry.deliveries);
            consumer.holdLocked(delivery);
            batch[taken++] = delivery;
        }
        return taken;
    }

    /** Hands the first {@code taken} deliveries of {@link #batch} to their sinks, outside the lock. */
    private void handOutBatch(int taken) {
        for (int i = 0; i < taken; i++) {
            MemoryDelivery delivery = batch[i];
            batch[i] = null;
            if (delivery.consumer.ackDeadline != null) {
                delivery.touched = System.nanoTime();
                watch(delivery, delivery.consumer.ackDeadline.toNanos());
            }
            handOut(delivery);
        }
    }

    /**
     * Gives {@code delivery} to its consumer's sink. A sink that throws keeps the delivery (its
     * ack deadline or its consumer's close gives it back) but must not end this drain: the rest
     * of the batch, and every later message of the queue, would stay undelivered.
     */
    private static void handOut(MemoryDelivery delivery) {
        try {
            delivery.consumer.sink.deliver(delivery);
        } catch (RuntimeException e) {
            log.error("The consumer of {} threw taking message {} (delivery {}); it stays with that consumer until "
                    + "its ack deadline or close", delivery.envelope().destination(), delivery.envelope().id(),
                    delivery.deliveryCount(), e);
        }
    }

    private MemoryConsumer nextWithRoom() {
        for (int i = 0; i < consumers.size(); i++) {
            MemoryConsumer candidate = consumers.get((roundRobin + i) % consumers.size());
            if (candidate.fetching && candidate.inFlight < candidate.maxInFlight) {
                roundRobin = (roundRobin + i + 1) % consumers.size();
                return candidate;
            }
        }
        return null;
    }

    /** Gives {@code delivery} back once it was neither settled nor in progress for the ack deadline. */
    private void watch(MemoryDelivery delivery, long delayNanos) {
        try {
            delivery.consumer.deadlines.schedule(() -> {
                long left = delivery.touched + delivery.consumer.ackDeadline.toNanos() - System.nanoTime();
                if (left > 0) {
                    watch(delivery, left);
                    return;
                }
                boolean expired;
                synchronized (lock) {
                    expired = delivery.held;
                    giveBackLocked(delivery);
                }
                if (expired) {
                    drain();
                }
            }, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            // the transport closed: its consumers gave everything back
        }
    }

    /** Like a broker losing its connections: every unsettled message becomes ready again. */
    void returnUnsettled() {
        synchronized (lock) {
            for (MemoryConsumer consumer : consumers) {
                consumer.giveBackAllLocked();
            }
        }
    }

    void resume() {
        drain();
    }

    /**
     * Makes an unsettled delivery ready again, unless it was settled meanwhile; one acked and
     * waiting for its handler thread to apply the ack ({@link #deferAck}) counts as settled. Call
     * holding the lock.
     */
    private void giveBackLocked(MemoryDelivery delivery) {
        if (delivery.held) {
            delivery.consumer.releaseLocked(delivery);
            if (!delivery.ackDeferred) {
                givenBack.add(delivery.entry);
            }
        }
    }

    /**
     * Acks {@code delivery} when the handler thread's run of tasks flushes ({@link WorkerRun}):
     * the acks of a run go to the queue in one lock hold, and the deliveries they make room for
     * are taken in batches, instead of one lock hold and one delivery per message on the thread
     * the publisher contends with. Until then the delivery counts against its consumer's max
     * in-flight (back-pressure only tighter) and counts as acked when given back (close, ack
     * deadline, broker stop), as it would had the ack been applied.
     */
    private void deferAck(MemoryDelivery delivery, WorkerRun run) {
        MemoryConsumer consumer = delivery.consumer;
        delivery.ackDeferred = true;
        MemoryDelivery head;
        do {
            head = consumer.acked.get();
            delivery.nextAcked = head;
        } while (!consumer.acked.compareAndSet(head, delivery));
        run.defer(consumer);
    }

    /**
     * Applies every ack deferred for {@code consumer} in one lock hold, and drains if a message is
     * ready (one a sender left for this drain, seeing the acks waiting, included).
     */
    private void applyAcks(MemoryConsumer consumer) {
        MemoryDelivery delivery = consumer.acked.getAndSet(null);
        if (delivery == null) {
            return;
        }
        int taken;
        synchronized (lock) {
            while (delivery != null) {
                MemoryDelivery next = delivery.nextAcked;
                delivery.nextAcked = null;
                if (delivery.held) {
                    consumer.releaseLocked(delivery);
                }
                delivery = next;
            }
            // drains even when it released nothing (acks given back meanwhile): a sender that saw
            // these acks waiting left its message to this drain
            if (noneReadyLocked()) {
                return;
            }
            taken = claimDrainLocked();
        }
        drainFrom(taken);
    }

    /**
     * Settles a delivery once: whoever takes it from its consumer's unsettled list (this, or a
     * close or broker stop giving it back) decides. One short hold of the queue's lock, no allocation.
     */
    private void settle(MemoryDelivery delivery, boolean redeliver) {
        MemoryConsumer consumer = delivery.consumer;
        int taken;
        synchronized (lock) {
            if (!delivery.held) {
                return;
            }
            boolean wasFull = consumer.inFlight >= consumer.maxInFlight;
            consumer.releaseLocked(delivery);
            if (redeliver) {
                givenBack.add(delivery.entry);
            }
            // a consumer with room left has already been given everything ready: only a full one
            // that now has room, or a message given back, can start new deliveries
            if (!wasFull && !redeliver) {
                return;
            }
            taken = claimDrainLocked();
        }
        drainFrom(taken);
    }

    /** A message and how often it was delivered. */
    private static final class Entry {
        final long sequence;
        final Envelope envelope;
        int deliveries;

        Entry(long sequence, Envelope envelope) {
            this.sequence = sequence;
            this.envelope = envelope;
        }

        long sequence() {
            return sequence;
        }
    }

    private final class MemoryConsumer implements Consumer, WorkerRun.Deferred {
        final int maxInFlight;
        final DeliverySink sink;
        /**
         * The deliveries not settled yet, a list linked through them (so holding one allocates
         * nothing), and how many; guarded by the queue's lock.
         */
        private MemoryDelivery first;
        int inFlight;
        volatile boolean fetching = true;
        final AtomicBoolean closed = new AtomicBoolean();
        /** Acks deferred to their handler thread's flush, a stack linked through the deliveries. */
        final AtomicReference<MemoryDelivery> acked = new AtomicReference<>();

        final Duration ackDeadline;
        final ScheduledExecutorService deadlines;

        MemoryConsumer(int maxInFlight, DeliverySink sink, Duration ackDeadline, ScheduledExecutorService deadlines) {
            this.maxInFlight = maxInFlight;
            this.sink = sink;
            this.ackDeadline = ackDeadline;
            this.deadlines = deadlines;
        }

        @Override
        public void stopFetching() {
            fetching = false;
        }

        /** Applies the acks deferred for this consumer ({@link WorkerRun}). */
        @Override
        public void flush() {
            applyAcks(this);
        }

        void holdLocked(MemoryDelivery delivery) {
            delivery.held = true;
            delivery.next = first;
            if (first != null) {
                first.previous = delivery;
            }
            first = delivery;
            inFlight++;
        }

        void releaseLocked(MemoryDelivery delivery) {
            delivery.held = false;
            if (delivery.previous != null) {
                delivery.previous.next = delivery.next;
            } else {
                first = delivery.next;
            }
            if (delivery.next != null) {
                delivery.next.previous = delivery.previous;
            }
            delivery.previous = null;
            delivery.next = null;
            inFlight--;
        }

        /** Gives back every unsettled delivery. Call holding the lock. */
        void giveBackAllLocked() {
            while (first != null) {
                giveBackLocked(first);
            }
        }

        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            fetching = false;
            synchronized (lock) {
                consumers.remove(this);
                giveBackAllLocked();
            }
            drain();
        }
    }

    private final class MemoryDelivery extends SettleOnceDelivery {
        final Entry entry;
        final MemoryConsumer consumer;
        /** In its consumer's unsettled list, and its neighbours there; guarded by the queue's lock. */
        boolean held;
        MemoryDelivery previous;
        MemoryDelivery next;
        /** Acked, the ack waiting in its consumer's {@code acked} stack (linked through {@code nextAcked}). */
        volatile boolean ackDeferred;
        MemoryDelivery nextAcked;
        /** When the consumer last showed progress ({@link System#nanoTime()}); read only with an ack deadline. */
        volatile long touched;

        @Override
        public void inProgress() {
            touched = System.nanoTime();
        }

        MemoryDelivery(Entry entry, MemoryConsumer consumer, int count) {
            super(entry.envelope, count);
            this.entry = entry;
            this.consumer = consumer;
        }

        @Override
        protected void settle(boolean ack) {
            WorkerRun run = ack ? WorkerRun.current() : null;
            if (run != null) {
                deferAck(this, run);
            } else {
                MemoryQueue.this.settle(this, !ack);
            }
        }
    }
}
