package dev.courier.examples;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * A live progress line ({@code \r}-rewritten on a terminal, a line a second otherwise) showing
 * named counters and the overall rate, then the elapsed time for the summary.
 */
final class Progress implements AutoCloseable {

    private final PrintStream out;
    private final Map<String, IntSupplier> counters = new LinkedHashMap<>();
    private final IntSupplier rateCounter;
    private final long started = System.nanoTime();
    private final boolean terminal = System.console() != null;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "progress");
        thread.setDaemon(true);
        return thread;
    });

    Progress(PrintStream out, IntSupplier rateCounter) {
        this.out = out;
        this.rateCounter = rateCounter;
    }

    Progress counter(String name, IntSupplier value) {
        counters.put(name, value);
        return this;
    }

    Progress start() {
        ticker.scheduleAtFixedRate(this::print, 200, terminal ? 200 : 1000, TimeUnit.MILLISECONDS);
        return this;
    }

    double elapsedSeconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    private void print() {
        StringBuilder line = new StringBuilder();
        counters.forEach((name, value) -> line.append(name).append(' ').append(value.getAsInt()).append("  "));
        double seconds = elapsedSeconds();
        line.append(String.format("%,.0f msg/s  %.1fs", rateCounter.getAsInt() / Math.max(seconds, 1e-3), seconds));
        synchronized (out) {
            out.print(terminal ? "\r" + line + "   " : line + System.lineSeparator());
            out.flush();
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        print();
        if (terminal) {
            out.println();
        }
    }
}
