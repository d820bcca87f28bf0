package dev.courier.transport.rabbitmq;

import dev.courier.testkit.ReliabilitySuite;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The reliability scenarios (a SIGKILLed consumer, 10,000 generated inputs) against a real
 * RabbitMQ. The fuzzing runs with a 1 MiB message limit (option {@code maxMessageBytes}) so its
 * at-the-limit payloads stay small; the default 128 MiB limit is checked by the conformance suite.
 */
class RabbitMqReliabilityTest extends ReliabilitySuite {

    static final int FUZZ_LIMIT = 1024 * 1024;
    /** The suite names everything {@code rk-<random>...} and does not tell the random part. */
    private static final String SUITE_PREFIX = "rk-";
    private static final Set<String> QUEUES_BEFORE = new HashSet<>();
    private static final Set<String> EXCHANGES_BEFORE = new HashSet<>();
    private static boolean canClean;

    @Override
    protected String url() {
        return TestBroker.URL + (TestBroker.URL.contains("?") ? "&" : "?") + "maxMessageBytes=" + FUZZ_LIMIT;
    }

    @Override
    protected int maxPayloadBytes() {
        return FUZZ_LIMIT;
    }

    @Override
    protected void beforeEachTest() {
        TestBroker.requireReachable();
    }

    @BeforeAll
    static void rememberWhatExists() {
        canClean = TestBroker.isLocal() && RabbitMqCtl.available();
        if (canClean) {
            try {
                QUEUES_BEFORE.addAll(RabbitMqCtl.queues(SUITE_PREFIX));
                EXCHANGES_BEFORE.addAll(RabbitMqCtl.exchanges(SUITE_PREFIX));
            } catch (IOException e) {
                canClean = false;
            }
        }
    }

    /**
     * Deletes the suite's queues and exchanges created during this class's run (those named
     * {@code rk-...} that did not exist before it).
     */
    @AfterAll
    static void deleteWhatTheRunCreated() {
        if (!canClean) {
            return;
        }
        try {
            List<String> queues = new ArrayList<>(RabbitMqCtl.queues(SUITE_PREFIX));
            queues.removeAll(QUEUES_BEFORE);
            List<String> exchanges = new ArrayList<>(RabbitMqCtl.exchanges(SUITE_PREFIX));
            exchanges.removeAll(EXCHANGES_BEFORE);
            TestBroker.delete(queues, exchanges);
        } catch (IOException e) {
            System.err.println("could not clean up the reliability suite's queues: " + e.getMessage());
        }
    }
}
