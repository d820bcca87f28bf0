package dev.courier.benchmarks;

import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * How far a benchmark run is: a progress bar (progressbar library) when a terminal shows it, a
 * plain line per finished case otherwise (logs, CI). Used from the harness's thread only.
 */
final class RunProgress implements AutoCloseable {

    private final ProgressBar bar;
    private final PrintStream plain;
    private final long total;
    private long done;

    private RunProgress(ProgressBar bar, PrintStream plain, long total) {
        this.bar = bar;
        this.plain = plain;
        this.total = total;
    }

    /** A bar of {@code total} steps on a terminal, else plain lines on {@code out}. */
    static RunProgress start(String task, long total, PrintStream out) {
        if (System.console() == null) {
            return new RunProgress(null, out, total);
        }
        return new RunProgress(new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate().build(), null, total);
    }

    /** One step done, {@code what} shown beside the bar or printed as a line. */
    void step(String what) {
        done++;
        if (bar != null) {
            bar.step();
            bar.setExtraMessage(what);
        } else {
            plain.println("[" + done + "/" + total + "] " + what);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
