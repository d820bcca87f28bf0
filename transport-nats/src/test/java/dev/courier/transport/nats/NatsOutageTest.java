package dev.courier.transport.nats;

import dev.courier.testkit.Brokers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusOptions;
import dev.courier.api.HealthStatus;
import dev.courier.api.MessageBus;
import dev.courier.api.PublishException;
import dev.courier.api.PublishReceipt;
import dev.courier.api.WorkQueue;
import dev.courier.testkit.Inbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A server that stays down for a while, on a {@code nats-server} process of the test's own: health
 * says so, publishes made meanwhile succeed later or fail with {@link PublishException}, and
 * consuming resumes by itself once the server is back.
 */
@Tag("restart")
class NatsOutageTest {

    @Test
    void consumingResumesAfterAnOutageAndHealthTellsTheTruthMeanwhile() throws Exception {
        Brokers.requireTool(NatsServerProcess.available(), "no nats-server binary at " + NatsServerProcess.BINARY);
        try (NatsServerProcess server = new NatsServerProcess("");
             MessageBus bus = MessageBus.connect(server.url(), BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(5)))) {
            String queue = NatsTestBroker.uniquePrefix() + ".outage";
            WorkQueue<String> jobs = bus.workQueue(queue, String.class);
            Inbox<String> worker = new Inbox<>();
            jobs.work(worker);
            Set<String> before = submit(jobs, "before", 20);
            worker.awaitIds(before, Duration.ofSeconds(30));
            assertTrue(bus.health().isUp(), bus.health().toString());

            server.stop();
            assertTrue(waitUntil(() -> bus.health().status() == HealthStatus.RECONNECTING, Duration.ofSeconds(10)),
                    "health while the server is down: " + bus.health());
            assertEquals(HealthStatus.RECONNECTING, bus.health().subscriptions().get(0).status());
            CompletableFuture<PublishReceipt> duringOutage = jobs.submit("during").toCompletableFuture();
            assertThrows(TimeoutException.class, () -> duringOutage.get(2, TimeUnit.SECONDS),
                    "nothing can confirm a publish while the server is down");
            server.start();
            try {
                duringOutage.get(10, TimeUnit.SECONDS);
                System.out.println("outage: the publish made while the server was down completed after it came back");
            } catch (ExecutionException e) {
                assertInstanceOf(PublishException.class, e.getCause());
                System.out.println("outage: the publish made while the server was down failed: " + e.getCause().getMessage());
            }
            assertTrue(waitUntil(() -> bus.health().isUp(), Duration.ofSeconds(30)), "health after: " + bus.health());
            Set<String> after = submit(jobs, "after", 20);
            worker.awaitIds(after, Duration.ofSeconds(30));
        }
    }

    private static Set<String> submit(WorkQueue<String> jobs, String label, int count) throws Exception {
        List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            stages.add(jobs.submit(label + i).toCompletableFuture());
        }
        Set<String> ids = new HashSet<>();
        for (CompletableFuture<PublishReceipt> stage : stages) {
            ids.add(stage.get(30, TimeUnit.SECONDS).id());
        }
        return ids;
    }

    /** Polls a cheap state probe (health has no change events) until it holds or the timeout passes. */
    private static boolean waitUntil(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object monitor = new Object();
        synchronized (monitor) {
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                monitor.wait(50);
            }
        }
        return true;
    }
}
