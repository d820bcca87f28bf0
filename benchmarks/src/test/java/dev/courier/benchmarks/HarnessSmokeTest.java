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

/** A two-second run of the harness on memory://, to keep it working; not a measurement. */
class HarnessSmokeTest {

    @Test
    void aShortRunOnMemoryWritesTheReportAndTheChart(@TempDir Path out) throws Exception {
        Settings settings = Settings.parse(new String[] {"--brokers", "memory", "--sizes", "100", "--warmup", "0.2",
                "--seconds", "0.5", "--latency-seconds", "0.3", "--no-jmh", "--out", out.toString()});

        Report report = new Harness(settings).run();

        Harness.CaseResult result = report.results().get(0);
        assertNotNull(result.courier(), () -> "no figures: " + result.courierError());
        assertTrue(result.courier().endToEndRate() > 0, "messages were handled");
        assertTrue(result.courier().latencySamples() > 0, "latencies were recorded");
        assertTrue(Files.readString(out.resolve(Report.MARKDOWN)).contains("| memory | 100 B |"));
        BufferedImage chart = ImageIO.read(out.resolve(Report.CHART).toFile());
        assertNotNull(chart, "the chart is a readable PNG");
    }

    @Test
    void passwordsInUrlsAreNotRepeatedInTheReport() {
        Settings settings = Settings.parse(new String[] {"--amqp", "amqp://bench:s3cret@10.0.0.1:5672", "--no-jmh"});

        assertEquals("--amqp amqp://bench:***@10.0.0.1:5672 --no-jmh", settings.commandLine());
    }
}
