package dev.courier.benchmarks.jmh;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link MemoryBusBenchmark} with JMH's GC profiler, either from the command line
 * ({@code java -jar courier-benchmarks.jar jmh [JMH options]}) or from the harness.
 */
public final class JmhRunner {

    private JmhRunner() {
    }

    /** One JMH result: ops/s (= msg/s) and bytes allocated per op (all threads). */
    public record Figure(String benchmark, String concurrency, String payload, double score, double error,
                         double bytesPerOp) {
    }

    /** {@code jmh} with no options: a short default run of every memory:// benchmark, with -prof gc. */
    public static void main(String[] args) throws Exception {
        if (args.length > 0) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        new Runner(options(false, MemoryBusBenchmark.class.getName() + ".*")
                .param("payload", "bytes", "json").build()).run();
    }

    /**
     * The publish → handle benchmark with 1 and 4 handler threads and publish only, each with a
     * {@code byte[]} and a JSON record payload, for the harness's report.
     */
    public static List<Figure> runMemoryBenchmarks(boolean quick) throws Exception {
        Collection<RunResult> runs = new Runner(options(quick, MemoryBusBenchmark.class.getName() + ".publish")
                .param("payload", "bytes", "json").build()).run();
        List<Figure> results = new ArrayList<>();
        for (RunResult run : runs) {
            org.openjdk.jmh.results.Result<?> primary = run.getPrimaryResult();
            org.openjdk.jmh.results.Result<?> alloc = run.getSecondaryResults().get("gc.alloc.rate.norm");
            String label = run.getParams().getBenchmark();
            results.add(new Figure(label.substring(label.lastIndexOf('.') + 1),
                    orDash(run.getParams().getParam("concurrency")), orDash(run.getParams().getParam("payload")),
                    primary.getScore(), primary.getScoreError(), alloc == null ? Double.NaN : alloc.getScore()));
        }
        return results;
    }

    private static String orDash(String value) {
        return value == null ? "-" : value;
    }

    private static ChainedOptionsBuilder options(boolean quick, String include) {
        return new OptionsBuilder().include(include).forks(1)
                .warmupIterations(quick ? 1 : 3).warmupTime(TimeValue.seconds(quick ? 1 : 2))
                .measurementIterations(quick ? 2 : 3).measurementTime(TimeValue.seconds(quick ? 1 : 2))
                .addProfiler(GCProfiler.class);
    }
}
