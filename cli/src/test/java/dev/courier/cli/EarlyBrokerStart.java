package dev.courier.cli;

import dev.courier.transport.aws.MotoServer;
import dev.courier.transport.kafka.KafkaTestBroker;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Starts the Kafka test broker and then moto_server in the background as soon as a test run that
 * holds their command suites begins, so both are up by the time those suites come (after the
 * memory, NATS and RabbitMQ ones) instead of each suite's first test waiting for its broker's start.
 * Only the start moves: the suites still run one at a time, and each asks for its broker as before
 * ({@link KafkaTestBroker#sharedUrl()}, {@link MotoServer#require()}, both synchronized), so it
 * waits for a start still under way, and a start that failed here is tried again there and reported.
 */
public final class EarlyBrokerStart implements TestExecutionListener {

    @Override
    public void testPlanExecutionStarted(TestPlan plan) {
        Set<String> classes = plan.getRoots().stream().flatMap(root -> plan.getDescendants(root).stream())
                .map(TestIdentifier::getSource).flatMap(source -> source.stream())
                .filter(ClassSource.class::isInstance).map(source -> ((ClassSource) source).getClassName())
                .collect(Collectors.toSet());
        boolean kafka = classes.contains(KafkaCourierCommandTest.class.getName());
        boolean aws = classes.contains(AwsCourierCommandTest.class.getName());
        if (!kafka && !aws) {
            return;
        }
        // one after the other: two broker starts at once on a small, loaded machine starve each other
        Thread start = new Thread(() -> {
            if (kafka) {
                quietly(KafkaTestBroker::sharedUrl);
            }
            if (aws) {
                quietly(MotoServer::require);
            }
        }, "early-broker-start");
        start.setDaemon(true);
        start.start();
    }

    private static void quietly(Runnable start) {
        try {
            start.run();
        } catch (Throwable failed) {
            // the suite asks again and reports what fails then (or skips, without the broker)
        }
    }
}
