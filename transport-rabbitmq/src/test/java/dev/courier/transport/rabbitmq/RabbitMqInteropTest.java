package dev.courier.transport.rabbitmq;

import dev.courier.testkit.ForeignProducer;
import dev.courier.testkit.InteropSuite;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;

/** Messages from the plain amqp-client ({@link RabbitMqForeignProducer}) on a real RabbitMQ. */
class RabbitMqInteropTest extends InteropSuite {

    /** Name prefixes ({@code ik-<run>-}) of the runs in this JVM, for the clean-up. */
    private static final Set<String> RUN_PREFIXES = ConcurrentHashMap.newKeySet();

    @Override
    protected String url() {
        return TestBroker.URL;
    }

    @Override
    protected void beforeEachTest() {
        TestBroker.requireReachable();
    }

    @Override
    protected ForeignProducer foreignProducer() throws Exception {
        return new RabbitMqForeignProducer();
    }

    @Override
    protected String name(String suffix) {
        String name = super.name(suffix);
        RUN_PREFIXES.add(name.substring(0, name.indexOf('-', "ik-".length()) + 1));
        return name;
    }

    /** Deletes the queues and exchanges of this run. */
    @AfterAll
    static void deleteWhatTheRunCreated() throws IOException {
        if (RUN_PREFIXES.isEmpty() || !TestBroker.isLocal() || !RabbitMqCtl.available()) {
            return;
        }
        for (String prefix : RUN_PREFIXES) {
            List<String> queues = RabbitMqCtl.queues(prefix);
            TestBroker.delete(queues, RabbitMqCtl.exchanges(prefix));
        }
    }
}
