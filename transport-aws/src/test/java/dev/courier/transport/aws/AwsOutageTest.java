package dev.courier.transport.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The network to SNS and SQS cut for a while under load (a {@link CuttingProxy} in front of
 * moto_server drops every connection and refuses new ones): health says so, every publish
 * completes or fails with {@link PublishException} and none hangs, and every confirmed message is
 * handled once the network is back.
 */
@Tag("restart")
class AwsOutageTest {

    @Test
    void publishes_during_a_network_cut_complete_or_fail_and_every_confirmed_message_is_handled() throws Exception {
        MotoServer.require();
        org.junit.jupiter.api.Assumptions.assumeFalse(MotoServer.REAL_AWS, "the network to real AWS cannot be cut");
        try (CuttingProxy proxy = new CuttingProxy(MotoServer.port());
             MessageBus bus = MessageBus.connect(proxy.url() + "&apiTimeout=5s",
                     BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(10)))) {
            String queue = MotoServer.uniquePrefix() + ".outage";
            WorkQueue<String> jobs = bus.workQueue(queue, String.class);
            Inbox<String> worker = new Inbox<>();
            jobs.work(worker);
            Set<String> confirmed = ConcurrentHashMap.newKeySet();
            AtomicInteger failed = new AtomicInteger();
            List<Throwable> unexpected = new ArrayList<>();

            List<CompletableFuture<PublishReceipt>> before = submit(jobs, "before", 50);
            settle(before, confirmed, failed, unexpected);
            worker.awaitIds(confirmed, Duration.ofSeconds(60));

            List<CompletableFuture<PublishReceipt>> during = submit(jobs, "during-a", 50);
            proxy.stop();
            during.addAll(submit(jobs, "during-b", 50));
            assertTrue(waitUntil(() -> bus.health().status() == HealthStatus.RECONNECTING, Duration.ofSeconds(30)),
                    "health while the network is cut: " + bus.health());
            proxy.start();
            settle(during, confirmed, failed, unexpected);
            assertTrue(waitUntil(() -> bus.health().isUp(), Duration.ofSeconds(60)), "health after: " + bus.health());

            settle(submit(jobs, "after", 50), confirmed, failed, unexpected);
            worker.awaitIds(confirmed, Duration.ofSeconds(90));
            System.out.printf("outage: confirmed %d, failed %d, handled %d%n", confirmed.size(), failed.get(),
                    worker.ids().size());
            assertEquals(List.of(), unexpected, "every publish confirmed or failed with PublishException");
            assertEquals(200, confirmed.size() + failed.get());
        }
    }

    private static List<CompletableFuture<PublishReceipt>> submit(WorkQueue<String> jobs, String label, int count) {
        List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            stages.add(jobs.submit(label + i).toCompletableFuture());
        }
        return stages;
    }

    /** Waits for each publish: confirmed, failed with PublishException, or (a hang or anything else) unexpected. */
    private static void settle(List<CompletableFuture<PublishReceipt>> stages, Set<String> confirmed, AtomicInteger failed,
                               List<Throwable> unexpected) throws InterruptedException {
        for (CompletableFuture<PublishReceipt> stage : stages) {
            try {
                confirmed.add(stage.get(60, TimeUnit.SECONDS).id());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof PublishException) {
                    failed.incrementAndGet();
                } else {
                    unexpected.add(e.getCause());
                }
            } catch (TimeoutException e) {
                unexpected.add(e);
            }
        }
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
