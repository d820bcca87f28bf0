package dev.courier.benchmarks;

import com.rabbitmq.client.Connection;
import dev.courier.api.BusOptions;
import dev.courier.benchmarks.jmh.JmhRunner;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every case the settings ask for, broker by broker (raw client first, then Courier, on the
 * same broker and topic layout), then the memory:// JMH benchmarks, and writes the report.
 */
final class Harness {

    private static final Logger log = LoggerFactory.getLogger(Harness.class);
    private static final String GROUP = "g";

    /** One broker and size: the raw client's figures and Courier's (either may be missing). */
    record CaseResult(String broker, int size, Driver.Measured raw, Driver.Measured courier, String rawError,
                      String courierError) {
    }

    private final Settings settings;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private RunProgress progress;

    Harness(Settings settings) {
        this.settings = settings;
    }

    /** Runs everything and writes the report; returns the results. */
    Report run() throws Exception {
        Instant started = Instant.now();
        SystemInfo machine = SystemInfo.current();
        List<CaseResult> results = new ArrayList<>();
        List<JmhRunner.Figure> jmh = List.of();
        progress = RunProgress.start("benchmark cases", (long) settings.brokers().size() * settings.sizes().size(), System.out);
        for (String broker : settings.brokers()) {
            switch (broker) {
                case "memory" -> {
                    for (int size : settings.sizes()) {
                        results.add(memoryCase(size));
                    }
                    if (settings.jmh()) {
                        jmh = JmhRunner.runMemoryBenchmarks(settings.quick());
                    }
                }
                case "amqp" -> results.addAll(amqpCases());
                case "nats" -> results.addAll(natsCases());
                case "kafka" -> results.addAll(kafkaCases());
                default -> throw new AssertionError(broker);
            }
        }
        progress.close();
        Report report = new Report(settings, machine, started, Instant.now(), results, jmh);
        report.write(settings.out());
        return report;
    }

    private String topic(String broker, int size, String who) {
        return "bench-" + run + "-" + broker + "-" + size + "-" + who;
    }

    private CaseResult memoryCase(int size) {
        String topic = topic("memory", size, "courier");
        return compare("memory", size, null, null, new CourierContender("memory://bench-" + run, BusOptions.defaults(),
                topic, GROUP, 1, settings.maxInFlight(), () -> { }));
    }

    private List<CaseResult> amqpCases() {
        URI url = URI.create(settings.amqp());
        String unreachable = unreachable(url.getHost(), url.getPort() < 0 ? 5672 : url.getPort());
        List<CaseResult> results = new ArrayList<>();
        for (int size : settings.sizes()) {
            if (unreachable != null) {
                results.add(new CaseResult("amqp", size, null, null, unreachable, unreachable));
                continue;
            }
            String topic = topic("amqp", size, "courier");
            results.add(compare("amqp", size, "raw amqp-client",
                    new RawAmqpContender(url, topic("amqp", size, "raw"), GROUP, settings.maxInFlight(), settings.rawEnvelope()),
                    new CourierContender(settings.amqp(), BusOptions.defaults(), topic, GROUP, 1, settings.maxInFlight(),
                            () -> deleteAmqp(url, topic))));
        }
        return results;
    }

    private static void deleteAmqp(URI url, String topic) {
        Connection connection = null;
        try {
            connection = RawAmqpContender.factory(url).newConnection("bench-cleanup");
            // the group's queue is <topic>:<group> in the RabbitMQ transport (<topic>.<group> in earlier versions)
            RawAmqpContender.deleteQuietly(connection, topic, topic + ":" + GROUP, topic + "." + GROUP,
                    topic + "." + GROUP + ".dlq");
        } catch (Exception e) {
            log.debug("Could not clean up {} on RabbitMQ", topic, e);
        } finally {
            RawAmqpContender.closeQuietly(connection);
        }
    }

    private List<CaseResult> natsCases() {
        URI url = URI.create(settings.nats());
        String unreachable = unreachable(url.getHost(), url.getPort() < 0 ? 4222 : url.getPort());
        List<CaseResult> results = new ArrayList<>();
        for (int size : settings.sizes()) {
            if (unreachable != null) {
                results.add(new CaseResult("nats", size, null, null, unreachable, unreachable));
                continue;
            }
            String topic = topic("nats", size, "courier");
            results.add(compare("nats", size, "raw jnats",
                    new RawNatsContender(settings.nats(), topic("nats", size, "raw"), GROUP, settings.maxInFlight(), settings.rawEnvelope()),
                    new CourierContender(settings.nats(), BusOptions.defaults(), topic, GROUP, 1, settings.maxInFlight(),
                            () -> deleteNats(settings.nats(), topic))));
        }
        return results;
    }

    /** Deletes the streams Courier's NATS transport made for {@code topic} (see its NatsNames). */
    private static void deleteNats(String url, String topic) {
        RawNatsContender.deleteStreams(url, "courier-t-" + topic, "courier-q-" + topic + "_" + GROUP + "_dlq");
    }

    private List<CaseResult> kafkaCases() throws Exception {
        KafkaBrokerProcess own = null;
        String bootstrap = settings.kafka();
        List<CaseResult> results = new ArrayList<>();
        try {
            if (bootstrap == null) {
                try {
                    own = KafkaBrokerProcess.start();
                    bootstrap = own.bootstrap();
                } catch (Exception e) {
                    log.error("Could not start a Kafka broker", e);
                    for (int size : settings.sizes()) {
                        String why = "could not start a Kafka broker: " + e.getMessage();
                        results.add(new CaseResult("kafka", size, null, null, why, why));
                    }
                    return results;
                }
            }
            int partitions = 3;
            for (int size : settings.sizes()) {
                String rawTopic = topic("kafka", size, "raw");
                String topic = topic("kafka", size, "courier");
                String servers = bootstrap;
                results.add(compare("kafka", size, "raw kafka-clients",
                        new RawKafkaContender(bootstrap, rawTopic, rawTopic + ":" + GROUP, partitions,
                                Math.min(settings.maxInFlight(), 500), settings.rawEnvelope()),
                        new CourierContender("kafka://" + bootstrap + "?partitions=" + partitions, BusOptions.defaults(),
                                topic, GROUP, 1, settings.maxInFlight(),
                                () -> RawKafkaContender.deleteTopics(servers,
                                        Set.of(topic, "courier.q." + topic + "." + GROUP + ".dlq"),
                                        Set.of(topic + ":" + GROUP)))));
            }
            return results;
        } finally {
            if (own != null) {
                own.close();
            }
        }
    }

    /**
     * Runs one case: both contenders are started, warmed up, then measured at full speed in
     * alternating slices (raw, Courier, raw, Courier, ...) so that a machine whose load drifts
     * affects both alike, then measured for latency at the same fixed rate.
     */
    private CaseResult compare(String broker, int size, String rawLabel, Contender rawContender, Contender courierContender) {
        Driver.Phases phases = settings.phases();
        Side raw = rawContender == null ? null : new Side(broker, size, rawLabel, new Driver(rawContender, size, phases));
        Side courier = new Side(broker, size, "Courier", new Driver(courierContender, size, phases));
        List<Side> sides = raw == null ? List.of(courier) : List.of(raw, courier);
        log.info("{} {}: {} s warm-up, then {} s at full speed and {} s for latency, each in {} alternating slice(s)", broker, size(size),
                seconds(phases.warmup()), seconds(phases.throughput()), seconds(phases.latency()), settings.rounds());
        try {
            sides.forEach(side -> side.step("start", Driver::start));
            sides.forEach(side -> side.step("warm-up", Driver::warmup));
            long slice = phases.throughput().toNanos() / settings.rounds();
            for (int round = 0; round < settings.rounds(); round++) {
                sides.forEach(side -> side.step("throughput", driver -> driver.throughputSlice(slice)));
            }
            Side reference = raw != null && raw.error == null ? raw : courier;
            double rate = Math.max(100, reference.driver.endToEndRate() * settings.latencyFraction());
            double pace = Double.isNaN(rate) ? 100 : rate;
            long latencySlice = phases.latency().toNanos() / settings.rounds();
            for (int round = 0; round < settings.rounds(); round++) {
                sides.forEach(side -> side.step("latency", driver -> driver.latencySlice(pace, latencySlice)));
            }
        } finally {
            sides.forEach(Side::close);
        }
        sides.forEach(Side::log);
        progress.step(broker + " " + size(size));
        return new CaseResult(broker, size, raw == null ? null : raw.result(), courier.result(),
                raw == null ? "no raw client: memory:// is Courier's own" : raw.error, courier.error);
    }

    /** One contender of a case, and what went wrong with it, if anything. */
    private static final class Side {
        interface Phase {
            void run(Driver driver) throws Exception;
        }

        final String broker;
        final int size;
        final String label;
        final Driver driver;
        String error;

        Side(String broker, int size, String label, Driver driver) {
            this.broker = broker;
            this.size = size;
            this.label = label;
            this.driver = driver;
        }

        void step(String phase, Phase action) {
            if (error != null) {
                return;
            }
            try {
                action.run(driver);
            } catch (Throwable e) {
                error = phase + " failed: " + e;
                log.error("{} {}, {}: {} failed", broker, size(size), label, phase, e);
            }
        }

        Driver.Measured result() {
            return error == null ? driver.result() : null;
        }

        void close() {
            try {
                driver.close();
            } catch (RuntimeException e) {
                log.warn("{} {}, {}: close failed", broker, size(size), label, e);
            }
        }

        void log() {
            if (error != null) {
                return;
            }
            Driver.Measured m = driver.result();
            log.info(String.format(Locale.ROOT,
                    "%s %s, %s: publish %,.0f msg/s, end-to-end %,.0f msg/s; at %,.0f msg/s latency p50 %.0f µs, "
                            + "p99 %.0f µs, p99.9 %.0f µs%s", broker, size(size), label, m.publishRate(), m.endToEndRate(),
                    m.latencyRate(), m.p50(), m.p99(), m.p999(), m.failures() > 0 ? "; " + m.failures() + " failed publishes" : ""));
        }
    }

    static String size(int bytes) {
        return bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " B";
    }

    private static String seconds(java.time.Duration d) {
        return String.format(Locale.ROOT, "%.1f", d.toMillis() / 1000.0);
    }

    /** Null when host:port accepts a connection within 2 s, else the reason. */
    private static String unreachable(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2_000);
            return null;
        } catch (Exception e) {
            return "broker not reachable at " + host + ":" + port + " (" + e.getMessage() + ")";
        }
    }
}
