package dev.courier.transport.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.Subscription;
import dev.courier.testkit.Inbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Closing a whole bus: held messages go back to the group, and many subscriptions close in bounded time. */
@Tag("broker")
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RabbitMqCloseTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String prefix = "rx-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<String> queues = new ArrayList<>();
    private final List<String> exchanges = new ArrayList<>();

    @BeforeEach
    void brokerIsUp() {
        TestBroker.requireReachable();
    }

    @AfterEach
    void cleanUp() {
        TestBroker.delete(queues, exchanges);
    }

    private void forCleanUp(String topic, Subscription subscription, String group) {
        exchanges.add(topic);
        queues.add(RabbitMqTransport.groupQueue(topic, group));
        queues.add(subscription.deadLetterQueue());
    }

    @Test
    void closing_a_bus_gives_the_messages_its_member_held_to_another_member_of_the_group() throws Exception {
        String topic = prefix + ".held";
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        MessageBus memberA = MessageBus.connect(TestBroker.URL);
        Inbox<String> atA = new Inbox<>(message -> {
            blocked.countDown();
            never.await(); // a handler stuck until the close interrupts it
        });
        Subscription a = memberA.subscribe(topic, "g", String.class, atA, ConsumerOptions.concurrency(1)
                .withMaxInFlight(10).withShutdownTimeout(Duration.ofSeconds(1)));
        forCleanUp(topic, a, "g");
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            ids.add(memberA.publish(OutgoingMessage.of(topic, "held " + i)).toCompletableFuture()
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS).id());
        }
        assertTrue(blocked.await(WAIT.toSeconds(), TimeUnit.SECONDS), "A's handler started");
        awaitCondition(() -> a.inFlight() == 5, "A to hold all 5 messages");

        try (MessageBus memberB = MessageBus.connect(TestBroker.URL)) {
            Inbox<String> atB = new Inbox<>();
            memberB.subscribe(topic, "g", String.class, atB);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(memberA::close);
            atB.awaitIds(ids, WAIT); // bounded: the 1 s shutdown timeout, then the channel closes and requeues
            closing.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(ids, atB.ids());
        }
    }

    @Test
    void a_bus_with_200_subscriptions_costs_a_channel_each_runs_on_few_threads_and_closes_in_bounded_time()
            throws Exception {
        String topic = prefix + ".many";
        String name = prefix + "-many";
        long threadsBefore = transportThreads();
        MessageBus bus = MessageBus.connect(TestBroker.URL + (TestBroker.URL.contains("?") ? "&" : "?")
                + "connectionName=" + name);
        List<Subscription> subscriptions = new ArrayList<>();
        CountDownLatch handled = new CountDownLatch(200);
        for (int i = 0; i < 200; i++) {
            Subscription subscription = bus.subscribe(topic, "g" + i, String.class, message -> handled.countDown());
            subscriptions.add(subscription);
            forCleanUp(topic, subscription, "g" + i);
        }
        for (int round = 0; round < 5; round++) {
            bus.publish(OutgoingMessage.of(topic, "to every group")).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertTrue(handled.await(WAIT.toSeconds(), TimeUnit.SECONDS), "every group handled the message");
        long transportThreads = transportThreads() - threadsBefore;
        int bound = 2 * Runtime.getRuntime().availableProcessors() + 8;
        assertTrue(transportThreads <= bound, transportThreads + " transport threads for 200 subscriptions; expected at most "
                + bound + ", whatever the number of subscriptions");
        if (TestBroker.isLocal() && RabbitMqCtl.available()) {
            List<String> consumerConnection = RabbitMqCtl.run("-s", "list_connections", "channels", "client_properties")
                    .stream().filter(row -> row.contains("{\"connection_name\",\"" + name + " (consumer)\"}")).toList();
            assertEquals(1, consumerConnection.size(), "one consumer connection: " + consumerConnection);
            assertEquals("201", consumerConnection.get(0).split("\t")[0], "a channel per subscription and one for declarations");
        }
        CompletableFuture<Void> closing = CompletableFuture.runAsync(bus::close);
        closing.get(120, TimeUnit.SECONDS); // generous: a bound, not a timing claim
        subscriptions.forEach(subscription -> assertEquals(0, subscription.inFlight()));
    }

    private static long transportThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(thread -> thread.getName().startsWith("courier-amqp-")).count();
    }

    private static void awaitCondition(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            TimeUnit.MILLISECONDS.sleep(20); // polling a counter: nothing to wait on
        }
    }
}
