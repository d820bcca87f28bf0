package dev.courier.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The harness's command-line options, parsed and checked. Immutable.
 *
 * @param brokers          which brokers to measure, in order: memory, amqp, nats, kafka ({@link #DEFAULT_BROKERS}),
 *                         and aws (SNS + SQS on moto_server; only when asked for, see {@link #ALL_BROKERS})
 * @param sizes            message sizes in bytes
 * @param jsonSizes        sizes of the JSON record cases (about, in bytes); empty for none
 * @param batch            messages per publishAll in the batch cases (at the smallest size); 0 for no batch cases
 * @param envelopes        Courier's envelopes to measure: {@code default}, {@code minimal} ({@code envelope=minimal} in the URL)
 * @param phases           how long each slice runs and how hard it pushes
 * @param repeats          how many times each contender's throughput and latency slices are repeated, alternating
 * @param profileSeconds   seconds of the JFR-profiled Courier slice per broker; 0 for no profile
 * @param latencyFraction  the latency phase's rate as a fraction of the raw client's end-to-end throughput
 * @param maxInFlight      the consumer's bound on unsettled messages (raw prefetch = Courier maxInFlight)
 * @param kafka            bootstrap servers of an external Kafka, or null to start one
 * @param amqp             the RabbitMQ URL
 * @param nats             the NATS URL
 * @param awsEndpoint      the endpoint of a running moto_server for aws, or null to start one
 * @param out              where benchmarks.md and benchmarks.png are written
 * @param jmh              whether the memory:// JMH benchmarks run (when memory is measured)
 * @param quick            short JMH runs too
 * @param note             a line for the report, or null
 * @param rawEnvelope      raw clients send headers as large as Courier's (a diagnostic)
 * @param commandLine      the arguments as given, for the report
 */
record Settings(List<String> brokers, List<Integer> sizes, List<Integer> jsonSizes, int batch, List<String> envelopes,
                Driver.Phases phases, int repeats, double latencyFraction, int maxInFlight,
                String kafka, String amqp, String nats, String awsEndpoint, Path out, boolean jmh, boolean quick, String note,
                boolean rawEnvelope, double profileSeconds, String commandLine) {

    /** The brokers a run without {@code --brokers} measures. */
    static final List<String> DEFAULT_BROKERS = List.of("memory", "amqp", "nats", "kafka");
    /**
     * Every broker {@code --brokers} takes. {@code aws} is not a default: its emulator (moto, in
     * Python) serves about a hundred calls a second, which would lengthen a default run by minutes
     * and measure the emulator more than the client.
     */
    static final List<String> ALL_BROKERS = List.of("memory", "amqp", "nats", "kafka", "aws");
    static final List<String> ALL_ENVELOPES = List.of("default", "minimal");

    /** The command line, declared for picocli: names, value labels, descriptions; defaults and ranges in {@link #parse}. */
    @Command(name = "courier-benchmarks", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            customSynopsis = {"java -jar benchmarks/target/courier-benchmarks.jar [options]",
                    "java -jar benchmarks/target/courier-benchmarks.jar jmh [JMH options]   (memory:// JMH only)"},
            description = {"Courier against the raw Kafka, RabbitMQ and NATS clients in the same run; writes benchmarks.md and benchmarks.png.",
                    "--brokers aws measures AWS SNS + SQS against the raw AWS SDK on a moto_server (not in the default run)."})
    static final class Arguments {
        @Option(names = "--brokers", split = ",", paramLabel = "LIST", description = "memory,amqp,nats,kafka,aws (default: memory,amqp,nats,kafka; aws only when listed)")
        List<String> brokers;
        @Option(names = "--sizes", split = ",", paramLabel = "LIST", description = "message sizes in bytes (default 100,1024)")
        List<Double> sizes;
        @Option(names = "--json-sizes", split = ",", paramLabel = "LIST", description = "sizes of the JSON record cases, or none (default 1024)")
        List<String> jsonSizes;
        @Option(names = "--batch", paramLabel = "N", description = "messages per publishAll in the batch cases, 0 for none (default 100)")
        Double batch;
        @Option(names = "--envelopes", split = ",", paramLabel = "LIST", description = "Courier envelopes: default,minimal (default: both)")
        List<String> envelopes;
        @Option(names = "--seconds", paramLabel = "N", description = "measured seconds at full speed per slice (default 3)")
        Double seconds;
        @Option(names = "--warmup", paramLabel = "N", description = "warm-up seconds per contender and case, not counted (default 2)")
        Double warmup;
        @Option(names = {"--repeats", "--rounds"}, paramLabel = "N", description = "slices per contender, raw and Courier alternating (default 3)")
        Double repeats;
        @Option(names = "--latency-seconds", paramLabel = "N", description = "seconds at a fixed rate per latency slice (default 1.5)")
        Double latencySeconds;
        @Option(names = "--latency-fraction", paramLabel = "F", description = "that rate, as a fraction of the raw client's throughput (default 0.25)")
        Double latencyFraction;
        @Option(names = "--quick", description = "a few minutes: --seconds 1 --warmup 0.5 --latency-seconds 0.5 --repeats 1 --profile-seconds 1, short JMH")
        boolean quick;
        @Option(names = "--window", paramLabel = "N", description = "publishes awaiting confirmation at most (default 1000)")
        Double window;
        @Option(names = "--backlog", paramLabel = "N", description = "messages published and not yet handled at most, except in the batch case (default 10000)")
        Double backlog;
        @Option(names = "--max-in-flight", paramLabel = "N", description = "consumer prefetch = Courier maxInFlight (default 256)")
        Double maxInFlight;
        @Option(names = "--kafka", paramLabel = "HOST:PORT", description = "use this Kafka instead of starting a throw-away broker")
        String kafka;
        @Option(names = "--amqp", paramLabel = "URL", description = "default $COURIER_AMQP_URL or amqp://guest:guest@127.0.0.1:5672")
        String amqp;
        @Option(names = "--nats", paramLabel = "URL", description = "default $COURIER_NATS_URL or nats://127.0.0.1:4222")
        String nats;
        @Option(names = "--aws-endpoint", paramLabel = "URL", description = {"aws: a running moto_server, for example http://127.0.0.1:5000",
                "(default $COURIER_AWS_ENDPOINT, else the harness starts transport-aws's patched moto_server on a free port)"})
        String awsEndpoint;
        @Option(names = "--out", paramLabel = "DIR", description = "where benchmarks.md and benchmarks.png go (default docs)")
        Path out;
        @Option(names = "--no-jmh", description = "skip the memory:// JMH benchmarks")
        boolean noJmh;
        @Option(names = "--note", paramLabel = "TEXT", description = "a line for the report (for example: machine shared with other jobs)")
        String note;
        @Option(names = "--raw-envelope", description = {"diagnostic: raw clients send headers as large as Courier's envelope",
                "(id, content type, timestamp, CloudEvents attributes)"})
        boolean rawEnvelope;
        @Option(names = "--profile-seconds", paramLabel = "N", description = "JFR-profiled Courier slice per broker, 0 for none (default 5)")
        Double profileSeconds;
    }

    /** The usage text picocli writes from {@link Arguments}. */
    static String usage() {
        return new CommandLine(new Arguments()).getUsageMessage();
    }

    /**
     * Parses and checks the arguments.
     *
     * @throws IllegalArgumentException naming the bad option and value, or with the message
     *         {@code help} when help was asked for
     */
    static Settings parse(String[] args) {
        Arguments given = new Arguments();
        CommandLine commandLine = new CommandLine(given);
        try {
            commandLine.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (commandLine.isUsageHelpRequested() || commandLine.isVersionHelpRequested()) {
            throw new IllegalArgumentException("help");
        }
        List<String> brokers = DEFAULT_BROKERS;
        if (given.brokers != null) {
            brokers = new ArrayList<>();
            for (String b : given.brokers) {
                String name = b.trim().toLowerCase(Locale.ROOT);
                if (!ALL_BROKERS.contains(name)) {
                    throw new IllegalArgumentException("unknown broker '" + b + "'; known: " + ALL_BROKERS);
                }
                brokers.add(name);
            }
        }
        List<Integer> sizes = List.of(100, 1024);
        if (given.sizes != null) {
            sizes = new ArrayList<>();
            for (double size : given.sizes) {
                sizes.add((int) within("--sizes", size, Driver.MIN_SIZE, 64 * 1024 * 1024));
            }
        }
        List<Integer> jsonSizes = List.of(1024);
        if (given.jsonSizes != null) {
            jsonSizes = new ArrayList<>();
            for (String size : given.jsonSizes) {
                if (!size.isBlank() && !size.trim().equalsIgnoreCase("none")) {
                    jsonSizes.add((int) within("--json-sizes", number("--json-sizes", size), Driver.MIN_SIZE, 64 * 1024 * 1024));
                }
            }
        }
        List<String> envelopes = ALL_ENVELOPES;
        if (given.envelopes != null) {
            envelopes = new ArrayList<>();
            for (String e : given.envelopes) {
                String name = e.trim().toLowerCase(Locale.ROOT);
                if (!ALL_ENVELOPES.contains(name)) {
                    throw new IllegalArgumentException("unknown envelope '" + e + "'; known: " + ALL_ENVELOPES);
                }
                if (!envelopes.contains(name)) {
                    envelopes.add(name);
                }
            }
        }
        boolean quick = given.quick;
        int batch = (int) or("--batch", given.batch, 100, 0, 100_000);
        double seconds = or("--seconds", given.seconds, quick ? 1 : 3, 0.1, 3600);
        double warmup = or("--warmup", given.warmup, quick ? 0.5 : 2, 0, 3600);
        double latencySeconds = or("--latency-seconds", given.latencySeconds, quick ? 0.5 : 1.5, 0.1, 3600);
        int repeats = (int) or("--repeats", given.repeats, quick ? 1 : 3, 1, 1000);
        double profileSeconds = or("--profile-seconds", given.profileSeconds, quick ? 1 : 5, 0, 3600);
        double latencyFraction = or("--latency-fraction", given.latencyFraction, 0.25, 0.001, 1);
        int window = (int) or("--window", given.window, 1000, 1, 1_000_000);
        int backlog = (int) or("--backlog", given.backlog, 10_000, 1, 100_000_000);
        int maxInFlight = (int) or("--max-in-flight", given.maxInFlight, 256, 1, 65_535);
        String kafka = given.kafka != null ? given.kafka : env("COURIER_KAFKA_BOOTSTRAP", null);
        String amqp = given.amqp != null ? given.amqp : env("COURIER_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672");
        String nats = given.nats != null ? given.nats : env("COURIER_NATS_URL", "nats://127.0.0.1:4222");
        String awsEndpoint = given.awsEndpoint != null ? given.awsEndpoint : env("COURIER_AWS_ENDPOINT", null);
        if (awsEndpoint != null && !awsEndpoint.matches("https?://[^/?#\\s]+/?")) {
            throw new IllegalArgumentException("option --aws-endpoint takes http://host:port or https://host:port: '" + awsEndpoint + "'");
        }
        Path out = given.out != null ? given.out : Path.of("docs");
        Driver.Phases phases = new Driver.Phases(duration(warmup), duration(seconds), duration(latencySeconds), window,
                backlog);
        return new Settings(List.copyOf(brokers), List.copyOf(sizes), List.copyOf(jsonSizes), batch, List.copyOf(envelopes), phases,
                repeats, latencyFraction, maxInFlight, kafka, amqp, nats, awsEndpoint, out, !given.noJmh, quick, given.note, given.rawEnvelope,
                profileSeconds, redact(shellWords(args)));
    }

    /** The message size of the batch cases: the smallest of {@link #sizes}. */
    int batchSize() {
        return sizes.stream().mapToInt(Integer::intValue).min().orElse(100);
    }

    /**
     * About how long a run with these settings takes, from what each step cost on this 2-core
     * machine (starting and closing a contender: about 0.7 s on RabbitMQ, 1 s on NATS, 2 s on Kafka;
     * each slice plus its ramp or settle and about 0.5 s of drain; the Kafka broker's start, 15 s;
     * JMH; the profiles and their summary). A guide, not a promise: a loaded machine drains slower.
     */
    java.time.Duration estimate() {
        double total = 0;
        double slice = phases.throughput().toMillis() / 1000.0;
        double throughputSlice = slice + Math.min(0.5, slice / 4) + 0.5;
        double latency = phases.latency().toMillis() / 1000.0;
        double latencySlice = latency + Math.min(0.5, latency / 3) + 0.3;
        double warm = phases.warmup().toMillis() / 1000.0 + 0.5;
        for (String broker : brokers) {
            boolean memory = broker.equals("memory");
            double startStop = switch (broker) {
                case "aws" -> 2;
                case "kafka" -> 2;
                case "nats" -> 1;
                case "amqp" -> 0.7;
                default -> 0.2;
            };
            int couriers = memory ? 1 : envelopes.size();
            int contenders = couriers + (memory ? 0 : 1);
            int cases = sizes.size() + jsonSizes.size();
            total += cases * contenders * (startStop + warm + repeats * (throughputSlice + latencySlice));
            if (batch > 0) {
                int batchContenders = memory ? 2 : 3;
                // no backlog bound in the batch case: allow for draining what the consumer did not keep up with
                total += batchContenders * (startStop + warm + repeats * (throughputSlice + slice / 2));
            }
            if (profileSeconds > 0) {
                total += profileSeconds + 3;
            }
            if (broker.equals("kafka") && kafka == null) {
                total += 15;
            }
            if (broker.equals("aws") && awsEndpoint == null) {
                total += 3;
            }
            if (memory && jmh) {
                total += quick ? 30 : 90; // 3 benchmarks x 2 payloads, each a fork
            }
        }
        return java.time.Duration.ofSeconds((long) Math.ceil(total));
    }

    private static double number(String option, String text) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + option + " takes numbers or none: '" + text + "'", e);
        }
    }

    private static double or(String option, Double given, double fallback, double min, double max) {
        return given == null ? fallback : within(option, given, min, max);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private static double within(String option, double value, double min, double max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("option " + option + " must be between " + min + " and " + max + ": " + value);
        }
        return value;
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
