package dev.courier.internal.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import dev.courier.spi.Transports;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MemoryQueueTest {

    private static final Destination JOBS = Destination.queue("jobs");

    @Test
    void a_sink_that_throws_keeps_its_delivery_and_the_queue_goes_on_delivering() throws Exception {
        try (Transport transport = Transports.open("memory://sink-throws", Map.of())) {
            transport.declare(JOBS);
            BlockingQueue<String> taken = new LinkedBlockingQueue<>();
            Consumer breaking = transport.consume(new ConsumerSpec(JOBS, null, 10), delivery -> {
                if (delivery.envelope().id().equals("a")) {
                    throw new IllegalStateException("the sink broke");
                }
                taken.add(delivery.envelope().id());
                delivery.ack();
            });
            for (String id : List.of("a", "b", "c")) {
                transport.send(job(id)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            assertEquals("b", taken.poll(5, TimeUnit.SECONDS));
            assertEquals("c", taken.poll(5, TimeUnit.SECONDS));

            breaking.close();
            try (Consumer next = transport.consume(new ConsumerSpec(JOBS, null, 10), delivery -> {
                taken.add(delivery.envelope().id());
                delivery.ack();
            })) {
                assertEquals("a", taken.poll(5, TimeUnit.SECONDS), "the kept delivery, given back on close");
            }
        }
    }

    private static Envelope job(String id) {
        return new Envelope(id, JOBS, null, Map.of(), new byte[] {1}, "application/octet-stream", Instant.EPOCH);
    }
}
