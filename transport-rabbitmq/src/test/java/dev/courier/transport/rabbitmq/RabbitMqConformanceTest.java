package dev.courier.transport.rabbitmq;

import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.RestartableBroker;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;

/**
 * The whole Courier contract against a real RabbitMQ ({@code COURIER_AMQP_URL} or the local
 * service), the restart scenario included: {@code rabbitmqctl stop_app} / {@code start_app} on the
 * local node.
 */
class RabbitMqConformanceTest extends ConformanceSuite {

    /** Name prefixes ({@code ck-<run>-}) of the runs in this JVM, for the clean-up. */
    private static final Set<String> RUN_PREFIXES = ConcurrentHashMap.newKeySet();

    @Override
    protected String url() {
        return TestBroker.URL;
    }

    @Override
    protected void beforeEachTest() {
        TestBroker.requireReachable();
    }

    /** RabbitMQ accepts up to 128 MiB by default; one byte more must be refused before sending. */
    @Override
    protected int oversizedPayloadBytes() {
        return (int) RabbitMqSettings.DEFAULT_MAX_MESSAGE_BYTES + 1;
    }

    @Override
    protected RestartableBroker restartableBroker() {
        if (!TestBroker.isLocal() || !RabbitMqCtl.available()) {
            return null;
        }
        return new RestartableBroker() {
            @Override
            public String url() {
                return TestBroker.URL;
            }

            @Override
            public void stop() throws IOException {
                RabbitMqCtl.stopApp();
            }

            @Override
            public void start() throws IOException {
                RabbitMqCtl.startApp(TestBroker.SETTINGS.host(), TestBroker.SETTINGS.port());
            }
        };
    }

    @Override
    protected String restartUnsupportedReason() {
        return "the restart scenario needs rabbitmqctl and a RabbitMQ on this machine; COURIER_AMQP_URL points to "
                + TestBroker.SETTINGS.hostAndPort();
    }

    @Override
    protected String name(String suffix) {
        String name = super.name(suffix);
        RUN_PREFIXES.add(name.substring(0, name.indexOf('-', "ck-".length()) + 1));
        return name;
    }

    /** Deletes the queues and exchanges of this run (the suite's names all start with {@code ck-<run>-}). */
    @AfterAll
    static void deleteWhatTheRunCreated() {
        if (RUN_PREFIXES.isEmpty() || !TestBroker.isLocal() || !RabbitMqCtl.available()) {
            return;
        }
        for (String prefix : RUN_PREFIXES) {
            try {
                List<String> queues = RabbitMqCtl.queues(prefix);
                List<String> exchanges = RabbitMqCtl.exchanges(prefix);
                TestBroker.delete(queues, exchanges);
            } catch (IOException e) {
                System.err.println("could not list the queues and exchanges of run " + prefix + ": " + e.getMessage());
            }
        }
    }
}
