package dev.courier.transport.rabbitmq;

import dev.courier.testkit.ConformanceSuite;
import dev.courier.testkit.RestartableBroker;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;

/**
 * The whole Courier contract against a real RabbitMQ ({@code COURIER_AMQP_URL} or the local
 * service), the restart scenario included: {@code rabbitmqctl stop_app} / {@code start_app} on the
 * local node.
 */
class RabbitMqConformanceTest extends ConformanceSuite {

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

    /** Deletes the queues and exchanges of this run. */
    @AfterAll
    static void deleteWhatTheRunCreated() {
        TestBroker.deleteRun(RUN_PREFIX);
    }
}
