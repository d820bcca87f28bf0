package dev.courier.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The harness's command-line options, parsed and checked. Immutable.
 *
 * @param brokers          which brokers to measure, in order: memory, amqp, nats, kafka
 * @param sizes            message sizes in bytes
 * @param phases           how long each phase runs and how hard it pushes
 * @param rounds           in how many alternating slices the throughput time is split
 * @param latencyFraction  the latency phase's rate as a fraction of the raw client's end-to-end throughput
 * @param maxInFlight      the consumer's bound on unsettled messages (raw prefetch = Courier maxInFlight)
 * @param kafka            bootstrap servers of an external Kafka, or null to start one
 * @param amqp             the RabbitMQ URL
 * @param nats             the NATS URL
 * @param out              where benchmarks.md and benchmarks.png are written
 * @param jmh              whether the memory:// JMH benchmarks run (when memory is measured)
 * @param quick            short JMH runs too
 * @param note             a line for the report, or null
 * @param rawEnvelope      raw clients send headers as large as Courier's (a diagnostic)
 * @param commandLine      the arguments as given, for the report
 */
record Settings(List<String> brokers, List<Integer> sizes, Driver.Phases phases, int rounds, double latencyFraction, int maxInFlight,
                String kafka, String amqp, String nats, Path out, boolean jmh, boolean quick, String note,
                boolean rawEnvelope, String commandLine) {

    static final List<String> ALL_BROKERS = List.of("memory", "amqp", "nats", "kafka");

    static final String USAGE = """
            usage: java -jar benchmarks/target/courier-benchmarks.jar [options]
                   java -jar benchmarks/target/courier-benchmarks.jar jmh [JMH options]   (memory:// JMH only)
              --brokers LIST           memory,amqp,nats,kafka (default: all four)
              --sizes LIST             message sizes in bytes (default 100,1024)
              --seconds N              measured seconds at full speed per case (default 10)
              --warmup N               warm-up seconds per case, not counted (default 3)
              --rounds N               the measured seconds in N slices, raw and Courier alternating (default 4)
              --latency-seconds N      seconds at a fixed rate for latency per case (default 3)
              --latency-fraction F     that rate, as a fraction of the raw client's throughput (default 0.25)
              --quick                  about a minute and a half: --seconds 2 --warmup 1 --latency-seconds 1 --rounds 1, short JMH
              --window N               publishes awaiting confirmation at most (default 1000)
              --backlog N              messages published and not yet handled at most (default 10000)
              --max-in-flight N        consumer prefetch = Courier maxInFlight (default 256)
              --kafka HOST:PORT        use this Kafka instead of starting a throw-away broker
              --amqp URL               default $COURIER_AMQP_URL or amqp://guest:guest@127.0.0.1:5672
              --nats URL               default $COURIER_NATS_URL or nats://127.0.0.1:4222
              --out DIR                where benchmarks.md and benchmarks.png go (default docs)
              --no-jmh                 skip the memory:// JMH benchmarks
              --note TEXT              a line for the report (for example: machine shared with other jobs)
              --raw-envelope           diagnostic: raw clients send headers as large as Courier's envelope
                                       (id, content type, timestamp, CloudEvents attributes)
            """;

    static Settings parse(String[] args) {
        List<String> brokers = ALL_BROKERS;
        List<Integer> sizes = List.of(100, 1024);
        double seconds = 10;
        double warmup = 3;
        double latencySeconds = 3;
        double latencyFraction = 0.25;
        int rounds = 4;
        int window = 1000;
        int backlog = 10_000;
        int maxInFlight = 256;
        String kafka = env("COURIER_KAFKA_BOOTSTRAP", null);
        String amqp = env("COURIER_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672");
        String nats = env("COURIER_NATS_URL", "nats://127.0.0.1:4222");
        Path out = Path.of("docs");
        boolean jmh = true;
        boolean quick = false;
        String note = null;
        boolean rawEnvelope = false;
        boolean secondsGiven = false;
        boolean warmupGiven = false;
        boolean latencyGiven = false;
        boolean roundsGiven = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--brokers" -> {
                    brokers = new ArrayList<>();
                    for (String b : value(args, ++i, arg).split(",")) {
                        String name = b.trim().toLowerCase(Locale.ROOT);
                        if (!ALL_BROKERS.contains(name)) {
                            throw new IllegalArgumentException("unknown broker '" + b + "'; known: " + ALL_BROKERS);
                        }
                        brokers.add(name);
                    }
                }
                case "--sizes" -> {
                    sizes = new ArrayList<>();
                    for (String s : value(args, ++i, arg).split(",")) {
                        int size = (int) number(arg, s.trim(), Driver.MIN_SIZE, 64 * 1024 * 1024);
                        sizes.add(size);
                    }
                }
                case "--seconds" -> {
                    seconds = number(arg, value(args, ++i, arg), 0.1, 3600);
                    secondsGiven = true;
                }
                case "--warmup" -> {
                    warmup = number(arg, value(args, ++i, arg), 0, 3600);
                    warmupGiven = true;
                }
                case "--latency-seconds" -> {
                    latencySeconds = number(arg, value(args, ++i, arg), 0.1, 3600);
                    latencyGiven = true;
                }
                case "--rounds" -> {
                    rounds = (int) number(arg, value(args, ++i, arg), 1, 1000);
                    roundsGiven = true;
                }
                case "--latency-fraction" -> latencyFraction = number(arg, value(args, ++i, arg), 0.001, 1);
                case "--window" -> window = (int) number(arg, value(args, ++i, arg), 1, 1_000_000);
                case "--backlog" -> backlog = (int) number(arg, value(args, ++i, arg), 1, 100_000_000);
                case "--max-in-flight" -> maxInFlight = (int) number(arg, value(args, ++i, arg), 1, 65_535);
                case "--kafka" -> kafka = value(args, ++i, arg);
                case "--amqp" -> amqp = value(args, ++i, arg);
                case "--nats" -> nats = value(args, ++i, arg);
                case "--out" -> out = Path.of(value(args, ++i, arg));
                case "--no-jmh" -> jmh = false;
                case "--quick" -> quick = true;
                case "--note" -> note = value(args, ++i, arg);
                case "--raw-envelope" -> rawEnvelope = true;
                case "-h", "--help" -> throw new IllegalArgumentException("help");
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
        }
        if (quick) {
            seconds = secondsGiven ? seconds : 2;
            warmup = warmupGiven ? warmup : 1;
            latencySeconds = latencyGiven ? latencySeconds : 1;
            rounds = roundsGiven ? rounds : 1;
        }
        Driver.Phases phases = new Driver.Phases(duration(warmup), duration(seconds), duration(latencySeconds), window,
                backlog);
        return new Settings(List.copyOf(brokers), List.copyOf(sizes), phases, rounds, latencyFraction, maxInFlight, kafka, amqp,
                nats, out, jmh, quick, note, rawEnvelope, redact(shellWords(args)));
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException("option " + option + " needs a value");
        }
        return args[i];
    }

    private static double number(String option, String value, double min, double max) {
        double parsed;
        try {
            parsed = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + option + " needs a number: '" + value + "'");
        }
        if (parsed < min || parsed > max) {
            throw new IllegalArgumentException("option " + option + " must be between " + min + " and " + max + ": " + value);
        }
        return parsed;
    }

    private static Duration duration(double seconds) {
        return Duration.ofNanos((long) (seconds * 1e9));
    }

    /** The arguments as a shell would need them: single-quoted when they hold anything but safe characters. */
    static String shellWords(String[] args) {
        StringBuilder line = new StringBuilder();
        for (String arg : args) {
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(arg.matches("[A-Za-z0-9_./:,=@%+-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'");
        }
        return line.toString();
    }

    /** The command line without passwords in URLs. */
    static String redact(String text) {
        return text.replaceAll("://([^:/@\\s]+):[^@/\\s]*@", "://$1:***@");
    }
}
