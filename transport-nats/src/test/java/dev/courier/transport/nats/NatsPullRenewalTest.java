package dev.courier.transport.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An idle consumer renews its pull request when the server says it expired, not a grace period
 * later. Pull requests here expire after 0.5 s, and one whose expiry the server never reported
 * would be taken as expired only 10 minutes later: anything that happens within the tests'
 * timeouts after an expiry happened because of the server's answer.
 */
@Tag("broker")
class NatsPullRenewalTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final NatsConsumer.PullTiming SHORT_PULLS =
            new NatsConsumer.PullTiming(Duration.ofMillis(500), Duration.ofMinutes(10));
    private static final Pattern BATCH = Pattern.compile("\"batch\"\\s*:\\s*(\\d+)");

    private String prefix;
    private NatsTransport transport;
    private Connection watcher;
    /** The batch size of each pull request made, in order. Guarded by itself. */
    private final List<Integer> pulls = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        NatsTestBroker.require();
        prefix = NatsTestBroker.uniquePrefix();
        transport = NatsTransport.connect(NatsSettings.parse(URI.create(NatsTestBroker.URL), Map.of()));
        transport.pullTiming(SHORT_PULLS);
        watcher = NatsTestBroker.connect(NatsTestBroker.URL);
    }

    @AfterEach
    void close() throws Exception {
        if (transport != null) {
            transport.close();
        }
        if (watcher != null) {
            watcher.close();
        }
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, prefix);
    }

    /** Declares {@code queue} and records the pull requests made to its stream from now on. */
    private void declareAndWatchPulls(Destination queue) throws Exception {
        transport.declare(queue);
        Dispatcher recording = watcher.createDispatcher(request -> {
            Matcher batch = BATCH.matcher(new String(request.getData(), StandardCharsets.UTF_8));
            synchronized (pulls) {
                pulls.add(batch.find() ? Integer.parseInt(batch.group(1)) : -1);
                pulls.notifyAll();
            }
        });
        recording.subscribe("$JS.API.CONSUMER.MSG.NEXT." + NatsNames.stream(queue) + ".>");
        watcher.flush(Duration.ofSeconds(5));
    }

    /** Waits until {@code count} pull requests were made and returns their batch sizes; fails otherwise. */
    private List<Integer> awaitPulls(int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (pulls) {
            while (pulls.size() < count) {
                long left = deadline - System.nanoTime();
                assertTrue(left > 0, "timed out waiting for " + count + " pull requests; got " + pulls);
                TimeUnit.NANOSECONDS.timedWait(pulls, left);
            }
            return List.copyOf(pulls);
        }
    }

    private void send(Destination queue, int i) {
        Envelope envelope = new Envelope(UUID.randomUUID().toString(), queue, null, Map.of(), new byte[] {(byte) i},
                "application/octet-stream", Instant.now().truncatedTo(ChronoUnit.MILLIS));
        transport.send(envelope).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void an_idle_consumer_pulls_again_each_time_its_request_expires() throws Exception {
        Destination queue = Destination.queue(prefix + ".idle");
        declareAndWatchPulls(queue);
        transport.consume(new ConsumerSpec(queue, null, 8), new RecordingSink(true));

        List<Integer> made = awaitPulls(4);

        assertEquals(List.of(8, 8, 8, 8), made.subList(0, 4), "each renewal asks for the whole room again");
    }

    @Test
    void a_message_published_after_the_consumer_idled_past_an_expiry_is_delivered() throws Exception {
        Destination queue = Destination.queue(prefix + ".late");
        declareAndWatchPulls(queue);
        RecordingSink sink = new RecordingSink(true);
        transport.consume(new ConsumerSpec(queue, null, 8), sink);
        awaitPulls(2); // the first request expired and was renewed

        send(queue, 1);

        assertEquals(1, sink.awaitCount(1, WAIT).size());
    }

    @Test
    void renewals_while_deliveries_are_held_ask_only_for_the_room_left() throws Exception {
        Destination queue = Destination.queue(prefix + ".held");
        declareAndWatchPulls(queue);
        for (int i = 0; i < 3; i++) {
            send(queue, i);
        }
        RecordingSink holding = new RecordingSink(false);
        transport.consume(new ConsumerSpec(queue, null, 4), holding);
        holding.awaitCount(3, WAIT);

        List<Integer> made = awaitPulls(4);

        assertEquals(List.of(4, 1, 1, 1), made.subList(0, 4), "requests after 3 of 4 were delivered and held");
    }
}
