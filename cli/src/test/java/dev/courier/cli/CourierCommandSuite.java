package dev.courier.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Subscription;
import dev.courier.api.WorkQueue;
import dev.courier.spi.Envelope;
import dev.courier.spi.QueueBrowser;
import dev.courier.spi.Transports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code courier} command on one broker, run as a user runs it ({@link CommandRunner}): the
 * test sets the scene with a bus (failing groups, dead letters), runs the command, reads what it
 * printed and its exit code, and checks the broker. What a command refuses before it connects is
 * checked once per way of running it, in {@link CommandLineSuite}.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one reader session for all tests, see waiting()
abstract class CourierCommandSuite {

    /** The payload the scenes publish. */
    public record Item(int n) {
    }

    /** The broker's URL. */
    protected abstract String url();

    /** How the command is run: a separate JVM, or in this one for {@code memory://}. */
    protected abstract CommandRunner runner();

    protected MessageBus bus;
    protected String topic;
    /** The session {@link #waiting} reads through: opened once, as a transport is costly to open and close. */
    private BrokerSession reader;

    @BeforeEach
    void connect() {
        bus = MessageBus.connect(url());
        topic = "cli-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void close() {
        bus.close();
    }

    @AfterAll
    void closeReader() {
        if (reader != null) {
            reader.close();
        }
    }

    /** Runs {@code courier args... --broker url}. */
    protected CommandRunner.Run courier(String... args) {
        return runner().run(withBroker(args));
    }

    protected String[] withBroker(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--broker");
        all.add(url());
        return all.toArray(String[]::new);
    }

    /** A group that records what it handled and fails every message while {@code broken}. */
    protected Subscription group(String group, AtomicBoolean broken, Set<Integer> handled) {
        return bus.subscribe(topic, group, Item.class, message -> {
            if (broken.get()) {
                throw new IllegalStateException("broken handler for item " + message.payload().n());
            }
            handled.add(message.payload().n());
        }, ConsumerOptions.concurrency(1).withRetry(RetryPolicy.none()));
    }

    protected void publish(int from, int to) {
        for (int n = from; n < to; n++) {
            bus.publish(OutgoingMessage.of(topic, new Item(n)).withKey("k")).toCompletableFuture().join();
        }
    }

    /** What waits in {@code queue}, read through the transport as the command does (names mapped to the broker's). */
    protected List<Envelope> waiting(String queue) {
        if (reader == null) {
            reader = new BrokerSession(Transports.open(url(), Map.of()));
        }
        try (QueueBrowser browser = reader.browse(queue)) {
            return browser.messages(100_000);
        }
    }

    protected void awaitWaiting(String queue, int count) {
        CommandRunner.await(() -> waiting(queue).size() == count, count + " messages in " + queue);
    }

    /** Two dead letters of a failing group, {@code Item(0)} and {@code Item(1)}; returns the queue. */
    protected String twoDeadLetters() {
        Subscription failing = group("failing", new AtomicBoolean(true), ConcurrentHashMap.newKeySet());
        publish(0, 2);
        awaitWaiting(failing.deadLetterQueue(), 2);
        return failing.deadLetterQueue();
    }

    @Test
    void dlq_list_shows_each_dead_letter_without_consuming_it() {
        String dlq = twoDeadLetters();
        List<Envelope> letters = waiting(dlq);

        CommandRunner.Run run = courier("dlq", "list", dlq);

        assertEquals(Courier.OK, run.exitCode(), run.toString());
        assertTrue(run.out().startsWith("ID"), run.toString());
        for (String column : List.of("TOPIC", "GROUP", "ERROR", "ATTEMPTS", "AGE")) {
            assertTrue(run.out().lines().findFirst().orElseThrow().contains(column), run.toString());
        }
        for (Envelope letter : letters) {
            String line = run.out().lines().filter(l -> l.startsWith(letter.id())).findFirst().orElseThrow(
                    () -> new AssertionError("no line for " + letter.id() + " in\n" + run));
            assertTrue(line.contains(topic) && line.contains("failing")
                    && line.contains("java.lang.IllegalStateException: broken handler for item"), line);
        }
        assertTrue(run.out().contains("2 dead letter(s) in " + dlq), run.toString());
        assertEquals(letters, waiting(dlq));
    }

    @Test
    void dlq_show_prints_headers_and_the_json_payload_pretty() {
        String dlq = twoDeadLetters();
        Envelope letter = waiting(dlq).get(0);

        CommandRunner.Run run = courier("dlq", "show", dlq, letter.id());

        assertEquals(Courier.OK, run.exitCode(), run.toString());
        assertTrue(run.out().contains("id:           " + letter.id()), run.toString());
        assertTrue(run.out().contains("courier-error-class: java.lang.IllegalStateException"), run.toString());
        assertTrue(run.out().contains("courier-original-topic: " + topic), run.toString());
        assertTrue(run.out().contains("courier-group: failing"), run.toString());
        assertTrue(run.out().contains("{\n  \"n\" : "), run.toString());
        assertEquals(2, waiting(dlq).size());
    }

    @Test
    void dlq_show_of_an_unknown_id_exits_3() {
        String dlq = twoDeadLetters();

        CommandRunner.Run run = courier("dlq", "show", dlq, "no-such-id");

        assertEquals(Courier.NOT_FOUND, run.exitCode(), run.toString());
        assertTrue(run.err().contains("no dead letter no-such-id in " + dlq), run.toString());
    }

    @Test
    void dlq_replay_reaches_only_the_group_that_failed() {
        AtomicBoolean broken = new AtomicBoolean(true);
        Set<Integer> failingHandled = ConcurrentHashMap.newKeySet();
        List<Integer> healthyHandled = new CopyOnWriteArrayList<>();
        Subscription failing = group("failing", broken, failingHandled);
        bus.subscribe(topic, "healthy", Item.class, message -> healthyHandled.add(message.payload().n()),
                ConsumerOptions.concurrency(1));
        publish(0, 3);
        awaitWaiting(failing.deadLetterQueue(), 3);
        CommandRunner.await(() -> healthyHandled.size() == 3, "the healthy group to handle 3");
        broken.set(false);

        CommandRunner.Run run = courier("dlq", "replay", failing.deadLetterQueue(), "--all");

        assertEquals(Courier.OK, run.exitCode(), run.toString());
        assertTrue(run.out().contains("replayed 3 dead letter(s) from " + failing.deadLetterQueue()), run.toString());
        CommandRunner.await(() -> failingHandled.equals(Set.of(0, 1, 2)), "the failing group to handle the replays");
        assertEquals(List.of(), waiting(failing.deadLetterQueue()));
        // a marker behind the replays (same key: same partition and order): once the healthy group has it,
        // it has seen the replays too, and handled none of them
        publish(99, 100);
        CommandRunner.await(() -> healthyHandled.contains(99), "the healthy group to handle the marker");
        assertEquals(List.of(0, 1, 2, 99), healthyHandled);
    }

    @Test
    void dlq_replay_of_one_id_replays_only_that_one() {
        String dlq = twoDeadLetters();
        Envelope first = waiting(dlq).get(0);

        CommandRunner.Run run = courier("dlq", "replay", dlq, "--id", first.id());

        assertEquals(Courier.OK, run.exitCode(), run.toString());
        assertTrue(run.out().contains("replayed 1 dead letter(s)"), run.toString());
        // still broken: the replayed letter fails again and comes back, beside the other one
        CommandRunner.await(() -> waiting(dlq).size() == 2, "the replayed letter to fail again");
    }

    @Test
    void dlq_replay_of_a_letter_behind_another_leaves_the_other_waiting() {
        AtomicBoolean broken = new AtomicBoolean(true);
        Set<Integer> handled = ConcurrentHashMap.newKeySet();
        Subscription failing = group("failing", broken, handled);
        publish(0, 2);
        awaitWaiting(failing.deadLetterQueue(), 2);
        List<Envelope> letters = waiting(failing.deadLetterQueue());
        broken.set(false);

        CommandRunner.Run run = courier("dlq", "replay", failing.deadLetterQueue(), "--id", letters.get(1).id());

        assertEquals(Courier.OK, run.exitCode(), run.toString());
        CommandRunner.await(() -> handled.size() == 1, "the replayed letter to be handled");
        assertEquals(List.of(letters.get(0).id()), waiting(failing.deadLetterQueue()).stream().map(Envelope::id).toList());
    }

    @Test
    void dlq_replay_dry_run_sends_and_removes_nothing() {
        String dlq = twoDeadLetters();
        List<Envelope> before = waiting(dlq);

        CommandRunner.Run run = courier("dlq", "replay", dlq, "--all", "--dry-run");

        assertEquals(Courier.OK, run.exitCode(), run.toString());
        assertTrue(run.out().contains("would replay " + before.get(0).id() + " to topic " + topic + ", group failing"),
                run.toString());
        assertTrue(run.out().contains("dry run: would replay 2 dead letter(s)"), run.toString());
        assertEquals(before, waiting(dlq));
    }

    @Test
    void dlq_replay_of_a_work_queue_letter_goes_back_to_its_queue() {
        WorkQueue<Item> jobs = bus.workQueue(topic + ".jobs", Item.class);
        AtomicBoolean broken = new AtomicBoolean(true);
        Set<Integer> done = ConcurrentHashMap.newKeySet();
        Subscription worker = jobs.work(job -> {
            if (broken.get()) {
                throw new IllegalStateException("worker down");
            }
            done.add(job.payload().n());
        }, ConsumerOptions.concurrency(1).withRetry(RetryPolicy.none()));
        jobs.submit(new Item(7)).toCompletableFuture().join();
        awaitWaiting(worker.deadLetterQueue(), 1);
        broken.set(false);

        CommandRunner.Run run = courier("dlq", "replay", worker.deadLetterQueue(), "--all");

        assertEquals(Courier.OK, run.exitCode(), run.toString());
        assertTrue(run.out().contains("to queue " + topic + ".jobs"), run.toString());
        CommandRunner.await(() -> done.contains(7), "the worker to do the replayed job");
    }

    @Test
    void dlq_purge_removes_only_what_is_older_than_asked_then_everything() {
        String dlq = twoDeadLetters();

        CommandRunner.Run young = courier("dlq", "purge", dlq, "--older-than", "1d");
        CommandRunner.Run all = courier("dlq", "purge", dlq);

        assertEquals(Courier.OK, young.exitCode(), young.toString());
        assertTrue(young.out().contains("purged 0 dead letter(s) from " + dlq), young.toString());
        assertEquals(Courier.OK, all.exitCode(), all.toString());
        assertTrue(all.out().contains("purged 2 dead letter(s) from " + dlq), all.toString());
        assertEquals(List.of(), waiting(dlq));
    }

    @Test
    void publish_sends_data_with_key_and_headers_to_every_group(@TempDir Path dir) throws Exception {
        List<dev.courier.api.Message<Item>> received = new CopyOnWriteArrayList<>();
        bus.subscribe(topic, "reader", Item.class, received::add);
        Path file = Files.writeString(dir.resolve("item.json"), "{\"n\": 2}");

        CommandRunner.Run inline = courier("publish", topic, "--key", "order-1", "--header", "tenant=acme",
                "--data", "{\"n\": 1}");
        CommandRunner.Run fromFile = courier("publish", topic, "--file", file.toString());

        assertEquals(Courier.OK, inline.exitCode(), inline.toString());
        assertEquals(Courier.OK, fromFile.exitCode(), fromFile.toString());
        assertTrue(inline.out().startsWith("published "), inline.toString());
        CommandRunner.await(() -> received.size() == 2, "both messages");
        dev.courier.api.Message<Item> first = received.stream().filter(m -> m.payload().n() == 1).findFirst().orElseThrow();
        assertEquals("order-1", first.key());
        assertEquals("acme", first.headers().get("tenant"));
        assertTrue(inline.out().contains(first.id()), inline.toString());
    }

    @Test
    void tail_prints_messages_as_they_arrive_and_existing_groups_still_get_them() {
        List<Integer> handled = new CopyOnWriteArrayList<>();
        bus.subscribe(topic, "existing", Item.class, message -> handled.add(message.payload().n()));
        CommandRunner.Started tail = runner().start(withBroker("tail", topic, "--count", "2"));
        CommandRunner.await(() -> tail.out().contains("tailing " + topic) || !tail.isAlive(), "the tail to start");

        publish(0, 2);

        assertEquals(Courier.OK, tail.waitFor(), tail.out() + tail.err());
        assertTrue(tail.out().contains("{\"n\":0}") && tail.out().contains("{\"n\":1}"), tail.out());
        CommandRunner.await(() -> handled.size() == 2, "the existing group to handle both");
    }

    @Test
    void health_exits_0_when_the_bus_is_up() {
        CommandRunner.Run run = courier("health");

        assertEquals(Courier.OK, run.exitCode(), run.toString());
        assertTrue(run.out().startsWith("UP"), run.toString());
    }
}
