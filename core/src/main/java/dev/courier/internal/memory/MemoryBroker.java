package dev.courier.internal.memory;

import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.NamedThreadFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process broker behind one {@code memory://name}: topics with durable groups, and work
 * queues, kept for the life of the JVM. Thread safe.
 *
 * <p>A message with a due time waits on one timer thread shared by every memory broker (no
 * polling), then is stored like a fresh send, without its due time, into the groups and queue
 * that exist then. It outlives every bus of the JVM and a {@link #stop() stop}: one that comes due
 * while the broker is down is stored and delivered once it is back.
 */
final class MemoryBroker {

    /** How late after its due time a delayed message is stored at most, on an idle JVM. */
    static final Duration DELAY_GRANULARITY = Duration.ofMillis(100);
    /** The longest delay: the memory broker lives as long as the JVM, so this is no real limit. */
    static final Duration MAX_DELAY = Duration.ofDays(3650);

    private static final Logger log = LoggerFactory.getLogger(MemoryBroker.class);

    private static final Map<String, MemoryBroker> BROKERS = new ConcurrentHashMap<>();

    private final Map<String, MemoryTopic> topics = new ConcurrentHashMap<>();
    private final Map<String, MemoryQueue> queues = new ConcurrentHashMap<>();
    /** Open reply inboxes by address. */
    private final Map<String, DeliverySink> inboxes = new ConcurrentHashMap<>();

    private volatile boolean up = true;
    private volatile CountDownLatch declarationsHeld;
    private final AtomicLong declarations = new AtomicLong();
    /** Destination names whose sends are refused, with the reason given. */
    private final Map<String, String> refused = new ConcurrentHashMap<>();

    static MemoryBroker named(String name) {
        return BROKERS.computeIfAbsent(name, n -> new MemoryBroker());
    }

    boolean isUp() {
        return up;
    }

    /** Simulates a broker going down: sends fail and every unsettled delivery returns to its queue. */
    void stop() {
        up = false;
        allQueues().forEach(MemoryQueue::returnUnsettled);
    }

    /** Brings a stopped broker back; consumers resume where the queues stand. */
    void start() {
        up = true;
        allQueues().forEach(MemoryQueue::resume);
    }

    private Stream<MemoryQueue> allQueues() {
        return Stream.concat(queues.values().stream(),
                topics.values().stream().flatMap(topic -> Arrays.stream(topic.groups)));
    }

    void holdDeclarations() {
        if (declarationsHeld == null) {
            declarationsHeld = new CountDownLatch(1);
        }
    }

    void releaseDeclarations() {
        CountDownLatch held = declarationsHeld;
        declarationsHeld = null;
        if (held != null) {
            held.countDown();
        }
    }

    void refuseSends(String destination, String reason) {
        refused.put(destination, reason);
    }

    void acceptSends(String destination) {
        refused.remove(destination);
    }

    /** Why sends to {@code destination} are refused, or {@code null} when they are not. */
    String refusal(Destination destination) {
        return refused.isEmpty() ? null : refused.get(destination.name());
    }

    long declarations() {
        return declarations.get();
    }

    /** Counts a declaration and waits while declarations are held; false if interrupted meanwhile. */
    boolean awaitDeclarations() {
        declarations.incrementAndGet();
        CountDownLatch held = declarationsHeld;
        if (held == null) {
            return true;
        }
        try {
            held.await();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void declare(Destination destination) {
        if (destination.isQueue()) {
            queue(destination.name());
        } else {
            topic(destination.name());
        }
    }

    /** Deletes an ephemeral destination with its messages; consumers still attached get nothing more. */
    void remove(Destination destination) {
        if (destination.isQueue()) {
            queues.remove(destination.name());
        } else {
            topics.remove(destination.name());
        }
    }

    /** Registers the reply inbox {@code address}: replies sent to it go to {@code sink}. */
    void openInbox(String address, DeliverySink sink) {
        inboxes.put(address, sink);
    }

    void closeInbox(String address) {
        inboxes.remove(address);
    }

    /** The sink of the open inbox {@code address}, or {@code null}. */
    DeliverySink inbox(String address) {
        return inboxes.get(address);
    }

    /** True when {@code destination} was declared and not removed. */
    boolean exists(Destination destination) {
        return destination.isQueue() ? queues.containsKey(destination.name()) : topics.containsKey(destination.name());
    }

    MemoryQueue queue(String name) {
        return queues.computeIfAbsent(name, n -> new MemoryQueue(this));
    }

    MemoryQueue group(String topic, String group) {
        return topic(topic).group(group);
    }

    /** Forgets a topic's group and what it holds (a tail's group when the tail stops). */
    void removeGroup(String topic, String group) {
        MemoryTopic held = topics.get(topic);
        if (held != null) {
            held.remove(group);
        }
    }

    private MemoryTopic topic(String name) {
        return topics.computeIfAbsent(name, n -> new MemoryTopic(this));
    }

    /**
     * Stores the envelope in its queue, or in every group of its topic; one with a due time is
     * stored then (see the class comment). False if it was never declared.
     */
    boolean store(Envelope envelope) {
        if (envelope.deliverAt() != null) {
            if (!exists(envelope.destination())) {
                return false;
            }
            long delayMillis = envelope.deliverAt().toEpochMilli() - System.currentTimeMillis();
            Envelope due = envelope.withDeliverAt(null);
            Delays.TIMER.schedule(() -> {
                if (!store(due)) {
                    log.warn("Dropped delayed message {}: {} was removed before it came due", due.id(), due.destination());
                }
            }, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
            return true;
        }
        return offer(envelope.destination(), envelope, null);
    }

    /**
     * Stores {@code run}, envelopes for one destination and due now, in its queue or in every
     * group of its topic, in one go per queue (a batch publish). False if it was never declared.
     */
    boolean storeAll(List<Envelope> run) {
        return offer(run.get(0).destination(), null, run);
    }

    /** Offers {@code one}, or else all of {@code many}, to the queues of {@code destination}: one path, no list made for one. */
    private boolean offer(Destination destination, Envelope one, List<Envelope> many) {
        if (destination.isQueue()) {
            MemoryQueue queue = queues.get(destination.name());
            if (queue == null) {
                return false;
            }
            offer(queue, one, many);
            return true;
        }
        MemoryTopic topic = topics.get(destination.name());
        if (topic == null) {
            return false;
        }
        // Adding a group and publishing race benignly: a group that exists before the send sees it.
        for (MemoryQueue group : topic.groups) {
            offer(group, one, many);
        }
        return true;
    }

    private static void offer(MemoryQueue queue, Envelope one, List<Envelope> many) {
        if (one != null) {
            queue.offer(one);
        } else {
            queue.offerAll(many);
        }
    }

    /** The one timer thread of delayed messages, started with the first one. */
    private static final class Delays {
        static final ScheduledExecutorService TIMER = timer();

        private static ScheduledExecutorService timer() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                    new NamedThreadFactory("courier-memory-delays"));
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }

    /** A topic's groups: a copy-on-write array, since sends read it far more often than groups are added. */
    private static final class MemoryTopic {
        private final MemoryBroker broker;
        private final Map<String, MemoryQueue> byName = new HashMap<>();
        volatile MemoryQueue[] groups = new MemoryQueue[0];

        MemoryTopic(MemoryBroker broker) {
            this.broker = broker;
        }

        synchronized MemoryQueue group(String name) {
            MemoryQueue queue = byName.get(name);
            if (queue == null) {
                queue = new MemoryQueue(broker);
                byName.put(name, queue);
                groups = byName.values().toArray(new MemoryQueue[0]);
            }
            return queue;
        }

        synchronized void remove(String name) {
            if (byName.remove(name) != null) {
                groups = byName.values().toArray(new MemoryQueue[0]);
            }
        }
    }
}
