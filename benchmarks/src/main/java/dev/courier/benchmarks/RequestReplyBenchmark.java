package dev.courier.benchmarks;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Request/reply round trips: sequential latency (p50/p99) and, with 64 requests in flight,
 * round trips per second, through {@link MessageBus#request} on each broker URL given, and beside
 * it the raw client doing the same ({@link RawRequestReply}): NATS core request, RabbitMQ direct
 * reply-to, a Kafka reply topic. {@code kafka://own} starts a throw-away Kafka broker for the run.
 * Prints Markdown rows.
 *
 * <pre>
 * java -cp benchmarks/target/courier-benchmarks.jar dev.courier.benchmarks.RequestReplyBenchmark \
 *     [--brokers memory://rr,nats://127.0.0.1:4222,amqp://guest:guest@127.0.0.1:5672/,kafka://own] [--requests 2000]
 * </pre>
 */
@Command(name = "RequestReplyBenchmark", mixinStandardHelpOptions = true,
        description = "Request/reply latency and round trips per second, Courier beside the raw clients, as Markdown rows.")
public final class RequestReplyBenchmark implements Callable<Integer> {

    static final int IN_FLIGHT = 64;
    private static final int WARM_UP = 200;
    private static final int PAYLOAD_BYTES = 100;

    @Option(names = "--brokers", split = ",", paramLabel = "URLS", defaultValue = "memory://rr",
            description = {"Broker URLs, comma-separated, measured in order (default: ${DEFAULT-VALUE});",
                    "kafka://own starts a throw-away Kafka broker."})
    List<String> brokers;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "2000",
            description = "Round trips timed one at a time, and again with " + IN_FLIGHT + " in flight (default: ${DEFAULT-VALUE}).")
    int requests;

    @Spec
    private CommandSpec spec;

    RequestReplyBenchmark() {
    }

    /** One round trip: sends a request with {@code payload}; the stage completes with its reply. */
    @FunctionalInterface
    interface RoundTrip {
        CompletableFuture<?> call(byte[] payload) throws Exception;
    }

    public static void main(String[] args) {
        // System.exit: client libraries may leave non-daemon threads behind
        System.exit(new CommandLine(new RequestReplyBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (requests < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--requests must be at least 1: " + requests);
        }
        System.out.println("| broker | client | round trips/s (" + IN_FLIGHT + " in flight) | p50 µs | p99 µs |");
        System.out.println("| --- | --- | ---: | ---: | ---: |");
        for (String url : brokers) {
            if (url.equals("kafka://own")) {
                try (KafkaBrokerProcess broker = KafkaBrokerProcess.start()) {
                    run("kafka://" + broker.bootstrap(), requests);
                }
            } else {
                run(url, requests);
            }
        }
        return 0;
    }

    private static void run(String url, int requests) throws Exception {
        courier(url, requests);
        if (url.startsWith("nats://")) {
            rawNats(url, requests);
        } else if (url.startsWith("amqp://")) {
            RawRequestReply.rabbitMq(url, requests);
        } else if (url.startsWith("kafka://")) {
            RawRequestReply.kafka(url.substring("kafka://".length()).replaceAll("\\?.*", ""), requests);
        }
    }

    private static void courier(String url, int requests) throws Exception {
        String topic = "bench.rr." + UUID.randomUUID().toString().substring(0, 8);
        try (MessageBus responder = MessageBus.connect(url); MessageBus requester = MessageBus.connect(url)) {
            responder.respond(topic, "bench", byte[].class, request -> request.payload(), ConsumerOptions.concurrency(8));
            Duration timeout = Duration.ofSeconds(30);
            measure(url, "Courier request/respond", requests,
                    payload -> requester.request(topic, payload, byte[].class, timeout).toCompletableFuture());
        }
    }

    private static void rawNats(String url, int requests) throws Exception {
        String subject = "bench.raw." + UUID.randomUUID().toString().substring(0, 8);
        try (Connection responder = Nats.connect(url); Connection requester = Nats.connect(url)) {
            Dispatcher dispatcher = responder.createDispatcher(message -> responder.publish(message.getReplyTo(), message.getData()));
            dispatcher.subscribe(subject, "bench");
            responder.flush(Duration.ofSeconds(5));
            measure(url, "raw jnats core request (no persistence)", requests, payload -> requester.request(subject, payload));
        }
    }

    /**
     * Warms up, then times {@code requests} round trips one at a time (p50, p99) and
     * {@code requests} more with {@link #IN_FLIGHT} in flight (round trips per second), and prints
     * the row.
     */
    static void measure(String url, String client, int requests, RoundTrip roundTrip) throws Exception {
        byte[] payload = "x".repeat(PAYLOAD_BYTES).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < Math.min(WARM_UP, requests); i++) {
            roundTrip.call(payload).join();
        }
        Histogram nanos = new Histogram(3); // recorded from this thread only
        for (int i = 0; i < requests; i++) {
            long start = System.nanoTime();
            roundTrip.call(payload).join();
            nanos.recordValue(System.nanoTime() - start);
        }
        long start = System.nanoTime();
        List<CompletableFuture<?>> window = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            window.add(roundTrip.call(payload));
            if (window.size() == IN_FLIGHT) {
                window.remove(0).join();
            }
        }
        window.forEach(CompletableFuture::join);
        System.out.printf("| %s | %s | %,.0f | %,.0f | %,.0f |%n", url.replaceAll("://.*", "://"), client,
                requests / ((System.nanoTime() - start) / 1e9), Driver.micros(nanos, 50), Driver.micros(nanos, 99));
    }
}
