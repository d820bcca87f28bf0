package dev.courier.benchmarks;

import com.rabbitmq.client.Connection;
import dev.courier.api.BusOptions;
import dev.courier.benchmarks.jmh.JmhRunner;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every case the settings ask for, broker by broker, then the memory:// JMH benchmarks, and
 * writes the report. A case is one broker and payload (byte[] or a JSON record, at one size) with
 * the raw client and Courier (one per envelope) on the same broker and topic layout, each on a
 * fresh topic; or a batch case (the raw client in batches, Courier single publishes, Courier
 * {@code publishAll}). Every contender's slices alternate with the others' (raw, Courier, Courier
 * minimal, raw, ...) so that a machine whose load drifts affects all alike, and each slice is
 * measured on its own so the repeats give a median and a spread.
 */
final class Harness {

    private static final Logger log = LoggerFactory.getLogger(Harness.class);
    private static final String GROUP = "g";

    /** Labels of the contenders, as the report shows them. */
    static final String RAW = "raw";
    static final String COURIER = "Courier";
    static final String COURIER_MINIMAL = "Courier envelope=minimal";
    static final String COURIER_SINGLE = "Courier publish";
    static final String COURIER_BATCH = "Courier publishAll";

    /** One contender of a case: what it measured, or why not. */
    record Contestant(String label, Driver.Measured measured, String error) {
    }

    /**
     * One case: a broker, a payload ({@code bytes}, {@code json} or {@code batch}) at a size, the
     * raw client's figures (null on memory://) and Courier's, one contestant per variant.
     */
    record CaseResult(String broker, String payload, int size, Contestant raw, List<Contestant> couriers) {

        CaseResult {
            couriers = List.copyOf(couriers);
        }

        /** The first Courier contestant's figures (the default envelope, or single publishes), or null. */
        Driver.Measured courier() {
            return couriers.isEmpty() ? null : couriers.get(0).measured();
        }

        /** Why the first Courier contestant has no figures, or null. */
        String courierError() {
            return couriers.isEmpty() ? "not run" : couriers.get(0).error();
        }

        /** The Courier contestant labelled {@code label}, or null. */
        Contestant courier(String label) {
            return couriers.stream().filter(c -> c.label().equals(label)).findFirst().orElse(null);
        }
    }

    /** A broker's JFR profile of the Courier path, or why there is none. */
    record ProfileResult(String broker, String slice, CpuProfile profile, String error) {
    }

    /** How to make a broker's contenders for a case. */
    private interface Broker {
        /** The raw client's contender, or null when there is none (memory://). */
        Contender raw(PayloadFormat format, String topic);

        /** Courier's contender with the given envelope ({@code default} or {@code minimal}). */
        Contender courier(PayloadFormat format, String topic, String envelope);
    }

    private final Settings settings;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<ProfileResult> profiles = new ArrayList<>();
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
        String jmhError = null;
        Duration estimate = settings.estimate();
        log.info("This run should take about {} min {} s (brokers {}, {} repeat(s) of {} s throughput and {} s latency slices)",
                estimate.toMinutes(), estimate.toSecondsPart(), settings.brokers(), settings.repeats(),
                seconds(settings.phases().throughput()), seconds(settings.phases().latency()));
        int casesPerBroker = settings.sizes().size() + settings.jsonSizes().size() + (settings.batch() > 0 ? 1 : 0);
        progress = RunProgress.start("benchmark cases", (long) settings.brokers().size() * casesPerBroker, System.out);
        for (String broker : settings.brokers()) {
            switch (broker) {
                case "memory" -> {
                    results.addAll(cases("memory", memory()));
                    if (settings.jmh()) {
                        try {
                            jmh = JmhRunner.runMemoryBenchmarks(settings.quick());
                        } catch (Exception e) {
                            // for example another JMH run holding /tmp/jmh.lock: a missing figure, the brokers still run
                            log.error("The memory:// JMH benchmarks failed", e);
                            jmhError = e.getMessage() == null ? e.toString() : e.getMessage();
                        }
                    }
                }
                case "amqp" -> {
                    URI url = URI.create(settings.amqp());
                    results.addAll(reachable("amqp", url.getHost(), url.getPort() < 0 ? 5672 : url.getPort(), amqp(url)));
                }
                case "nats" -> {
                    URI url = URI.create(settings.nats());
                    results.addAll(reachable("nats", url.getHost(), url.getPort() < 0 ? 4222 : url.getPort(), nats()));
                }
                case "kafka" -> results.addAll(kafkaCases());
                case "aws" -> results.addAll(awsCases());
                default -> throw new AssertionError(broker);
            }
        }
        progress.close();
        Report report = new Report(settings, machine, started, Instant.now(), results, jmh, jmhError, profiles);
        report.write(settings.out());
        return report;
    }

    private String topic(String broker, String payload, int size, String who) {
        return "bench-" + run + "-" + broker + "-" + payload + size + "-" + who;
    }

    /** The cases of one broker: byte[] at each size, JSON at each JSON size, the batch case. */
    private List<CaseResult> cases(String broker, Broker factory) {
        List<CaseResult> results = new ArrayList<>();
        boolean memory = broker.equals("memory");
        List<String> envelopes = memory ? List.of("default") : settings.envelopes();
        boolean profiled = settings.profileSeconds() <= 0;
        for (PayloadFormat format : formats()) {
            int size = sizeOf(format);
            List<Side> sides = new ArrayList<>();
            Contender raw = factory.raw(format, topic(broker, format.name(), size, "raw"));
            if (raw != null) {
                sides.add(new Side(broker, format.name(), size, RAW, raw, 1));
            }
            for (String envelope : envelopes) {
                String label = envelope.equals("default") ? COURIER : COURIER_MINIMAL;
                String who = envelope.equals("default") ? "courier" : "courier-min";
                sides.add(new Side(broker, format.name(), size, label, lazy(() -> factory.courier(format,
                        topic(broker, format.name(), size, who), envelope)), 1));
            }
            boolean profile = !profiled && format instanceof PayloadFormat.Bytes;
            profiled |= profile;
            results.add(compare(broker, format.name(), size, raw != null, sides, true, profile));
        }
        if (settings.batch() > 0) {
            int size = settings.batchSize();
            PayloadFormat format = PayloadFormat.bytes(size);
            int batch = settings.batch();
            List<Side> sides = new ArrayList<>();
            Contender raw = factory.raw(format, topic(broker, "batch", size, "raw"));
            if (raw != null) {
                sides.add(new Side(broker, "batch", size, RAW, raw, batch));
            }
            sides.add(new Side(broker, "batch", size, COURIER_SINGLE,
                    lazy(() -> factory.courier(format, topic(broker, "batch", size, "single"), "default")), 1));
            sides.add(new Side(broker, "batch", size, COURIER_BATCH,
                    lazy(() -> factory.courier(format, topic(broker, "batch", size, "all"), "default")), batch));
            results.add(compare(broker, "batch", size, raw != null, sides, false, false));
        }
        return results;
    }

    private List<PayloadFormat> formats() {
        List<PayloadFormat> formats = new ArrayList<>();
        settings.sizes().forEach(size -> formats.add(PayloadFormat.bytes(size)));
        settings.jsonSizes().forEach(size -> formats.add(PayloadFormat.json(size)));
        return formats;
    }

    private static int sizeOf(PayloadFormat format) {
        return format instanceof PayloadFormat.Bytes bytes ? bytes.size() : ((PayloadFormat.Json) format).size();
    }

    /** The broker's cases, or every case with the reason when host:port does not answer. */
    private List<CaseResult> reachable(String broker, String host, int port, Broker factory) {
        String unreachable = unreachable(host, port);
        if (unreachable == null) {
            return cases(broker, factory);
        }
        return failedCases(broker, unreachable);
    }

    /** Every case of a broker that could not run, each with the reason. */
    private List<CaseResult> failedCases(String broker, String why) {
        List<CaseResult> results = new ArrayList<>();
        for (PayloadFormat format : formats()) {
            List<Contestant> couriers = settings.envelopes().stream()
                    .map(e -> new Contestant(e.equals("default") ? COURIER : COURIER_MINIMAL, null, why)).toList();
            results.add(new CaseResult(broker, format.name(), sizeOf(format), new Contestant(RAW, null, why), couriers));
            progress.step(broker + " " + format.name() + " " + size(sizeOf(format)));
        }
        if (settings.batch() > 0) {
            results.add(new CaseResult(broker, "batch", settings.batchSize(), new Contestant(RAW, null, why),
                    List.of(new Contestant(COURIER_SINGLE, null, why), new Contestant(COURIER_BATCH, null, why))));
            progress.step(broker + " batch");
        }
        return results;
    }

    private Broker memory() {
        return new Broker() {
            @Override
            public Contender raw(PayloadFormat format, String topic) {
                return null;
            }

            @Override
            public Contender courier(PayloadFormat format, String topic, String envelope) {
                return new CourierContender(envelopeUrl("memory://bench-" + run, envelope), BusOptions.defaults(), topic, GROUP,
                        format, settings.maxInFlight(), () -> { });
            }
        };
    }

    private Broker amqp(URI url) {
        return new Broker() {
            @Override
            public Contender raw(PayloadFormat format, String topic) {
                return new RawAmqpContender(url, topic, GROUP, settings.maxInFlight(), format, settings.rawEnvelope());
            }

            @Override
            public Contender courier(PayloadFormat format, String topic, String envelope) {
                return new CourierContender(envelopeUrl(settings.amqp(), envelope), BusOptions.defaults(), topic, GROUP, format,
                        settings.maxInFlight(), () -> deleteAmqp(url, topic));
            }
        };
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

    private Broker nats() {
        return new Broker() {
            @Override
            public Contender raw(PayloadFormat format, String topic) {
                return new RawNatsContender(settings.nats(), topic, GROUP, settings.maxInFlight(), format, settings.rawEnvelope());
            }

            @Override
            public Contender courier(PayloadFormat format, String topic, String envelope) {
                return new CourierContender(envelopeUrl(settings.nats(), envelope), BusOptions.defaults(), topic, GROUP, format,
                        settings.maxInFlight(), () -> deleteNats(settings.nats(), topic));
            }
        };
    }

    /** Deletes the streams Courier's NATS transport made for {@code topic} (see its NatsNames). */
    private static void deleteNats(String url, String topic) {
        RawNatsContender.deleteStreams(url, "courier-t-" + topic, "courier-q-" + topic + "_" + GROUP + "_dlq");
    }

    private List<CaseResult> kafkaCases() throws Exception {
        KafkaBrokerProcess own = null;
        String bootstrap = settings.kafka();
        try {
            if (bootstrap == null) {
                try {
                    own = KafkaBrokerProcess.start();
                    bootstrap = own.bootstrap();
                } catch (Exception e) {
                    log.error("Could not start a Kafka broker", e);
                    return failedCases("kafka", "could not start a Kafka broker: " + e.getMessage());
                }
            }
            int partitions = 3;
            String servers = bootstrap;
            return cases("kafka", new Broker() {
                @Override
                public Contender raw(PayloadFormat format, String topic) {
                    return new RawKafkaContender(servers, topic, topic + ":" + GROUP, partitions,
                            Math.min(settings.maxInFlight(), 500), format, settings.rawEnvelope());
                }

                @Override
                public Contender courier(PayloadFormat format, String topic, String envelope) {
                    return new CourierContender(envelopeUrl("kafka://" + servers + "?partitions=" + partitions, envelope),
                            BusOptions.defaults(), topic, GROUP, format, settings.maxInFlight(),
                            () -> RawKafkaContender.deleteTopics(servers, Set.of(topic, "courier.q." + topic + "." + GROUP + ".dlq"),
                                    Set.of(topic + ":" + GROUP)));
                }
            });
        } finally {
            if (own != null) {
                own.close();
            }
        }
    }

    /**
     * SNS + SQS on a moto_server, the given one or one the harness starts and kills after the cases.
     * Both contenders use the SDK's default credentials chain, given dummy credentials as the system
     * properties {@code aws.accessKeyId} / {@code aws.secretAccessKey} unless set (moto takes any),
     * and the region {@link RawAwsContender#REGION}. Courier short-polls ({@code waitTime=0s}), as
     * the raw client does and as transport-aws's tests do: moto answers a long poll by holding a lock
     * and spinning until the wait ends when the queue's visible messages all belong to message groups
     * in flight (always so on a FIFO queue being drained), which starves every other call it serves.
     */
    private List<CaseResult> awsCases() {
        MotoServerProcess own = null;
        String endpoint = settings.awsEndpoint();
        try {
            if (endpoint == null) {
                try {
                    own = MotoServerProcess.start();
                    endpoint = own.endpoint();
                } catch (Exception e) {
                    log.error("Could not start moto_server", e);
                    return failedCases("aws", "could not start moto_server: " + e.getMessage());
                }
            } else {
                URI given = URI.create(endpoint);
                String unreachable = unreachable(given.getHost(), given.getPort() < 0
                        ? (given.getScheme().equals("https") ? 443 : 80) : given.getPort());
                if (unreachable != null) {
                    return failedCases("aws", unreachable);
                }
            }
            if (System.getProperty("aws.accessKeyId") == null) {
                System.setProperty("aws.accessKeyId", "courier-bench");
                System.setProperty("aws.secretAccessKey", "courier-bench-key");
            }
            String at = endpoint;
            String url = "aws://" + RawAwsContender.REGION + "?endpoint=" + at + "&waitTime=0s";
            return cases("aws", new Broker() {
                @Override
                public Contender raw(PayloadFormat format, String topic) {
                    return new RawAwsContender(at, topic, GROUP, settings.maxInFlight(), format, settings.rawEnvelope());
                }

                @Override
                public Contender courier(PayloadFormat format, String topic, String envelope) {
                    return new CourierContender(envelopeUrl(url, envelope), BusOptions.defaults(), topic, GROUP, format,
                            settings.maxInFlight(), () -> RawAwsContender.deleteCourierTopology(at, topic, GROUP));
                }
            });
        } finally {
            if (own != null) {
                own.close();
            }
        }
    }

    /** {@code url} with {@code envelope=minimal} appended for the minimal envelope; as is for the default. */
    static String envelopeUrl(String url, String envelope) {
        if (envelope.equals("default")) {
            return url;
        }
        return url + (url.contains("?") ? "&" : "?") + "envelope=" + envelope;
    }

    /** A contender made on {@link Contender#start}, so that a transport refusing its URL fails that side only. */
    private static Contender lazy(java.util.function.Supplier<Contender> make) {
        return new Contender() {
            private Contender made;

            @Override
            public void start(Receiver receiver) throws Exception {
                made = make.get();
                made.start(receiver);
            }

            @Override
            public void publish(long sentAt, Confirm confirm) {
                made.publish(sentAt, confirm);
            }

            @Override
            public void publishBatch(long[] sentAts, Confirm confirm) {
                made.publishBatch(sentAts, confirm);
            }

            @Override
            public void close() {
                if (made != null) {
                    made.close();
                }
            }
        };
    }

    /**
     * Runs one case: every side is started and warmed up, then measured at full speed in
     * alternating slices (raw, Courier, Courier minimal, raw, ...), then for latency at the same
     * fixed rate, also alternating; then, if asked, Courier's side is profiled for one more
     * (uncounted) slice.
     */
    private CaseResult compare(String broker, String payload, int size, boolean hasRaw, List<Side> sides, boolean latency,
                               boolean profile) {
        Driver.Phases phases = settings.phases();
        int repeats = settings.repeats();
        String name = broker + " " + payload + " " + size(size);
        log.info("{}: {} s warm-up, then {} × ({} s at full speed{}) per contender, alternating", name,
                seconds(phases.warmup()), repeats, seconds(phases.throughput()),
                latency ? " and " + seconds(phases.latency()) + " s for latency" : "");
        try {
            sides.forEach(side -> side.step("start", Driver::start));
            sides.forEach(side -> side.step("warm-up", Driver::warmup));
            long slice = phases.throughput().toNanos();
            for (int round = 0; round < repeats; round++) {
                sides.forEach(side -> side.step("throughput", driver -> driver.throughputSlice(slice)));
            }
            if (latency) {
                Side reference = sides.stream().filter(s -> s.error == null).findFirst().orElse(sides.get(0));
                double rate = reference.driver.result().endToEndRate() * settings.latencyFraction();
                // at least 100 msg/s, except on aws: moto handles tens of messages a second, 100 would overload it
                double floor = broker.equals("aws") ? 1 : 100;
                double pace = Double.isNaN(rate) ? floor : Math.max(floor, rate);
                long latencySlice = phases.latency().toNanos();
                for (int round = 0; round < repeats; round++) {
                    sides.forEach(side -> side.step("latency", driver -> driver.latencySlice(pace, latencySlice)));
                }
            }
            if (profile) {
                Side courier = sides.stream().filter(s -> s.label.equals(COURIER)).findFirst().orElseThrow();
                profile(broker, payload + " " + size(size), courier);
            }
        } finally {
            sides.forEach(Side::close);
        }
        sides.forEach(Side::log);
        progress.step(name);
        Contestant raw = hasRaw ? sides.get(0).contestant() : null;
        List<Contestant> couriers = sides.subList(hasRaw ? 1 : 0, sides.size()).stream().map(Side::contestant).toList();
        return new CaseResult(broker, payload, size, raw, couriers);
    }

    /** One more full-speed Courier slice, not counted, recorded by JFR and summarised. */
    private void profile(String broker, String slice, Side courier) {
        if (courier.error != null) {
            profiles.add(new ProfileResult(broker, slice, null, "Courier failed: " + courier.error));
            return;
        }
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "courier-bench-" + run + "-" + broker + ".jfr");
        long nanos = (long) (settings.profileSeconds() * 1e9);
        try {
            CpuProfile profile = CpuProfile.record(file, () -> courier.driver.load(nanos));
            profiles.add(new ProfileResult(broker, slice, profile, null));
            log.info("{}: JFR profile of Courier in {} ({} CPU samples)", broker, file, profile.cpuSamples());
        } catch (Exception e) {
            log.error("{}: the JFR profile failed", broker, e);
            profiles.add(new ProfileResult(broker, slice, null, "profile failed: " + e));
        }
    }

    /** One contender of a case, and what went wrong with it, if anything. */
    private final class Side {
        interface Phase {
            void run(Driver driver) throws Exception;
        }

        final String broker;
        final String payload;
        final int size;
        final String label;
        final Driver driver;
        String error;

        Side(String broker, String payload, int size, String label, Contender contender, int batch) {
            this.broker = broker;
            this.payload = payload;
            this.size = size;
            this.label = label;
            // the batch case has no backlog bound: a consumer slower than publishAll must not set the publish rate
            Driver.Phases phases = settings.phases();
            this.driver = new Driver(contender, payload.equals("batch") ? new Driver.Phases(phases.warmup(), phases.throughput(),
                    phases.latency(), phases.window(), Integer.MAX_VALUE) : phases, batch);
        }

        void step(String phase, Phase action) {
            if (error != null) {
                return;
            }
            try {
                action.run(driver);
            } catch (Throwable e) {
                error = phase + " failed: " + e;
                log.error("{} {} {}, {}: {} failed", broker, payload, size(size), label, phase, e);
            }
        }

        Contestant contestant() {
            return new Contestant(label, error == null ? driver.result() : null, error);
        }

        void close() {
            try {
                driver.close();
            } catch (RuntimeException e) {
                log.warn("{} {} {}, {}: close failed", broker, payload, size(size), label, e);
            }
        }

        void log() {
            if (error != null) {
                return;
            }
            Driver.Measured m = driver.result();
            double p50 = Stats.median(m.latency().stream().mapToDouble(Driver.Latency::p50).toArray());
            double p99 = Stats.median(m.latency().stream().mapToDouble(Driver.Latency::p99).toArray());
            log.info(String.format(Locale.ROOT, "%s %s %s, %s: median publish %,.0f msg/s, end-to-end %,.0f msg/s%s%s", broker,
                    payload, size(size), label, m.publishRate(), m.endToEndRate(), m.latency().isEmpty() ? ""
                            : String.format(Locale.ROOT, "; latency p50 %.0f µs, p99 %.0f µs", p50, p99),
                    m.failures() > 0 ? "; " + m.failures() + " failed publishes" : ""));
        }
    }

    static String size(int bytes) {
        return bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " B";
    }

    private static String seconds(Duration d) {
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
