package dev.courier.transport.kafka;

import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Prints how full the producer's batches are when unkeyed records are sent one by one, at full
 * speed and at a fixed rate: the producer's own {@code batch-size-avg}, {@code records-per-request-avg}
 * and {@code record-queue-time-avg} (the time records wait in the producer). Run with
 * {@code -Dcourier.measure=true}. Asserts nothing.
 */
@Tag("batch")
@EnabledIfSystemProperty(named = "courier.measure", matches = "true")
class KafkaBatchFillTest {

    @ParameterizedTest
    @CsvSource({"cloudevents, 1024", "minimal, 1024", "cloudevents, 100", "minimal, 100"})
    void prints_how_full_the_producer_batches_are(String envelope, int payloadBytes) throws Exception {
        int rate = Integer.getInteger("courier.measure.rate", 5_000);
        for (String mode : new String[] {"full speed", rate + " msg/s"}) {
            String clientId = "fill-" + UUID.randomUUID().toString().substring(0, 8);
            try (Transport transport = new KafkaProvider().open(envelope, clientId)) {
                Destination topic = Destination.topic(clientId);
                transport.declare(topic);
                Semaphore window = new Semaphore(1_000);
                int messages = mode.equals("full speed") ? 30_000 : rate * 2;
                long start = System.nanoTime();
                for (int i = 0; i < messages; i++) {
                    if (!mode.equals("full speed")) {
                        long due = start + i * 1_000_000_000L / rate;
                        while (System.nanoTime() < due) {
                            LockSupport.parkNanos(due - System.nanoTime());
                        }
                    }
                    window.acquire();
                    transport.send(new Envelope(UUID.randomUUID().toString(), topic, null, Map.of(), new byte[payloadBytes],
                            "application/octet-stream", Instant.now())).whenComplete((done, failure) -> window.release());
                }
                window.acquire(1_000);
                MBeanServer server = ManagementFactory.getPlatformMBeanServer();
                ObjectName name = new ObjectName("kafka.producer:type=producer-metrics,client-id=" + clientId + "-producer");
                System.out.printf("MEASURE %s %d B, %s: batch-size-avg %.0f B, records-per-request-avg %.1f,"
                                + " record-queue-time-avg %.2f ms, request-latency-avg %.2f ms%n", envelope, payloadBytes, mode,
                        (Double) server.getAttribute(name, "batch-size-avg"),
                        (Double) server.getAttribute(name, "records-per-request-avg"),
                        (Double) server.getAttribute(name, "record-queue-time-avg"),
                        (Double) server.getAttribute(name, "request-latency-avg"));
            }
        }
    }

    /** Opens transports on the test broker. */
    private static final class KafkaProvider {
        Transport open(String envelope, String clientId) {
            return new KafkaTransportProvider().open(URI.create("kafka://" + KafkaTestBroker.bootstrapServers()),
                    Map.of("envelope", envelope, "clientId", clientId));
        }
    }
}
