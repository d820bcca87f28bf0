package dev.courier.jdbc;

import dev.courier.api.BusOptions;
import dev.courier.api.MessageBus;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A relay meant to be killed: run in a child JVM by {@link RelayCrashTest}, it publishes an
 * outbox table through a bus until the test SIGKILLs it.
 *
 * <p>Arguments: {@code jdbc-url outbox-table bus-url}. Prints {@code ready} once started.
 */
public final class RelayProcess {

    private RelayProcess() {
    }

    public static void main(String[] args) throws Exception {
        MessageBus bus = MessageBus.connect(args[2]);
        Outbox outbox = Outbox.create(new UrlDataSource(args[0]), BusOptions.defaults(),
                OutboxOptions.defaults().withTable(args[1]).withBatchSize(100).withPollInterval(Duration.ofMillis(50)));
        outbox.startRelay(bus);
        System.out.println("ready");
        System.out.flush();
        new CountDownLatch(1).await(); // until killed
    }
}
