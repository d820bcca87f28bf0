package dev.courier.benchmarks;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

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
public final class RequestReplyBenchmark {

    static final int IN_FLIGHT = 64;
    private static final int WARM_UP = 200;
    private static final int PAYLOAD_BYTES = 100;

    private RequestReplyBenchmark() {
    }

    /** One round trip: sends a request with {@code payload}; the stage completes with its reply. */
    @FunctionalInterface
    interface RoundTrip {
        CompletableFuture<?> call(byte[] payload) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new ConcurrentHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        List<String> brokers = Arrays.asList(options.getOrDefault("brokers", "memory://rr").split(","));
        int requests = Integer.parseInt(options.getOrDefault("requests", "2000"));
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
        System.exit(0); // client libraries may leave non-daemon threads behind
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
        long[] micros = new long[requests];
        for (int i = 0; i < requests; i++) {
            long start = System.nanoTime();
            roundTrip.call(payload).join();
            micros[i] = (System.nanoTime() - start) / 1000;
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
        print(url, client, requests / ((System.nanoTime() - start) / 1e9), micros);
    }

    private static void print(String url, String client, double perSecond, long[] micros) {
        Arrays.sort(micros);
        System.out.printf("| %s | %s | %,.0f | %,d | %,d |%n", url.replaceAll("://.*", "://"), client, perSecond,
                percentile(micros, 50), percentile(micros, 99));
    }

    private static long percentile(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
