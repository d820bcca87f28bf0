package dev.courier.transport.nats;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a subscription costs in threads on NATS (issue 13, defect 17): the transport's threads do
 * not grow with the number of subscriptions.
 */
@Tag("broker")
class NatsThreadsTest {

    private static final int SUBSCRIPTIONS = 300;
    /** jnats' connection threads, the shared dispatchers and the transport's timers, with room to spare. */
    private static final int MOST_TRANSPORT_THREADS = 20;

    private String prefix;
    private MessageBus bus;

    @BeforeEach
    void requireBroker() {
        NatsTestBroker.require();
        prefix = NatsTestBroker.uniquePrefix();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (bus != null) {
            bus.close();
        }
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, prefix);
    }

    @Test
    void threeHundredSubscriptionsRunOnAFewTransportThreadsAndEachReceivesItsMessages() throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        bus = MessageBus.connect(NatsTestBroker.URL, BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(10)));
        String topic = prefix + ".threads";
        Set<String> reached = ConcurrentHashMap.newKeySet();
        CountDownLatch everyGroup = new CountDownLatch(SUBSCRIPTIONS);
        for (int i = 0; i < SUBSCRIPTIONS; i++) {
            String group = "g" + i;
            bus.subscribe(topic, group, String.class, message -> {
                if (reached.add(group)) {
                    everyGroup.countDown();
                }
            }, ConsumerOptions.concurrency(1));
        }

        bus.publish(topic, "to every group").toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertTrue(everyGroup.await(60, TimeUnit.SECONDS),
                "only " + reached.size() + " of " + SUBSCRIPTIONS + " subscriptions received the message");
        // core's handler threads are named after the topic; every other new thread is the bus's own
        List<String> transportThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .filter(thread -> !before.contains(thread))
                .map(Thread::getName)
                .filter(name -> !name.startsWith("courier-" + topic))
                .sorted()
                .toList();
        assertTrue(transportThreads.size() <= MOST_TRANSPORT_THREADS,
                transportThreads.size() + " threads for " + SUBSCRIPTIONS + " subscriptions: " + summary(transportThreads));
    }

    /** Thread names without their numbers, counted, so a failure shows what multiplied. */
    private static String summary(List<String> names) {
        return names.stream()
                .collect(java.util.stream.Collectors.groupingBy(name -> name.replaceAll("[0-9]+", "#"),
                        java.util.TreeMap::new, java.util.stream.Collectors.counting()))
                .toString();
    }
}
