package dev.courier.internal;

import dev.courier.spi.NamedThreadFactory;
import java.util.concurrent.ThreadFactory;

/** Daemon threads named {@code <prefix>-<n>}, so thread dumps and logs say whose they are; see {@link NamedThreadFactory}. */
final class NamedThreads implements ThreadFactory {

    private final ThreadFactory threads;

    NamedThreads(String prefix) {
        this.threads = new NamedThreadFactory(prefix);
    }

    @Override
    public Thread newThread(Runnable task) {
        return threads.newThread(task);
    }
}
