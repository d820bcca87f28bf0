package dev.courier.transport.nats;

import dev.courier.spi.*;
import java.net.URI;
import java.time.Instant;
import java.util.*;
import java.util.concurrent.*;
import org.junit.jupiter.api.Test;

class TmpLatenessProbeTest {
    @Test
    void probe() throws Exception {
        String prefix = NatsTestBroker.uniquePrefix();
        try (Transport t = new NatsTransportProvider().open(URI.create(NatsTestBroker.URL), Map.of())) {
            Destination q = Destination.queue(prefix + ".probe");
            t.declare(q);
            Map<String, Instant> due = new ConcurrentHashMap<>();
            List<Long> late = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch done = new CountDownLatch(1000);
            t.consume(new ConsumerSpec(q, null, 500), d -> { late.add(Instant.now().toEpochMilli() - due.get(d.envelope().id()).toEpochMilli()); d.ack(); done.countDown(); });
            Random r = new Random(1);
            List<CompletableFuture<Void>> f = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                Instant at = Instant.now().plusMillis(500 + r.nextInt(10_000));
                Envelope e = new Envelope(UUID.randomUUID().toString(), q, null, Map.of(), new byte[10], "x", Instant.now(), null, at);
                due.put(e.id(), at);
                f.add(t.send(e).toCompletableFuture());
            }
            f.forEach(CompletableFuture::join);
            System.out.println("sent");
            done.await(60, TimeUnit.SECONDS);
            List<Long> s = new ArrayList<>(late); Collections.sort(s);
            System.out.println("PROBE n=" + s.size() + " min=" + s.get(0) + " p50=" + s.get(s.size()/2) + " p99=" + s.get(s.size()*99/100) + " max=" + s.get(s.size()-1));
            NatsTestBroker.deleteStreams(NatsTestBroker.URL, prefix);
        }
    }
}
