package dev.courier.transport.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.PublishException;
import dev.courier.api.PublishReceipt;
import dev.courier.api.WorkQueue;
import dev.courier.testkit.CuttableProxy;
import dev.courier.testkit.Inbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Connections the endpoint resets (a {@link CuttableProxy} in front of moto_server, as moto did
 * under load in CI): publishes are retried with backoff, a burst of resets across many calls at
 * once does not use up the retries, and a publish that meets resets on every attempt fails with a
 * {@link PublishException} naming the destination and the cause after {@link AwsTransport#MAX_ATTEMPTS}
 * attempts.
 */
class AwsConnectionResetTest {

    private static final BusOptions OPTIONS = BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(60));

    @BeforeEach
    void moto() {
        MotoServer.require();
        Assumptions.assumeFalse(MotoServer.REAL_AWS, "the connections to real AWS cannot be reset");
    }

    @Test
    void a_publish_whose_first_attempts_are_reset_is_retried_and_handled_once() throws Exception {
        String queue = MotoServer.uniquePrefix() + "-reset-once";
        try (CuttableProxy proxy = new CuttableProxy("127.0.0.1", MotoServer.port());
             MessageBus publisher = MessageBus.connect(MotoServer.urlThrough(proxy.port()), OPTIONS);
             MessageBus worker = MessageBus.connect(MotoServer.url(), OPTIONS)) {
            WorkQueue<String> jobs = publisher.workQueue(queue, String.class);
            Inbox<String> inbox = new Inbox<>();
            worker.workQueue(queue, String.class).work(inbox);
            int before = proxy.connections();

            proxy.resetNext(AwsTransport.MAX_ATTEMPTS - 1);
            PublishReceipt receipt = jobs.submit("job").toCompletableFuture().get(60, TimeUnit.SECONDS);

            assertEquals(AwsTransport.MAX_ATTEMPTS - 1, proxy.resets());
            assertEquals(AwsTransport.MAX_ATTEMPTS, proxy.connections() - before, "attempts of the one publish");
            inbox.awaitIds(Set.of(receipt.id()), Duration.ofSeconds(30));
            assertEquals(List.of("job"), inbox.payloads());
        }
    }

    /**
     * 160 publishes to 4 queues go in up to 128 calls at once (32 send lanes per queue), and the
     * first 150 connections are reset. The SDK's standard retry quota allows about 100 retries
     * under way at once; with it (and its 3 attempts), 50 of the 160 failed in a run: 19 after
     * one or two attempts, for want of quota, and 31 after three.
     */
    @Test
    void a_burst_of_resets_across_many_calls_at_once_fails_no_publish() throws Exception {
        String prefix = MotoServer.uniquePrefix();
        try (CuttableProxy proxy = new CuttableProxy("127.0.0.1", MotoServer.port());
             MessageBus publisher = MessageBus.connect(MotoServer.urlThrough(proxy.port()), OPTIONS)) {
            List<WorkQueue<String>> queues = new ArrayList<>();
            for (int q = 0; q < 4; q++) {
                queues.add(publisher.workQueue(prefix + "-burst" + q, String.class));
            }

            proxy.resetNext(150);
            List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                for (WorkQueue<String> jobs : queues) {
                    stages.add(jobs.submit("job" + i).toCompletableFuture());
                }
            }
            List<String> failed = new ArrayList<>();
            for (CompletableFuture<PublishReceipt> stage : stages) {
                try {
                    stage.get(90, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    failed.add(e.getCause().getMessage());
                }
            }

            assertEquals(0, failed.size(), failed.size() + " of " + stages.size() + " publishes failed, the first: "
                    + (failed.isEmpty() ? "" : failed.get(0)));
            assertEquals(150, proxy.resets(), "connections reset");
        }
    }

    @Test
    void a_publish_reset_on_every_attempt_fails_with_publish_exception_naming_the_cause_after_bounded_attempts()
            throws Exception {
        String queue = MotoServer.uniquePrefix() + "-reset-always";
        try (CuttableProxy proxy = new CuttableProxy("127.0.0.1", MotoServer.port());
             MessageBus publisher = MessageBus.connect(MotoServer.urlThrough(proxy.port()), OPTIONS)) {
            WorkQueue<String> jobs = publisher.workQueue(queue, String.class);
            int before = proxy.connections();

            proxy.resetNext(Integer.MAX_VALUE);
            ExecutionException failure = assertThrows(ExecutionException.class,
                    () -> jobs.submit("job").toCompletableFuture().get(60, TimeUnit.SECONDS));

            PublishException cause = assertInstanceOf(PublishException.class, failure.getCause());
            assertInstanceOf(SdkClientException.class, cause.getCause(), "the SDK's error for the last attempt");
            // Netty reads the reset as an error ("Connection reset") or, when it sees the channel closed
            // first, as "The connection was closed during the request": either way the SDK's message.
            assertTrue(cause.getMessage().contains("Connection reset")
                    || cause.getMessage().contains("connection was closed"), cause.getMessage());
            assertTrue(cause.getMessage().contains("queue " + queue), cause.getMessage());
            assertEquals(AwsTransport.MAX_ATTEMPTS, proxy.connections() - before, "attempts of the one publish");
        }
    }
}
