package dev.courier.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A few seconds of the harness on memory://, to keep it working; not a measurement. */
class HarnessSmokeTest {

    @Test
    void aShortRunOnMemoryWritesTheReportAndTheChart(@TempDir Path out) throws Exception {
        Settings settings = Settings.parse(new String[] {"--brokers", "memory", "--sizes", "100", "--json-sizes", "200",
                "--warmup", "0.2", "--seconds", "0.3", "--latency-seconds", "0.2", "--repeats", "2", "--batch", "10",
                "--profile-seconds", "0.5", "--no-jmh", "--out", out.toString()});

        Report report = new Harness(settings).run();

        Harness.CaseResult bytes = report.results().get(0);
        assertNotNull(bytes.courier(), () -> "no figures: " + bytes.courierError());
        assertEquals(2, bytes.courier().throughput().size(), "one throughput slice per repeat");
        assertTrue(bytes.courier().endToEndRate() > 0, "messages were handled");
        assertTrue(bytes.courier().latencySamples() > 0, "latencies were recorded");
        Harness.CaseResult json = report.results().get(1);
        assertNotNull(json.courier(), () -> "no JSON figures: " + json.courierError());
        Harness.CaseResult batch = report.results().get(2);
        assertNotNull(batch.courier(Harness.COURIER_BATCH).measured(), () -> "no batch figures: " + batch.courier(Harness.COURIER_BATCH).error());
        String markdown = Files.readString(out.resolve(Report.MARKDOWN));
        assertTrue(markdown.contains("| memory | bytes 100 B | Courier |"), markdown);
        assertTrue(markdown.contains("| memory | json 200 B | Courier |"), markdown);
        assertTrue(markdown.contains("## Batch publishing"), markdown);
        assertTrue(markdown.contains("### memory (bytes 100 B)"), "the JFR profile is summarised");
        BufferedImage chart = ImageIO.read(out.resolve(Report.CHART).toFile());
        assertNotNull(chart, "the chart is a readable PNG");
    }

    @Test
    void passwordsInUrlsAreNotRepeatedInTheReport() {
        Settings settings = Settings.parse(new String[] {"--amqp", "amqp://bench:s3cret@10.0.0.1:5672", "--no-jmh"});

        assertEquals("--amqp amqp://bench:***@10.0.0.1:5672 --no-jmh", settings.commandLine());
    }

    @Test
    void theMinimalEnvelopeIsAnOptionAppendedToTheBrokerUrl() {
        assertEquals("amqp://h:5672?envelope=minimal", Harness.envelopeUrl("amqp://h:5672", "minimal"));
        assertEquals("kafka://h:9092?partitions=3&envelope=minimal", Harness.envelopeUrl("kafka://h:9092?partitions=3", "minimal"));
        assertEquals("nats://h:4222", Harness.envelopeUrl("nats://h:4222", "default"));
    }

    @Test
    void theDefaultFullRunIsEstimatedAtAboutTwentyMinutesOrLess() {
        Settings settings = Settings.parse(new String[0]);

        long minutes = settings.estimate().toMinutes();
        assertTrue(minutes >= 10 && minutes <= 20, "estimated " + settings.estimate());
    }
}
