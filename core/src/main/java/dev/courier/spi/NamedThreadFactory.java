package dev.courier.spi;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads named {@code <prefix>-<n>} ({@code courier-nats-timer-1}), so thread dumps and logs say
 * whose they are; daemon threads unless asked otherwise, so a bus left open never keeps the JVM
 * alive; an exception that escapes a thread's task is logged at ERROR with the thread's name
 * instead of going to standard error. Thread safe.
 */
public final class NamedThreadFactory implements ThreadFactory {

    private static final Logger log = LoggerFactory.getLogger(NamedThreadFactory.class);
    private static final Thread.UncaughtExceptionHandler LOG_UNCAUGHT =
            (thread, failure) -> log.error("Uncaught exception in thread {}", thread.getName(), failure);

    private final String prefix;
    private final boolean daemon;
    private final AtomicInteger count = new AtomicInteger();

    /** Daemon threads named {@code <prefix>-<n>}. */
    public NamedThreadFactory(String prefix) {
        this(prefix, true);
    }

    /** Threads named {@code <prefix>-<n>}, daemon or not. */
    public NamedThreadFactory(String prefix, boolean daemon) {
        if (Objects.requireNonNull(prefix, "prefix").isBlank()) {
            throw new IllegalArgumentException("a thread name prefix must not be blank");
        }
        this.prefix = prefix;
        this.daemon = daemon;
    }

    /**
     * Daemon threads of a transport, named {@code courier-<transport>-<purpose>-<n>}: the one
     * naming rule for every transport ({@code forTransport("amqp", "io")}).
     */
    public static NamedThreadFactory forTransport(String transport, String purpose) {
        return new NamedThreadFactory("courier-" + transport + "-" + purpose);
    }

    /** The name every thread starts with, before {@code -<n>}. */
    public String prefix() {
        return prefix;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
        thread.setDaemon(daemon);
        thread.setUncaughtExceptionHandler(LOG_UNCAUGHT);
        return thread;
    }
}
