package dev.courier.examples;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Live progress of an app: on a terminal a progress bar (the progressbar library) of the rate
 * counter with the named counters beside it; otherwise a plain line a second (logs, tests, CI),
 * then the elapsed time for the summary.
 */
final class Progress implements AutoCloseable {

    private final PrintStream out;
    private final Map<String, IntSupplier> counters = new LinkedHashMap<>();
    private final IntSupplier rateCounter;
    private final long started = System.nanoTime();
    private final boolean terminal = System.console() != null;
    private ProgressBar bar;
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
        if (terminal) {
            bar = new ProgressBarBuilder().setTaskName("handled").setInitialMax(-1).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(200).showSpeed().build();
        }
        ticker.scheduleAtFixedRate(this::print, 200, terminal ? 200 : 1000, TimeUnit.MILLISECONDS);
        return this;
    }

    double elapsedSeconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    private String counters() {
        StringBuilder line = new StringBuilder();
        counters.forEach((name, value) -> line.append(name).append(' ').append(value.getAsInt()).append("  "));
        return line.toString().trim();
    }

    private void print() {
        if (bar != null) {
            bar.stepTo(rateCounter.getAsInt());
            bar.setExtraMessage(counters());
            return;
        }
        double seconds = elapsedSeconds();
        String line = counters() + "  " + String.format("%,.0f msg/s  %.1fs", rateCounter.getAsInt() / Math.max(seconds, 1e-3), seconds);
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        print();
        if (bar != null) {
            bar.close();
        }
    }
}
