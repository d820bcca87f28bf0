package dev.courier.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The request/reply benchmark's command line, as docs/benchmarks.md gives it, and a short memory:// run. */
class RequestReplyBenchmarkTest {

    @Test
    void the_documented_command_line_sets_brokers_and_requests() {
        RequestReplyBenchmark benchmark = new RequestReplyBenchmark();
        new CommandLine(benchmark).parseArgs("--brokers",
                "memory://rr,nats://127.0.0.1:4222,amqp://guest:guest@127.0.0.1:5672/,kafka://own", "--requests", "1000");

        assertEquals(List.of("memory://rr", "nats://127.0.0.1:4222", "amqp://guest:guest@127.0.0.1:5672/", "kafka://own"),
                benchmark.brokers);
        assertEquals(1000, benchmark.requests);
    }

    @Test
    void without_options_it_measures_memory_with_2000_requests() {
        RequestReplyBenchmark benchmark = new RequestReplyBenchmark();
        new CommandLine(benchmark).parseArgs();

        assertEquals(List.of("memory://rr"), benchmark.brokers);
        assertEquals(2000, benchmark.requests);
    }

    @Test
    void fewer_than_one_request_is_a_usage_error() {
        CommandLine commandLine = new CommandLine(new RequestReplyBenchmark());
        commandLine.setErr(new PrintWriter(new StringWriter()));

        assertEquals(2, commandLine.execute("--requests", "0"));
    }

    @Test
    void a_short_memory_run_completes() {
        assertEquals(0, new CommandLine(new RequestReplyBenchmark()).execute("--brokers", "memory://rr-test", "--requests", "5"));
    }
}
