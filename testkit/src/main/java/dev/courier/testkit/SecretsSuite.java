package dev.courier.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import dev.courier.api.BusOptions;
import dev.courier.api.MessageBus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * No secret leaves the process: with URLs holding every secret a transport takes (password,
 * token, secret options), the secret appears in no log line (Courier's at DEBUG and up, the
 * broker client's at INFO and up), exception message or stack trace, {@code toString()} or health
 * detail, whether the connection succeeds, fails, or the bus is used after it closed.
 *
 * <p>Needs logback-classic on the test classpath.
 */
@Tag("conformance")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public abstract class SecretsSuite {

    /**
     * URLs that hold every secret of {@link #secrets()}; each may connect or be refused by the
     * broker, and at least one must connect, so that a working bus is checked too.
     */
    protected abstract List<String> urlsWithSecrets();

    /** The secret values in those URLs (as a user would type them, and as the URL encodes them). */
    protected abstract List<String> secrets();

    private final List<String> refusals = new ArrayList<>();

    /** Called before each test, for example to check the broker is reachable. */
    protected void beforeEachTest() {
    }

    @Test
    void no_secret_appears_in_logs_exceptions_to_string_or_health() {
        beforeEachTest();
        int connected = 0;
        refusals.clear();
        for (String url : urlsWithSecrets()) {
            List<String> shown = new ArrayList<>();
            boolean[] worked = new boolean[1];
            List<ILoggingEvent> logged = capturingLogs(() -> worked[0] = exercise(url, shown));
            connected += worked[0] ? 1 : 0;
            for (ILoggingEvent event : logged) {
                shown.add(event.getLoggerName() + " " + event.getLevel() + " " + event.getFormattedMessage());
                shown.add(describe(event.getThrowableProxy()));
            }
            for (String text : shown) {
                for (String secret : secrets()) {
                    assertFalse(text != null && text.contains(secret),
                            "a secret of " + secrets().indexOf(secret) + " shown for a URL of the suite: "
                                    + (text == null ? "" : text.replace(secret, "<SECRET>")));
                }
            }
        }
        assertTrue(connected > 0, "none of the suite's URLs connected, so no working bus was checked; refusals: "
                + refusals.stream().map(this::masked).toList());
    }

    /** Connects, uses and closes a bus on {@code url}, collecting all it shows; false if it could not connect. */
    private boolean exercise(String url, List<String> shown) {
        MessageBus bus;
        try {
            bus = MessageBus.connect(url, BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(5)));
        } catch (RuntimeException refused) {
            shown.add(stackTrace(refused));
            refusals.add(refused.toString());
            return false;
        }
        try {
            shown.add(bus.toString());
            shown.add(bus.health().toString());
            try {
                bus.publish("secrets-suite.probe", "probe").toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                shown.add(stackTrace(e));
            }
        } finally {
            bus.close();
        }
        shown.add(bus.health().toString());
        try {
            bus.publish("secrets-suite.probe", "after close");
            fail("a closed bus accepted a publish");
        } catch (IllegalStateException closed) {
            shown.add(stackTrace(closed));
        }
        return true;
    }

    private String masked(String text) {
        String out = text;
        for (String secret : secrets()) {
            out = out.replace(secret, "<SECRET>");
        }
        return out;
    }

    /** Runs {@code action} while every log event of Courier (DEBUG up) and of others (INFO up) is kept, not printed. */
    private static List<ILoggingEvent> capturingLogs(Runnable action) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            throw new AssertionError("SecretsSuite needs logback-classic as the SLF4J backend of the test");
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger courier = context.getLogger("dev.courier");
        Level rootLevel = root.getLevel();
        Level courierLevel = courier.getLevel();
        List<Appender<ILoggingEvent>> printers = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            printers.add(it.next());
        }
        ListAppender<ILoggingEvent> kept = new ListAppender<>();
        kept.setContext(context);
        kept.start();
        printers.forEach(root::detachAppender);
        root.addAppender(kept);
        root.setLevel(Level.INFO);
        courier.setLevel(Level.DEBUG);
        try {
            action.run();
        } finally {
            root.detachAppender(kept);
            printers.forEach(root::addAppender);
            root.setLevel(rootLevel);
            courier.setLevel(courierLevel);
            kept.stop();
        }
        synchronized (kept.list) {
            return new ArrayList<>(kept.list);
        }
    }

    private static String describe(IThrowableProxy proxy) {
        StringBuilder out = new StringBuilder();
        for (IThrowableProxy t = proxy; t != null; t = t.getCause()) {
            out.append(t.getClassName()).append(": ").append(t.getMessage()).append('\n');
        }
        return out.toString();
    }

    private static String stackTrace(Throwable t) {
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        return t + "\n" + text;
    }
}
