package dev.courier.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BatchOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.MessageTooLargeException;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishReceipt;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Subscription;
import dev.courier.api.WorkQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The batch contract: {@link MessageBus#publishAll} (every message sent, one stage per message in
 * the order given, per-key order kept, nothing sent when one message is refused up front, a
 * message refused by the broker fails only its own stage) and batch consumption
 * ({@link MessageBus#subscribeBatch}, {@link WorkQueue#workBatch}: batches bounded by size, a
 * batch that does not fill closes after its wait, a failed message retried and dead-lettered
 * alone while the others are acknowledged, nothing lost). {@link ConformanceSuite} runs it on
 * every transport as its nested {@code Batches} class, with the suite's names, buses and timeout;
 * tagged {@code batch}, so {@code -Dtest=<Transport>ConformanceTest -Dgroups=batch} runs it alone.
 */
@Tag("batch")
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public abstract class BatchSuite {

    /** A new bus on the broker under test, closed after the test. */
    protected abstract MessageBus connect();

    /** A name unique to this run and test. */
    protected abstract String name(String suffix);

    /** How long to wait for expected deliveries. */
    protected abstract Duration timeout();

    /** A payload size the broker must refuse. */
    protected abstract int oversizedPayloadBytes();

    private static PublishReceipt await(CompletionStage<PublishReceipt> stage) {
        try {
            return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("publish failed: " + e, e);
        }
    }

    private static Set<String> awaitAll(List<CompletionStage<PublishReceipt>> stages) {
        Set<String> ids = new HashSet<>();
        stages.forEach(stage -> ids.add(await(stage).id()));
        return ids;
    }

    private static ConsumerOptions quickRetry(int attempts) {
        return ConsumerOptions.defaults().withRetry(
                RetryPolicy.exponential(attempts, Duration.ofMillis(50), Duration.ofMillis(200)));
    }

    private static List<OutgoingMessage> messages(String topic, int count) {
        List<OutgoingMessage> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            messages.add(OutgoingMessage.of(topic, "m" + i));
        }
        return messages;
    }

    // publishAll -------------------------------------------------------------------------------

    @Test
    void publish_all_returns_one_stage_per_message_in_the_order_given() {
        MessageBus bus = connect();
        String topic = name("all");
        Inbox<String> inbox = new Inbox<>();
        bus.subscribe(topic, "g", String.class, inbox);
        List<OutgoingMessage> messages = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            messages.add(OutgoingMessage.of(topic, "m" + i).withId("id-" + i));
        }

        List<CompletionStage<PublishReceipt>> stages = bus.publishAll(messages);

        assertEquals(30, stages.size());
        String topicOfASinglePublish = await(bus.publish(topic, "single")).topic();
        for (int i = 0; i < 30; i++) {
            PublishReceipt receipt = await(stages.get(i));
            assertEquals("id-" + i, receipt.id());
            assertEquals(topicOfASinglePublish, receipt.topic(), "the receipt names the topic as publish's does");
        }
        inbox.awaitIds(awaitAll(stages), timeout());
    }

    @Test
    void publish_all_keeps_the_order_of_each_key() {
        MessageBus bus = connect();
        String topic = name("allorder");
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        Inbox<Integer> inbox = new Inbox<>(m -> seen.computeIfAbsent(m.key(),
                k -> Collections.synchronizedList(new ArrayList<>())).add(m.payload()));
        bus.subscribe(topic, "g", Integer.class, inbox, ConsumerOptions.concurrency(4));
        List<OutgoingMessage> messages = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            messages.add(OutgoingMessage.of(topic, i).withKey("key" + (i % 3)));
        }

        Set<String> ids = awaitAll(bus.publishAll(messages));

        inbox.awaitIds(ids, timeout());
        for (int k = 0; k < 3; k++) {
            List<Integer> order = new ArrayList<>(seen.get("key" + k));
            List<Integer> sorted = new ArrayList<>(new java.util.TreeSet<>(order));
            assertEquals(sorted, order.stream().distinct().toList(), "key" + k + " in publish order");
        }
    }

    @Test
    void publish_all_reaches_each_topic_and_queue_of_a_mixed_batch() {
        MessageBus bus = connect();
        String a = name("mixa");
        String b = name("mixb");
        Inbox<String> onA = new Inbox<>();
        Inbox<String> onB = new Inbox<>();
        bus.subscribe(a, "g", String.class, onA);
        bus.subscribe(b, "g", String.class, onB);
        List<OutgoingMessage> messages = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            messages.add(OutgoingMessage.of(i % 2 == 0 ? a : b, "m" + i));
        }

        List<CompletionStage<PublishReceipt>> stages = bus.publishAll(messages);

        Set<String> toA = new HashSet<>();
        Set<String> toB = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            (i % 2 == 0 ? toA : toB).add(await(stages.get(i)).id());
        }
        assertEquals(toA, onA.awaitIds(toA, timeout()).stream().map(Message::id).collect(java.util.stream.Collectors.toSet()));
        assertEquals(toB, onB.awaitIds(toB, timeout()).stream().map(Message::id).collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void publish_all_sends_nothing_when_one_message_is_refused_up_front() {
        MessageBus bus = connect();
        String topic = name("allrefused");
        Inbox<String> inbox = new Inbox<>();
        bus.subscribe(topic, "g", String.class, inbox);
        List<OutgoingMessage> messages = new ArrayList<>(messages(topic, 5));
        messages.add(OutgoingMessage.of(topic, "bad").withHeader("bad header name!", "x"));
        messages.addAll(messages(topic, 5));

        assertThrows(IllegalArgumentException.class, () -> bus.publishAll(messages));

        String marker = await(bus.publish(topic, "marker")).id();
        inbox.awaitIds(Set.of(marker), timeout());
        assertEquals(List.of("marker"), inbox.payloads(), "only the marker published after the refused batch");
    }

    @Test
    void publish_all_fails_only_the_stage_of_a_message_too_large() {
        MessageBus bus = connect();
        String topic = name("alllarge");
        Inbox<String> inbox = new Inbox<>();
        bus.subscribe(topic, "g", String.class, inbox);
        List<OutgoingMessage> messages = new ArrayList<>(messages(topic, 3));
        messages.add(OutgoingMessage.of(topic, "x".repeat(oversizedPayloadBytes())));
        messages.addAll(messages(topic, 3));

        List<CompletionStage<PublishReceipt>> stages = bus.publishAll(messages);

        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> stages.get(3).toCompletableFuture().get(60, TimeUnit.SECONDS));
        assertInstanceOf(MessageTooLargeException.class, failure.getCause());
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < stages.size(); i++) {
            if (i != 3) {
                sent.add(await(stages.get(i)).id());
            }
        }
        inbox.awaitIds(sent, timeout());
    }

    // batch consumption --------------------------------------------------------------------------

    @Test
    void a_batch_holds_at_most_max_messages_and_every_message_arrives() {
        MessageBus bus = connect();
        String topic = name("bsize");
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        Inbox<String> inbox = new Inbox<>();
        bus.subscribeBatch(topic, "g", String.class, BatchOptions.of(10, Duration.ofMillis(200)), batch -> {
            sizes.add(batch.messages().size());
            for (Message<String> message : batch.messages()) {
                inbox.handle(message);
            }
        });

        Set<String> ids = awaitAll(bus.publishAll(messages(topic, 200)));

        inbox.awaitIds(ids, timeout());
        assertFalse(sizes.isEmpty());
        sizes.forEach(size -> assertTrue(size >= 1 && size <= 10, "a batch of " + size + " messages, at most 10"));
    }

    @Test
    void a_batch_that_does_not_fill_is_handled_after_its_wait() {
        MessageBus bus = connect();
        String topic = name("bwait");
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        Inbox<String> inbox = new Inbox<>();
        bus.subscribeBatch(topic, "g", String.class, BatchOptions.of(1000, Duration.ofMillis(100)), batch -> {
            sizes.add(batch.messages().size());
            for (Message<String> message : batch.messages()) {
                inbox.handle(message);
            }
        });

        Set<String> ids = awaitAll(bus.publishAll(messages(topic, 3)));

        inbox.awaitIds(ids, timeout());
        sizes.forEach(size -> assertTrue(size < 1000, "handled without filling: " + size));
    }

    @Test
    void a_failed_message_of_a_batch_is_retried_and_dead_lettered_alone() {
        MessageBus bus = connect();
        String topic = name("bfail");
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        Subscription subscription = bus.subscribeBatch(topic, "billing", String.class,
                BatchOptions.of(5, Duration.ofMillis(100)), batch -> {
                    for (Message<String> message : batch.messages()) {
                        handled.computeIfAbsent(message.payload(), p -> new AtomicInteger()).incrementAndGet();
                        if (message.payload().equals("poison")) {
                            batch.fail(message, new IllegalArgumentException("cannot handle poison"));
                        }
                    }
                }, quickRetry(2));
        Inbox<String> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), String.class).work(deadLetters);
        List<OutgoingMessage> messages = new ArrayList<>(messages(topic, 4));
        messages.add(2, OutgoingMessage.of(topic, "poison").withKey("k1"));

        List<CompletionStage<PublishReceipt>> stages = bus.publishAll(messages);
        String poisonId = await(stages.get(2)).id();
        awaitAll(stages);

        Message<String> letter = deadLetters.awaitCount(1, timeout()).get(0);
        assertEquals(poisonId, letter.id());
        assertEquals("poison", letter.payload());
        assertEquals(IllegalArgumentException.class.getName(), letter.headers().get(DeadLetterHeaders.ERROR_CLASS));
        assertEquals("cannot handle poison", letter.headers().get(DeadLetterHeaders.ERROR_MESSAGE));
        assertEquals("2", letter.headers().get(DeadLetterHeaders.ATTEMPTS));
        assertEquals(topic, letter.headers().get(DeadLetterHeaders.ORIGINAL_TOPIC));
        assertEquals("billing", letter.headers().get(DeadLetterHeaders.GROUP));
        assertEquals(2, handled.get("poison").get(), "the poison message was tried twice");
        for (int i = 0; i < 4; i++) {
            assertEquals(1, handled.get("m" + i).get(), "m" + i + " handled once: acked with its batch");
        }
        assertEquals(1, deadLetters.messages().size(), "only the failed message was dead-lettered");
    }

    @Test
    void a_batch_handler_that_throws_fails_each_message_which_is_then_retried() {
        MessageBus bus = connect();
        String topic = name("bthrow");
        AtomicInteger calls = new AtomicInteger();
        Inbox<String> inbox = new Inbox<>();
        bus.subscribeBatch(topic, "g", String.class, BatchOptions.of(5, Duration.ofMillis(100)), batch -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("database down");
            }
            for (Message<String> message : batch.messages()) {
                inbox.handle(message);
            }
        }, quickRetry(5));

        Set<String> ids = awaitAll(bus.publishAll(messages(topic, 5)));

        inbox.awaitIds(ids, timeout());
    }

    @Test
    void a_work_queue_batch_handler_dead_letters_a_failed_job_alone() {
        MessageBus bus = connect();
        String queue = name("bwork");
        WorkQueue<String> jobs = bus.workQueue(queue, String.class);
        Set<String> done = ConcurrentHashMap.newKeySet();
        Subscription workers = jobs.workBatch(BatchOptions.of(4, Duration.ofMillis(100)), batch -> {
            for (Message<String> job : batch.messages()) {
                if (job.payload().equals("img-bad.png")) {
                    batch.fail(job, new IllegalStateException("render failed"));
                } else {
                    done.add(job.payload());
                }
            }
        }, quickRetry(2));
        Inbox<String> deadLetters = new Inbox<>();
        bus.workQueue(workers.deadLetterQueue(), String.class).work(deadLetters);

        for (String job : List.of("img-1.png", "img-bad.png", "img-2.png", "img-3.png")) {
            await(jobs.submit(job));
        }

        Message<String> letter = deadLetters.awaitCount(1, timeout()).get(0);
        assertEquals("img-bad.png", letter.payload());
        assertEquals(queue, letter.headers().get(DeadLetterHeaders.ORIGINAL_TOPIC));
        assertEquals("render failed", letter.headers().get(DeadLetterHeaders.ERROR_MESSAGE));
        deadLetters.awaitUntil(any -> done.size() == 3, timeout(), "the other jobs done");
        assertEquals(Set.of("img-1.png", "img-2.png", "img-3.png"), done);
    }

    @Test
    void batch_consumption_keeps_the_order_of_each_key() {
        MessageBus bus = connect();
        String topic = name("border");
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        Inbox<Integer> inbox = new Inbox<>(m -> seen.computeIfAbsent(m.key(),
                k -> Collections.synchronizedList(new ArrayList<>())).add(m.payload()));
        List<String> keysTwiceInABatch = new CopyOnWriteArrayList<>();
        bus.subscribeBatch(topic, "g", Integer.class, BatchOptions.of(8, Duration.ofMillis(50)), batch -> {
            Set<String> keys = new HashSet<>();
            for (Message<Integer> message : batch.messages()) {
                if (!keys.add(message.key())) {
                    keysTwiceInABatch.add(message.key());
                }
                inbox.handle(message);
            }
        });
        List<OutgoingMessage> messages = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            messages.add(OutgoingMessage.of(topic, i).withKey("key" + (i % 4)));
        }

        Set<String> ids = awaitAll(bus.publishAll(messages));

        inbox.awaitIds(ids, timeout());
        for (int k = 0; k < 4; k++) {
            List<Integer> order = seen.get("key" + k).stream().distinct().toList();
            assertEquals(new ArrayList<>(new java.util.TreeSet<>(order)), order, "key" + k + " in publish order");
        }
        assertEquals(List.of(), keysTwiceInABatch, "a batch holds at most one message per key");
    }
}
