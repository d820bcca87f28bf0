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
 * round trips per second, through {@link MessageBus#request} on each broker URL given, and the raw
 * NATS core request beside it when a {@code nats://} URL is given. Prints Markdown rows.
 *
 * <pre>
 * java -cp benchmarks/target/courier-benchmarks.jar dev.courier.benchmarks.RequestReplyBenchmark \
 *     [--brokers memory://rr,nats://127.0.0.1:4222,amqp://guest:guest@127.0.0.1:5672/] [--requests 2000]
 * </pre>
 */
public final class RequestReplyBenchmark {

    private static final int IN_FLIGHT = 64;

    private RequestReplyBenchmark() {
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
            courier(url, requests);
            if (url.startsWith("nats://")) {
                rawNats(url, requests);
            }
        }
        System.exit(0); // client libraries may leave non-daemon threads behind
    }

    private static void courier(String url, int requests) throws Exception {
        String topic = "bench.rr." + UUID.randomUUID().toString().substring(0, 8);
        try (MessageBus responder = MessageBus.connect(url); MessageBus requester = MessageBus.connect(url)) {
            responder.respond(topic, "bench", byte[].class, request -> request.payload(), ConsumerOptions.concurrency(8));
            byte[] payload = new byte[100];
            Duration timeout = Duration.ofSeconds(30);
            for (int i = 0; i < Math.min(200, requests); i++) { // warm-up
                requester.request(topic, payload, byte[].class, timeout).toCompletableFuture().join();
            }
            long[] micros = new long[requests];
            for (int i = 0; i < requests; i++) {
                long start = System.nanoTime();
                requester.request(topic, payload, byte[].class, timeout).toCompletableFuture().join();
                micros[i] = (System.nanoTime() - start) / 1000;
            }
            long start = System.nanoTime();
            List<CompletableFuture<?>> window = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                window.add(requester.request(topic, payload, byte[].class, timeout).toCompletableFuture());
                if (window.size() == IN_FLIGHT) {
                    window.remove(0).join();
                }
            }
            window.forEach(CompletableFuture::join);
            print(url, "Courier request/respond", requests / ((System.nanoTime() - start) / 1e9), micros);
        }
    }

    private static void rawNats(String url, int requests) throws Exception {
        String subject = "bench.raw." + UUID.randomUUID().toString().substring(0, 8);
        try (Connection responder = Nats.connect(url); Connection requester = Nats.connect(url)) {
            Dispatcher dispatcher = responder.createDispatcher(message -> responder.publish(message.getReplyTo(), message.getData()));
            dispatcher.subscribe(subject, "bench");
            responder.flush(Duration.ofSeconds(5));
            byte[] payload = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < Math.min(200, requests); i++) {
                requester.request(subject, payload).join();
            }
            long[] micros = new long[requests];
            for (int i = 0; i < requests; i++) {
                long start = System.nanoTime();
                requester.request(subject, payload).join();
                micros[i] = (System.nanoTime() - start) / 1000;
            }
            long start = System.nanoTime();
            List<CompletableFuture<?>> window = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                window.add(requester.request(subject, payload));
                if (window.size() == IN_FLIGHT) {
                    window.remove(0).join();
                }
            }
            window.forEach(CompletableFuture::join);
            print(url, "raw jnats core request", requests / ((System.nanoTime() - start) / 1e9), micros);
        }
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
