package dev.courier.benchmarks;

import dev.courier.benchmarks.jmh.JmhRunner;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The results of one run as Markdown ({@code benchmarks.md}) and a chart ({@code benchmarks.png}).
 * The generated part of {@code benchmarks.md} sits between {@link #BEGIN} and {@link #END}; what
 * is outside them (hand-written sections such as request/reply, and "What the profiles changed")
 * is kept when the file is rewritten.
 */
final class Report {

    static final String MARKDOWN = "benchmarks.md";
    static final String CHART = "benchmarks.png";
    static final double TARGET_RATIO = 0.95;
    static final double TARGET_ADDED_P50_MICROS = 200;
    static final double TARGET_BATCH = 2.0;
    /** The chart's axis ends here, so one noisy repeat does not flatten every bar. */
    static final double CHART_MAX = 2.5;
    static final String BEGIN = "<!-- generated: begin (the benchmark harness rewrites everything up to \"generated: end\"; "
            + "write outside these markers) -->";
    static final String END = "<!-- generated: end -->";
    static final String PROFILES_CHANGED = "## What the profiles changed";

    /** The headings the harness writes, so that a file from before the markers can be split into generated and hand-written parts. */
    private static final List<String> GENERATED_HEADINGS = List.of("## Machine", "## Throughput", "## Latency", "## Batch",
            "## memory:// with JMH", "## Profiles", "## Reading these figures", "Missing or partial figures");

    private final Settings settings;
    private final SystemInfo machine;
    private final Instant started;
    private final Instant ended;
    private final List<Harness.CaseResult> results;
    private final List<JmhRunner.Figure> jmh;
    private final String jmhError;
    private final List<Harness.ProfileResult> profiles;

    Report(Settings settings, SystemInfo machine, Instant started, Instant ended, List<Harness.CaseResult> results,
           List<JmhRunner.Figure> jmh, String jmhError, List<Harness.ProfileResult> profiles) {
        this.jmhError = jmhError;
        this.settings = settings;
        this.machine = machine;
        this.started = started;
        this.ended = ended;
        this.results = List.copyOf(results);
        this.jmh = List.copyOf(jmh);
        this.profiles = List.copyOf(profiles);
    }

    List<Harness.CaseResult> results() {
        return results;
    }

    /** Writes the chart, and the Markdown into {@code dir}'s {@code benchmarks.md} keeping its hand-written parts. */
    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path markdown = dir.resolve(MARKDOWN);
        String existing = Files.exists(markdown) ? Files.readString(markdown, StandardCharsets.UTF_8) : null;
        Files.writeString(markdown, merge(existing, markdown()), StandardCharsets.UTF_8);
        ImageIO.write(chart(), "png", dir.resolve(CHART).toFile());
    }

    /**
     * The file's new text: {@code generated} between the markers, what {@code existing} had
     * outside them kept. A file without markers (written before them) keeps everything from its
     * first heading the harness does not write. A "What the profiles changed" section is added
     * after the generated part when the file has none.
     */
    static String merge(String existing, String generated) {
        String before = "";
        String after = "";
        if (existing != null) {
            int begin = existing.indexOf(BEGIN);
            int end = existing.indexOf(END);
            if (begin >= 0 && end > begin) {
                before = existing.substring(0, begin);
                after = existing.substring(end + END.length());
            } else {
                after = handWritten(existing);
            }
        }
        String block = BEGIN + "\n" + generated.stripTrailing() + "\n" + END + "\n";
        if (!before.contains(PROFILES_CHANGED) && !after.contains(PROFILES_CHANGED)) {
            after = "\n" + PROFILES_CHANGED + "\n\n"
                    + "<!-- hand-written: what the JFR profiles above showed and what was changed because of it"
                    + " (commit, before → after); the harness keeps this section -->\n\n"
                    + "- Nothing yet.\n" + (after.isBlank() ? "" : "\n" + after.stripLeading());
        }
        String text = before + block + "\n" + after.replaceFirst("^\\n+", ""); // one blank line, however many there were
        return text.stripTrailing() + "\n";
    }

    /** The hand-written part of a file written before the markers: from its first heading the harness does not write. */
    private static String handWritten(String existing) {
        int offset = 0;
        for (String line : existing.split("\n", -1)) {
            if (line.startsWith("## ") && GENERATED_HEADINGS.stream().noneMatch(line::startsWith)) {
                return existing.substring(offset);
            }
            offset += line.length() + 1;
        }
        return "";
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        Driver.Phases phases = settings.phases();
        md.append("# Benchmarks: Courier against the raw clients\n\n");
        md.append("Generated by the benchmark harness (`benchmarks/`, see its README) on ")
                .append(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").format(started.atOffset(ZoneOffset.UTC)))
                .append(", in one run of ").append(minutes(Duration.between(started, ended))).append(" (estimated beforehand: ")
                .append(minutes(settings.estimate())).append(").\n\n");
        md.append("```\n./mvnw -q -pl benchmarks -am package -DskipTests && java -jar benchmarks/target/courier-benchmarks.jar")
                .append(settings.commandLine().isEmpty() ? "" : " " + settings.commandLine()).append("\n```\n\n");
        md.append("## Machine\n\n");
        md.append("| | |\n| --- | --- |\n");
        md.append("| processors (nproc) | ").append(machine.processors()).append(" (").append(machine.cpu()).append(") |\n");
        md.append("| memory | ").append(machine.memory()).append(" |\n");
        md.append("| Java | ").append(machine.java()).append(" |\n");
        md.append("| OS | ").append(machine.os()).append(" |\n");
        md.append("| load average at start | ").append(String.format(Locale.ROOT, "%.2f", machine.loadAverage())).append(" |\n");
        md.append("| brokers | RabbitMQ and NATS on 127.0.0.1 (local services); Kafka: ")
                .append(settings.kafka() == null ? "a single-node KRaft broker the harness started (transport-kafka's DevKafkaBroker, -Xmx1g)"
                        : "`" + settings.kafka() + "`")
                .append(settings.brokers().contains("aws") ? "; AWS SNS + SQS: " + (settings.awsEndpoint() == null
                        ? "a moto_server the harness started (transport-aws's patched launcher)" : "`" + settings.awsEndpoint() + "`")
                        : "").append(" |\n");
        if (settings.note() != null) {
            md.append("\n**Note:** ").append(settings.note()).append("\n");
        }
        if (settings.rawEnvelope()) {
            md.append("\n**Diagnostic run (`--raw-envelope`):** the raw clients sent headers as large as Courier's envelope")
                    .append(" (id, content type, timestamp, CloudEvents attributes), so the ratios show the cost of Courier's code")
                    .append(" alone, not of the bytes its envelope adds.\n");
        }
        throughput(md, phases);
        latency(md, phases);
        batch(md);
        problems(md);
        jmh(md);
        profiles(md);
        md.append("\n![Courier / raw end-to-end throughput per broker and payload: median of the repeats, whiskers from the")
                .append(" lowest to the highest](").append(CHART).append(")\n");
        md.append("\n## Reading these figures\n\n");
        md.append("- Raw clients are configured with the guarantees Courier gives: Kafka `acks=all` + idempotence and a consumer")
                .append(" group committing offsets by hand after handling (3 partitions, as Courier's topic); RabbitMQ persistent")
                .append(" messages, asynchronous publisher confirms, a durable topic exchange and queue, manual acks; NATS JetStream")
                .append(" `publishAsync` with a message id awaiting the PubAck, a file stream with interest retention, a durable pull")
                .append(" consumer with explicit acks")
                .append(settings.brokers().contains("aws") ? "; AWS the SDK's async SNS and SQS clients on the layout Courier"
                        + " makes (a FIFO topic, a FIFO queue subscribed with raw delivery), PublishBatch of up to 10 in 32 lanes with"
                        + " a SHA-256 deduplication id, short-polled receives of up to 10, DeleteMessageBatch after handling" : "")
                .append(".\n");
        md.append("- *bytes*: Courier publishes `byte[]` payloads (passed through, no JSON). *json*: a record (`PayloadFormat.Sample`:")
                .append(" a long and a string padding it to the size) that Courier encodes and decodes with its JSON codec, and the raw")
                .append(" client with Jackson (`writeValueAsBytes` / `readValue`, the same bytes).\n");
        md.append("- *Courier envelope=minimal*: Courier with `envelope=minimal` appended to its broker URL (the lean envelope for")
                .append(" streams that need no CloudEvents interoperability; see the README).\n");
        md.append("- Every ratio is the median of the per-repeat ratios (a Courier slice against the raw slice next to it), with")
                .append(" the lowest and highest in brackets; the spread is the noise of this machine, not an error bar.\n");
        md.append("- Targets: Courier ≥ ").append(TARGET_RATIO).append(" × raw end-to-end throughput at 1 KiB with the default")
                .append(" envelope and at 100 B with `envelope=minimal` (bold: below); added p50 ≤ ")
                .append(String.format(Locale.ROOT, "%.1f", TARGET_ADDED_P50_MICROS / 1000)).append(" ms at a fixed rate; publishAll ≥ ")
                .append(String.format(Locale.ROOT, "%.0f", TARGET_BATCH)).append(" × single publishes at 100 B; memory:// ≥ 3 million")
                .append(" msg/s publish → handle (JMH, 1 handler thread).\n");
        md.append("- Courier's default envelope adds the CloudEvents attributes to every message (about 170 bytes on Kafka, 280 on")
                .append(" NATS, 300 on AMQP), more than a 100-byte payload; `--raw-envelope` makes the raw clients send the same")
                .append(" headers, to tell the cost of those bytes from the cost of Courier's code.\n");
        return md.toString();
    }

    private void throughput(StringBuilder md, Driver.Phases phases) {
        md.append("\n## Throughput (msg/s)\n\n");
        md.append("Each case: ").append(sec(phases.warmup())).append(" s warm-up per contender (not counted), then ")
                .append(settings.repeats()).append(" × ").append(sec(phases.throughput()))
                .append(" s at full speed per contender, alternating raw, Courier, Courier envelope=minimal, raw, ... (so a")
                .append(" drifting machine load hits all alike), each slice after an uncounted ramp of a quarter of its length (at")
                .append(" most 0.5 s); at most ").append(phases.window()).append(" publishes awaiting confirmation and ")
                .append(phases.maxBacklog()).append(" messages published and not yet handled. *Publish* counts confirmed publishes,")
                .append(" *end-to-end* handled messages, both per second over the measured seconds; the rates are medians of the")
                .append(" slices. One consumer (Courier: one handler thread) with at most ").append(settings.maxInFlight())
                .append(" unsettled messages (raw: the same prefetch).\n\n");
        md.append("| broker | payload | Courier | raw end-to-end | Courier end-to-end | end-to-end ratio [min–max] | publish ratio [min–max] |\n");
        md.append("| --- | --- | --- | ---: | ---: | ---: | ---: |\n");
        for (Harness.CaseResult r : results) {
            if (r.payload().equals("batch")) {
                continue;
            }
            for (Harness.Contestant c : r.couriers()) {
                md.append("| ").append(r.broker()).append(" | ").append(payload(r)).append(" | ").append(c.label()).append(" | ")
                        .append(rate(r.raw() == null || r.raw().measured() == null ? null : r.raw().measured().endToEndRate()))
                        .append(" | ").append(rate(c.measured() == null ? null : c.measured().endToEndRate())).append(" | ")
                        .append(spread(ratios(r.raw(), c, Driver.Throughput::endToEndRate), "%.2f", target(r, c))).append(" | ")
                        .append(spread(ratios(r.raw(), c, Driver.Throughput::publishRate), "%.2f", false)).append(" |\n");
            }
        }
    }

    /** Whether the end-to-end ratio of {@code c} in case {@code r} has a target (bold when below it). */
    private static boolean target(Harness.CaseResult r, Harness.Contestant c) {
        return (r.size() >= 1024 && c.label().equals(Harness.COURIER)) || (r.size() <= 100 && c.label().equals(Harness.COURIER_MINIMAL));
    }

    private void latency(StringBuilder md, Driver.Phases phases) {
        md.append("\n## Latency (publish call → handler start, µs)\n\n");
        md.append("Then ").append(settings.repeats()).append(" × ").append(sec(phases.latency()))
                .append(" s at a fixed rate per contender, alternating as above, each slice after an unrecorded settle at that rate: ")
                .append(String.format(Locale.ROOT, "%.0f%%", settings.latencyFraction() * 100))
                .append(" of the raw client's median end-to-end throughput, the same rate for Courier (memory://: of its own).")
                .append(" The publish call's `System.nanoTime()` travels in the message. Each slice has its own HdrHistogram;")
                .append(" figures are the median of the slices with the lowest and highest in brackets. *Added p50* is the median")
                .append(" of the per-repeat differences Courier p50 − raw p50 (target ≤ ").append((int) TARGET_ADDED_P50_MICROS)
                .append(" µs, bold above). The last column counts this JVM's garbage collections (and their time) during the")
                .append(" recorded slices.\n\n");
        md.append("| broker | payload | Courier | rate (msg/s) | raw p50 | Courier p50 | added p50 [min–max] | raw p99 [min–max] | Courier p99 [min–max] | raw / Courier p99.9 | GCs raw / Courier |\n");
        md.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Harness.CaseResult r : results) {
            if (r.payload().equals("batch")) {
                continue;
            }
            Driver.Measured raw = r.raw() == null ? null : r.raw().measured();
            for (Harness.Contestant c : r.couriers()) {
                Driver.Measured courier = c.measured();
                double rate = latencyRate(raw != null ? raw : courier);
                md.append("| ").append(r.broker()).append(" | ").append(payload(r)).append(" | ").append(c.label()).append(" | ")
                        .append(Double.isNaN(rate) ? "—" : String.format(Locale.ROOT, "%,.0f", rate)).append(" | ")
                        .append(spread(latencies(raw, Driver.Latency::p50), "%,.0f", false)).append(" | ")
                        .append(spread(latencies(courier, Driver.Latency::p50), "%,.0f", false)).append(" | ")
                        .append(addedP50(raw, courier)).append(" | ")
                        .append(spread(latencies(raw, Driver.Latency::p99), "%,.0f", false)).append(" | ")
                        .append(spread(latencies(courier, Driver.Latency::p99), "%,.0f", false)).append(" | ")
                        .append(micros(Stats.median(latencies(raw, Driver.Latency::p999)))).append(" / ")
                        .append(micros(Stats.median(latencies(courier, Driver.Latency::p999)))).append(" | ")
                        .append(gcs(raw)).append(" / ").append(gcs(courier)).append(" |\n");
            }
        }
    }

    private void batch(StringBuilder md) {
        List<Harness.CaseResult> batches = results.stream().filter(r -> r.payload().equals("batch")).toList();
        if (batches.isEmpty()) {
            return;
        }
        md.append("\n## Batch publishing (msg/s)\n\n");
        md.append("`byte[]` messages of ").append(size(settings.batchSize())).append(", at full speed as above, ")
                .append(settings.repeats()).append(" alternating slices per contender: the raw client publishing ")
                .append(settings.batch()).append(" messages back to back (its own batching: Kafka's producer batches, RabbitMQ")
                .append(" confirms several at once, NATS async publishes), Courier `publish` one message at a time, and Courier")
                .append(" `publishAll` with lists of ").append(settings.batch()).append(", all with the same window and no backlog bound")
                .append(" (each contender's consumer runs alongside; what it has not handled by the end of a slice is drained afterwards,")
                .append(" uncounted), so a slower consumer does not set the publish rate. Figures are confirmed publishes per second")
                .append(" (medians), end-to-end in brackets. Target: publishAll ≥ ")
                .append(String.format(Locale.ROOT, "%.0f", TARGET_BATCH)).append(" × publish (bold: below).\n\n");
        md.append("| broker | raw batched | Courier publish | Courier publishAll | publishAll / publish [min–max] | publishAll / raw batched [min–max] |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (Harness.CaseResult r : batches) {
            Harness.Contestant single = r.courier(Harness.COURIER_SINGLE);
            Harness.Contestant all = r.courier(Harness.COURIER_BATCH);
            double[] batchRatios = ratios(single, all, Driver.Throughput::publishRate);
            md.append("| ").append(r.broker()).append(" | ").append(publishAndEndToEnd(r.raw())).append(" | ")
                    .append(publishAndEndToEnd(single)).append(" | ").append(publishAndEndToEnd(all)).append(" | ")
                    .append(bold(spread(batchRatios, "%.2f", false), Stats.median(batchRatios) < TARGET_BATCH)).append(" | ")
                    .append(spread(ratios(r.raw(), all, Driver.Throughput::publishRate), "%.2f", false)).append(" |\n");
        }
    }

    private void problems(StringBuilder md) {
        // the same failure in several cases of a broker and contender (a transport refusing envelope=minimal) is one line
        Map<String, List<String>> errors = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Harness.CaseResult r : results) {
            List<Harness.Contestant> all = new ArrayList<>();
            if (r.raw() != null) {
                all.add(r.raw());
            }
            all.addAll(r.couriers());
            for (Harness.Contestant c : all) {
                if (c.error() != null) {
                    errors.computeIfAbsent(r.broker() + ", " + c.label() + "\u0000" + c.error(), k -> new ArrayList<>()).add(payload(r));
                }
                if (c.measured() != null && c.measured().failures() > 0) {
                    problems.add(r.broker() + " " + payload(r) + ", " + c.label() + ": " + c.measured().failures()
                            + " failed publishes, first: " + c.measured().firstFailure());
                }
            }
        }
        errors.forEach((key, cases) -> {
            String[] parts = key.split("\u0000", 2);
            problems.add(parts[0] + " (" + String.join(", ", cases) + "): " + parts[1]);
        });
        for (Harness.ProfileResult p : profiles) {
            if (p.error() != null) {
                problems.add(p.broker() + " profile: " + p.error());
            }
        }
        if (jmhError != null) {
            problems.add("memory:// JMH: " + jmhError);
        }
        if (!problems.isEmpty()) {
            md.append("\nMissing or partial figures:\n\n");
            problems.forEach(p -> md.append("- ").append(p.replace("\n", " ").replace("|", "\\|")).append("\n"));
        }
    }

    private void jmh(StringBuilder md) {
        if (jmh.isEmpty()) {
            return;
        }
        md.append("\n## memory:// with JMH\n\n");
        md.append("`MemoryBusBenchmark` (one publisher thread; `publishToHandle`: at most ").append(1024)
                .append(" messages published and not yet handled, so msg/s is the publish → handle rate;")
                .append(" `publishOnly`: no subscriber), a 100-byte `byte[]` payload or a small record encoded as JSON by Courier's codec, 1 fork,")
                .append(settings.quick() ? " 1 × 1 s warm-up, 2 × 1 s measured" : " 3 × 2 s warm-up, 3 × 2 s measured")
                .append(", `-prof gc` (allocation of all threads, per message).\n\n");
        md.append("| benchmark | payload | handler threads | msg/s | ± (99.9%) | allocated per message |\n");
        md.append("| --- | --- | ---: | ---: | ---: | ---: |\n");
        for (JmhRunner.Figure f : jmh) {
            md.append("| ").append(f.benchmark()).append(" | ").append(f.payload()).append(" | ").append(f.concurrency()).append(" | ")
                    .append(String.format(Locale.ROOT, "%,.0f", f.score())).append(" | ")
                    .append(Double.isNaN(f.error()) ? "—" : String.format(Locale.ROOT, "%,.0f", f.error())).append(" | ")
                    .append(Double.isNaN(f.bytesPerOp()) ? "—" : String.format(Locale.ROOT, "%,.0f B", f.bytesPerOp()))
                    .append(" |\n");
        }
    }

    private void profiles(StringBuilder md) {
        List<Harness.ProfileResult> done = profiles.stream().filter(p -> p.profile() != null).toList();
        if (done.isEmpty()) {
            return;
        }
        md.append("\n## Profiles of the Courier path (JFR)\n\n");
        md.append("Per broker, one more ").append(String.format(Locale.ROOT, "%.0f", settings.profileSeconds()))
                .append(" s full-speed Courier slice (default envelope, not counted above) recorded by JFR with its `profile`")
                .append(" settings while only Courier ran in this JVM (the brokers run outside it). *Self*: CPU samples with the")
                .append(" method on top of the stack, all threads; *Courier, on stack*: samples with a `dev.courier` method anywhere on")
                .append(" the stack (inclusive); *allocations*: sampled bytes by class and the first frame outside the JDK. The")
                .append(" recordings are left in the temporary directory (`jfr print --events jdk.ExecutionSample FILE`). What was")
                .append(" changed because of them is written by hand under \"What the profiles changed\" below.\n");
        for (Harness.ProfileResult p : done) {
            CpuProfile profile = p.profile();
            md.append("\n### ").append(p.broker()).append(" (").append(p.slice()).append(")\n\n");
            md.append(String.format(Locale.ROOT, "%,d CPU samples, %s allocated (sampled weight); `%s`.%n%n", profile.cpuSamples(),
                    bytes(profile.allocated()), profile.file().getFileName()));
            md.append("| # | self: method | samples | Courier, on stack: method | samples | allocations: class in site | bytes |\n");
            md.append("| ---: | --- | ---: | --- | ---: | --- | ---: |\n");
            int rows = Math.max(profile.hottest().size(), Math.max(profile.courier().size(), profile.allocations().size()));
            for (int i = 0; i < rows; i++) {
                md.append("| ").append(i + 1).append(" | ")
                        .append(entry(profile.hottest(), i, profile.cpuSamples(), false)).append(" | ")
                        .append(entry(profile.courier(), i, profile.cpuSamples(), false)).append(" | ")
                        .append(entry(profile.allocations(), i, profile.allocated(), true)).append(" |\n");
            }
        }
    }

    private static String entry(List<CpuProfile.Entry> entries, int i, long total, boolean bytes) {
        if (i >= entries.size()) {
            return " | ";
        }
        CpuProfile.Entry e = entries.get(i);
        String share = total > 0 ? String.format(Locale.ROOT, " (%.0f%%)", 100.0 * e.count() / total) : "";
        return "`" + shorten(e.what()).replace("|", "\\|") + "` | " + (bytes ? bytes(e.count()) : String.format(Locale.ROOT, "%,d", e.count()))
                + share;
    }

    /** A method or site name without its packages ({@code d.c.i.RealMessageBus.publish}). */
    static String shorten(String name) {
        StringBuilder out = new StringBuilder();
        for (String word : name.split(" ", -1)) {
            if (out.length() > 0) {
                out.append(' ');
            }
            String[] parts = word.split("\\.", -1);
            int firstUpper = 0;
            while (firstUpper < parts.length - 1 && (parts[firstUpper].isEmpty() || !Character.isUpperCase(parts[firstUpper].charAt(0)))) {
                firstUpper++;
            }
            for (int j = 0; j < parts.length; j++) {
                if (j > 0) {
                    out.append('.');
                }
                out.append(j < firstUpper && !parts[j].isEmpty() ? parts[j].substring(0, 1) : parts[j]);
            }
        }
        return out.toString();
    }

    private static String bytes(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%,d KiB", bytes >> 10);
    }

    /**
     * Courier's end-to-end throughput as a fraction of the raw client's, per broker and payload:
     * bars at the median of the repeats, whiskers from the lowest to the highest, one series per
     * envelope, the 1.0 line and the 0.95 target, drawn by JFreeChart.
     */
    BufferedImage chart() {
        DefaultCategoryDataset ratios = new DefaultCategoryDataset();
        SpreadBarRenderer bars = new SpreadBarRenderer();
        double max = 1.2;
        int categories = 0;
        for (Harness.CaseResult r : results) {
            if (r.payload().equals("batch") || r.raw() == null || r.raw().measured() == null) {
                continue;
            }
            String category = r.broker() + " " + payload(r);
            boolean any = false;
            for (Harness.Contestant c : r.couriers()) {
                double[] values = ratios(r.raw(), c, Driver.Throughput::endToEndRate);
                if (Double.isNaN(Stats.median(values))) {
                    continue;
                }
                String series = c.label().equals(Harness.COURIER) ? "default envelope" : "envelope=minimal";
                ratios.addValue(Stats.median(values), series, category);
                bars.spread(series, category, Stats.min(values), Stats.max(values));
                max = Math.max(max, Stats.max(values) * 1.1);
                any = true;
            }
            categories += any ? 1 : 0;
        }
        JFreeChart chart = ChartFactory.createBarChart(
                "Courier / raw client end-to-end throughput (higher is better; target ≥ " + TARGET_RATIO + ")",
                "broker, payload (bars: median of the repeats; whiskers: lowest to highest)", "Courier ÷ raw end-to-end msg/s", ratios,
                PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        boolean clipped = max > CHART_MAX;
        max = Math.min(max, CHART_MAX);
        chart.addSubtitle(new TextTitle(DateTimeFormatter.ofPattern("yyyy-MM-dd").format(started.atOffset(ZoneOffset.UTC))
                + ", " + machine.processors() + " CPUs, " + machine.memory() + ", " + settings.repeats() + " repeat(s)"
                + (clipped ? "; axis cut at " + CHART_MAX + " (see the tables)" : "")
                + (categories == 0 ? "; no broker measured with both the raw client and Courier in this run" : "")));
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(220, 220, 220));
        plot.setRenderer(bars);
        NumberAxis axis = (NumberAxis) plot.getRangeAxis();
        axis.setRange(0, max);
        axis.setTickUnit(new NumberTickUnit(max <= 2.5 ? 0.2 : max <= 6 ? 0.5 : 1,
                new DecimalFormat("0.0", DecimalFormatSymbols.getInstance(Locale.ROOT))));
        plot.getDomainAxis().setMaximumCategoryLabelLines(2);
        ValueMarker parity = new ValueMarker(1.0, Color.GRAY, new BasicStroke(1f));
        ValueMarker target = new ValueMarker(TARGET_RATIO, new Color(200, 40, 40), new BasicStroke(1.5f,
                BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
        target.setLabel("target " + TARGET_RATIO);
        target.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        target.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
        plot.addRangeMarker(parity);
        plot.addRangeMarker(target);
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setItemMargin(0.1);
        bars.setSeriesPaint(0, new Color(40, 100, 180));
        bars.setSeriesPaint(1, new Color(150, 190, 230));
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}",
                new DecimalFormat("0.00", DecimalFormatSymbols.getInstance(Locale.ROOT))));
        bars.setDefaultItemLabelsVisible(true);
        bars.setDefaultItemLabelPaint(Color.WHITE);
        bars.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.INSIDE6, TextAnchor.BOTTOM_CENTER));
        return chart.createBufferedImage(Math.max(720, 120 + categories * 140), 480);
    }

    /** Per repeat, {@code b}'s figure over {@code a}'s (slices paired in order); empty when either is missing. */
    static double[] ratios(Harness.Contestant a, Harness.Contestant b, ToDoubleFunction<Driver.Throughput> figure) {
        if (a == null || b == null || a.measured() == null || b.measured() == null) {
            return new double[0];
        }
        List<Driver.Throughput> as = a.measured().throughput();
        List<Driver.Throughput> bs = b.measured().throughput();
        int n = Math.min(as.size(), bs.size());
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double base = figure.applyAsDouble(as.get(i));
            out[i] = base > 0 ? figure.applyAsDouble(bs.get(i)) / base : Double.NaN;
        }
        return out;
    }

    private static double[] latencies(Driver.Measured m, ToDoubleFunction<Driver.Latency> figure) {
        return m == null ? new double[0] : m.latency().stream().mapToDouble(figure).toArray();
    }

    private static String addedP50(Driver.Measured raw, Driver.Measured courier) {
        if (raw == null || courier == null) {
            return "—";
        }
        int n = Math.min(raw.latency().size(), courier.latency().size());
        double[] added = new double[n];
        for (int i = 0; i < n; i++) {
            added[i] = courier.latency().get(i).p50() - raw.latency().get(i).p50();
        }
        double median = Stats.median(added);
        if (Double.isNaN(median)) {
            return "—";
        }
        String text = String.format(Locale.ROOT, "%+,.0f", median) + (n > 1 ? String.format(Locale.ROOT, " [%+,.0f – %+,.0f]",
                Stats.min(added), Stats.max(added)) : "");
        return bold(text, median > TARGET_ADDED_P50_MICROS);
    }

    private static double latencyRate(Driver.Measured m) {
        return m == null || m.latency().isEmpty() ? Double.NaN : m.latency().get(0).rate();
    }

    /** The median with [min–max] when there is more than one value; bold when {@code target} and the median is below 0.95. */
    private static String spread(double[] values, String format, boolean target) {
        double median = Stats.median(values);
        if (Double.isNaN(median)) {
            return "—";
        }
        String text = String.format(Locale.ROOT, format, median);
        if (Arrays.stream(values).filter(Double::isFinite).count() > 1) {
            text += " [" + String.format(Locale.ROOT, format, Stats.min(values)) + "–" + String.format(Locale.ROOT, format, Stats.max(values)) + "]";
        }
        return bold(text, target && median < TARGET_RATIO);
    }

    private static String bold(String text, boolean bold) {
        return bold ? "**" + text + "**" : text;
    }

    private static String publishAndEndToEnd(Harness.Contestant c) {
        if (c == null || c.measured() == null) {
            return "—";
        }
        return String.format(Locale.ROOT, "%,.0f (%,.0f)", c.measured().publishRate(), c.measured().endToEndRate());
    }

    private static String payload(Harness.CaseResult r) {
        return r.payload() + " " + size(r.size());
    }

    private static String gcs(Driver.Measured m) {
        if (m == null) {
            return "—";
        }
        long count = m.latency().stream().mapToLong(Driver.Latency::gcs).sum();
        long millis = m.latency().stream().mapToLong(Driver.Latency::gcMillis).sum();
        return count + " (" + millis + " ms)";
    }

    private static String rate(Double value) {
        return value == null || value.isNaN() ? "—" : String.format(Locale.ROOT, "%,.0f", value);
    }

    private static String micros(double value) {
        return Double.isNaN(value) ? "—" : String.format(Locale.ROOT, "%,.0f", value);
    }

    private static String size(int bytes) {
        return Harness.size(bytes);
    }

    private static String sec(Duration d) {
        double s = d.toMillis() / 1000.0;
        return s == Math.rint(s) ? String.format(Locale.ROOT, "%.0f", s) : String.format(Locale.ROOT, "%.1f", s);
    }

    private static String minutes(Duration d) {
        return String.format(Locale.ROOT, "%d min %02d s", d.toMinutes(), d.toSecondsPart());
    }
}
