package dev.courier.internal.memory;

import dev.courier.internal.WorkerRun;
import dev.courier.spi.Consumer;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.SettleOnceDelivery;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
    private static final Comparator<MemoryDelivery> BY_SEQUENCE = Comparator.comparingLong(MemoryDelivery::sequence);
    private static final VarHandle NEXT_INCOMING;
    /** What the stub {@link Locked#incomingHead} starts as holds; never delivered. */
    private static final Envelope STUB = new Envelope("stub", Destination.queue("stub"), null, Map.of(), new byte[0],
            "application/octet-stream", Instant.EPOCH);
    /** Array cells alone on their cache lines: the middle of {@value #CELL} slots, 64 bytes and more from either end. */
    private static final int CELL = 32;
    private static final int CELL_MIDDLE = CELL / 2;
    private static final VarHandle CELL_REFERENCE = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle CELL_INT = MethodHandles.arrayElementVarHandle(int[].class);

    static {
        try {
            NEXT_INCOMING = MethodHandles.lookup().findVarHandle(MemoryDelivery.class, "nextIncoming", MemoryDelivery.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Messages sent and not yet moved into {@link #fresh}, oldest first: a queue senders append to
     * without the lock (Vyukov's multi-producer single-consumer queue: one atomic exchange and one
     * link per message, {@link #append}), which a holder of the lock moves into {@code fresh}
     * before it looks at what is ready ({@link #moveIncomingLocked}). So a sender takes the lock
     * only when it drains, and the handler thread, which drains in batches, does not contend
     * with a sender per message. This holds the message appended last, {@link Locked#incomingHead}
     * the one moved last (or a stub).
     *
     * <p>It and {@link #consumersWithoutRun}, which senders also touch on every message, each sit
     * in the middle of an array cell of their own, alone on their cache lines (the handler
     * thread writing next to them would make each send miss the cache); they are declared first,
     * so that this queue's object, which senders read too, is followed by them rather than by
     * what the handler thread writes.
     */
    private final Object[] incomingTail = new Object[CELL];
    /**
     * Attached consumers with no handler run draining for them ({@link RunAcks}); while there are
     * none, a sender leaves its message without looking at the consumers. Changed under the lock.
     */
    private final int[] consumersWithoutRun = new int[CELL];
    private final Locked lock = new Locked();
    /**
     * The ready messages are those sent and never delivered, already in publish order (a deque:
     * no ordering work per message), and those given back, ordered by sequence; the next ready
     * one is the older of the two heads.
     */
    private final ArrayDeque<MemoryDelivery> fresh = new ArrayDeque<>();
    private final PriorityQueue<MemoryDelivery> givenBack = new PriorityQueue<>(BY_SEQUENCE);
    /** Copied on write under the lock; read without it by senders deciding whether to drain. */
    private volatile MemoryConsumer[] consumers = new MemoryConsumer[0];
    private final AtomicInteger drainRequests = new AtomicInteger();
    /**
     * The deliveries one pass of {@link #drain()} took under the lock, to hand to sinks outside it:
     * one lock hold per {@value #DRAIN_BATCH} deliveries rather than per delivery (the lock is the
     * one the draining and the settling threads contend for). Used by the one thread draining.
     */
    private final MemoryDelivery[] batch = new MemoryDelivery[DRAIN_BATCH];
    private final MemoryBroker broker;

    MemoryQueue(MemoryBroker broker) {
        this.broker = broker;
        lock.incomingHead = new MemoryDelivery(STUB, 1);
        incomingTail[CELL_MIDDLE] = lock.incomingHead;
    }

    void offer(Envelope envelope) {
        append(new MemoryDelivery(envelope, 1));
        drainIfNobodyWill();
    }

    /** Offers {@code envelopes} in their order (a batch publish), deciding once whether to drain. */
    void offerAll(List<Envelope> envelopes) {
        for (int i = 0; i < envelopes.size(); i++) {
            append(new MemoryDelivery(envelopes.get(i), 1));
        }
        drainIfNobodyWill();
    }

    /** Appends to {@link #incomingTail}, in the order of the appends. */
    private void append(MemoryDelivery message) {
        MemoryDelivery previous = (MemoryDelivery) CELL_REFERENCE.getAndSet(incomingTail, CELL_MIDDLE, message);
        // a volatile write, before this sender looks at the consumers: a drain that starts after
        // it sees the message, or this sender sees what that drain's thread did before (see below)
        previous.nextIncoming = message;
    }

    /**
     * After an offer: drains, unless every consumer is full, whose settle that makes room drains
     * (it saw its consumer full), or has a handler thread's run going that drains for it before
     * it ends ({@link RunAcks}): the sender need not contend for the lock, nor do the delivering
     * (and touch the data) that thread does anyway. Without the lock: each of those threads
     * changes what this reads (a volatile write or a full fence) before it looks for messages
     * (a volatile read of the incoming links), and this sender linked its message (a volatile
     * write) before it reads: one of the two sees the other.
     */
    private void drainIfNobodyWill() {
        if ((int) CELL_INT.getVolatile(consumersWithoutRun, CELL_MIDDLE) != 0 && anyToDeliverToNow()) {
            drain();
        }
    }

    /**
     * Becomes the drainer if nobody drains, and then takes the first batch in the lock hold the
     * caller has already (one hold fewer for the settling thread). Returns the deliveries taken
     * into {@link #batch}, or {@link #NOT_DRAINING} when another thread drains: it was asked to go
     * on, as {@link #drain()} does. Its atomic increment comes before the look at the incoming
     * messages: a full fence after the caller's changes to its consumer (see {@link #drainIfNobodyWill}).
     */
    private int claimDrainLocked() {
        return drainRequests.getAndIncrement() == 0 ? takeLocked() : NOT_DRAINING;
    }

    /**
     * Whether a consumer has room and no handler run going that would drain for it ({@link RunAcks}).
     * Racy reads: a run's end or a settle that changes them looks for messages after (see above).
     */
    private boolean anyToDeliverToNow() {
        for (MemoryConsumer consumer : consumers) {
            if (consumer.runsDraining == 0 && consumer.fetching && consumer.inFlight < consumer.maxInFlight) {
                return true;
            }
        }
        return false;
    }

    /** Moves what senders appended into {@link #fresh}, in their order. Call holding the lock. */
    private void moveIncomingLocked() {
        MemoryDelivery head = lock.incomingHead;
        MemoryDelivery next;
        while ((next = head.nextIncoming) != null) {
            NEXT_INCOMING.set(head, null); // plain: no sender writes a link twice; kept, it would chain old entries to new
            next.sequence = lock.nextSequence++;
            fresh.add(next);
            head = next;
        }
        lock.incomingHead = head;
    }

    /**
     * Removes the oldest ready message and returns its next delivery: itself when it was never
     * delivered, else a new one (the one given back may still be acked, late, and ignored), or
     * {@code null}. Call holding the lock.
     */
    private MemoryDelivery pollReadyLocked() {
        MemoryDelivery first = fresh.peek();
        MemoryDelivery back = givenBack.peek();
        if (back == null || (first != null && first.sequence < back.sequence)) {
            return fresh.poll();
        }
        givenBack.poll();
        MemoryDelivery again = new MemoryDelivery(back.envelope(), back.deliveryCount() + 1);
        again.sequence = back.sequence;
        return again;
    }

    private boolean noneReadyLocked() {
        moveIncomingLocked();
        return fresh.isEmpty() && givenBack.isEmpty();
    }

    private Stream<MemoryDelivery> readyLocked() {
        moveIncomingLocked();
        return Stream.concat(fresh.stream(), givenBack.stream());
    }

    /**
     * Attaches a consumer; with an {@code ackDeadline}, a delivery it neither settles nor marks in
     * progress for that long is given back and delivered again (its late ack is then ignored).
     */
    Consumer attach(int maxInFlight, DeliverySink sink, Duration ackDeadline, ScheduledExecutorService deadlines) {
        MemoryConsumer consumer = new MemoryConsumer(maxInFlight, sink, ackDeadline, deadlines);
        synchronized (lock) {
            MemoryConsumer[] more = Arrays.copyOf(consumers, consumers.length + 1);
            more[more.length - 1] = consumer;
            consumers = more;
            consumer.attached = true;
            addConsumersWithoutRunLocked(1);
        }
        drain();
        return consumer;
    }

    int readyCount() {
        synchronized (lock) {
            moveIncomingLocked();
            return fresh.size() + givenBack.size();
        }
    }

    /** Up to {@code max} ready messages, oldest first, left in place. */
    List<Envelope> waiting(int max) {
        synchronized (lock) {
            return readyLocked().sorted(BY_SEQUENCE).limit(max)
                    .map(MemoryDelivery::envelope).toList();
        }
    }

    /** Removes the oldest ready message with this id; false when none is ready. */
    boolean removeWaiting(String id) {
        synchronized (lock) {
            return readyLocked().filter(ready -> ready.envelope().id().equals(id)).min(BY_SEQUENCE)
                    .map(ready -> fresh.remove(ready) || givenBack.remove(ready)).orElse(false);
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
            MemoryDelivery delivery = pollReadyLocked();
            delivery.consumer = consumer;
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
        MemoryConsumer[] all = consumers;
        for (int i = 0; i < all.length; i++) {
            MemoryConsumer candidate = all[(lock.roundRobin + i) % all.length];
            if (candidate.fetching && candidate.inFlight < candidate.maxInFlight) {
                lock.roundRobin = (lock.roundRobin + i + 1) % all.length;
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
                givenBack.add(delivery);
            }
        }
    }

    /**
     * Acks {@code delivery} when the handler thread's run of tasks flushes ({@link WorkerRun}):
     * the acks of a run go to the queue in one lock hold, and the deliveries they make room for
     * are taken in batches, instead of one lock hold and one delivery per message. Until then the
     * delivery counts against its consumer's max in-flight (back-pressure only tighter) and counts
     * as acked when given back (close, ack deadline, broker stop), as it would had the ack been
     * applied.
     */
    private void deferAck(MemoryDelivery delivery, WorkerRun run) {
        MemoryConsumer consumer = delivery.consumer;
        delivery.ackDeferred = true;
        RunAcks acks = consumer.lastAcks;
        if (acks == null || acks.run != run) {
            acks = new RunAcks(consumer, run);
            consumer.lastAcks = acks;
        }
        if (!acks.draining) {
            acks.draining = true;
            synchronized (lock) {
                if (consumer.runsDraining++ == 0 && consumer.attached) {
                    addConsumersWithoutRunLocked(-1);
                }
            }
            run.atEnd(acks.ending);
        }
        if (acks.first == null) {
            run.defer(acks);
        }
        delivery.nextAcked = acks.first;
        acks.first = delivery;
    }

    /**
     * Applies the acks a run deferred for a consumer so far in one lock hold, and drains if a
     * message is ready (one a sender left for this run's drains included).
     */
    private void applyAcks(RunAcks acks) {
        MemoryDelivery delivery = acks.first;
        if (delivery == null) {
            return;
        }
        acks.first = null; // before draining: a delivery handed out now may be acked (deferred) into it again
        int taken;
        synchronized (lock) {
            while (delivery != null) {
                MemoryDelivery next = delivery.nextAcked;
                delivery.nextAcked = null;
                if (delivery.held) {
                    acks.consumer.releaseLocked(delivery);
                }
                delivery = next;
            }
            taken = drainIfReadyLocked();
        }
        drainFrom(taken);
    }

    /**
     * The end of a run that drained for a consumer ({@link RunAcks}), after its last flush: senders
     * drain for the consumer again, and this drains what they left meanwhile.
     */
    private void endDraining(RunAcks acks) {
        acks.draining = false;
        int taken;
        MemoryConsumer consumer = acks.consumer;
        synchronized (lock) {
            if (--consumer.runsDraining == 0 && consumer.attached) {
                // an atomic add, before this looks for messages: a sender that saw no consumer
                // without a run, and left its message to this one, linked it before
                addConsumersWithoutRunLocked(1);
            }
            taken = drainIfReadyLocked();
        }
        drainFrom(taken);
    }

    /** Counts consumers attached and without a draining run; holding the lock (so counts and flags agree). */
    private void addConsumersWithoutRunLocked(int delta) {
        CELL_INT.getAndAdd(consumersWithoutRun, CELL_MIDDLE, delta);
    }

    /** Claims the drain ({@link #claimDrainLocked}) if a message is ready. */
    private int drainIfReadyLocked() {
        return noneReadyLocked() ? NOT_DRAINING : claimDrainLocked();
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
                givenBack.add(delivery);
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

    /** The queue's lock, and the state only its holders write, kept off the queue's object (which senders read). */
    private static final class Locked {
        /** The message moved from {@link #incomingTail}'s queue last, or the stub it started with. */
        MemoryDelivery incomingHead;
        long nextSequence;
        int roundRobin;
    }

    /**
     * What one handler run ({@link WorkerRun}) does for a consumer: the acks it deferred, a list
     * linked through the deliveries, applied at each flush; and, from its first ack until it ends,
     * the drains of the consumer: each flush and the run's end drain what is ready, so senders
     * leave messages to it ({@link #anyToDeliverToNow}). Only the run's thread touches it:
     * deferring an ack writes nothing another thread reads, and the consumer's count of draining
     * runs changes twice per run. (A stack of acks shared by the consumer's runs had cost a
     * compare-and-set per message and a cache miss to each sender checking it, and senders
     * delivering between a flush and the next ack had split each message's work, and the data
     * it touches, between their thread and the handler's.)
     */
    private final class RunAcks implements WorkerRun.Deferred {
        final MemoryConsumer consumer;
        final WorkerRun run;
        /** The acks deferred since the last flush. */
        MemoryDelivery first;
        /** Counted in the consumer's {@code runsDraining}, {@link #ending} waiting for the run's end. */
        boolean draining;
        final WorkerRun.Deferred ending = () -> endDraining(this);

        RunAcks(MemoryConsumer consumer, WorkerRun run) {
            this.consumer = consumer;
            this.run = run;
        }

        /** Applies the acks deferred so far ({@link WorkerRun}). */
        @Override
        public void flush() {
            applyAcks(this);
        }
    }

    private final class MemoryConsumer implements Consumer {
        final int maxInFlight;
        final DeliverySink sink;
        /**
         * The deliveries not settled yet, a list linked through them (so holding one allocates
         * nothing), and how many; guarded by the queue's lock. The count is volatile for senders
         * reading it without the lock ({@link #anyToDeliverToNow}): a settle that makes room writes
         * it before looking for messages, a sender links its message before reading it, so one of
         * the two sees the other.
         */
        private MemoryDelivery first;
        volatile int inFlight;
        volatile boolean fetching = true;
        final AtomicBoolean closed = new AtomicBoolean();
        /**
         * Handler runs that drain for this consumer until they end ({@link RunAcks}), and whether it
         * is attached (counted in {@code consumersWithoutRun} while it has none); guarded by the
         * lock. And the state of the run that deferred an ack last (each run makes its own when it
         * finds another's).
         */
        int runsDraining;
        boolean attached;
        volatile RunAcks lastAcks;

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
                consumers = Arrays.stream(consumers).filter(other -> other != this).toArray(MemoryConsumer[]::new);
                attached = false;
                if (runsDraining == 0) {
                    addConsumersWithoutRunLocked(-1);
                }
                giveBackAllLocked();
            }
            drain();
        }
    }

    /**
     * A message's delivery; also the message itself while it waits to be delivered (each message
     * is made as its first delivery, and a message given back is the delivery given back), so a
     * message delivered once costs one object.
     */
    private final class MemoryDelivery extends SettleOnceDelivery {
        /** Its message's place in publish order, given when moved into {@link #fresh}; guarded by the lock. */
        long sequence;
        /** The message sent after it, linked by that message's sender ({@link #append}). */
        volatile MemoryDelivery nextIncoming;
        /** Whose it is, from when it is taken (under the lock, before it is handed out). */
        MemoryConsumer consumer;
        /** In its consumer's unsettled list, and its neighbours there; guarded by the queue's lock. */
        boolean held;
        MemoryDelivery previous;
        MemoryDelivery next;
        /** Acked, the ack waiting in a run's {@link RunAcks} (linked through {@code nextAcked}). */
        volatile boolean ackDeferred;
        MemoryDelivery nextAcked;
        /** When the consumer last showed progress ({@link System#nanoTime()}); read only with an ack deadline. */
        volatile long touched;

        @Override
        public void inProgress() {
            touched = System.nanoTime();
        }

        MemoryDelivery(Envelope envelope, int count) {
            super(envelope, count);
        }

        long sequence() {
            return sequence;
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
