package dev.courier.cli;

import dev.courier.spi.Consumer;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code courier tail}: prints a topic's messages as they arrive, through a temporary subscription
 * of its own ({@link dev.courier.spi.Transport#tail}), so existing groups see no difference.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Prints every message published to TOPIC from now on, one line each, until interrupted"
                + " (or --count messages).", "Uses a temporary subscription of its own: existing groups are not disturbed."})
final class TailCommand implements Callable<Integer> {

    @Mixin
    private BrokerOption broker;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic to watch.")
    private String topic;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N messages.")
    private Integer count;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger printed = new AtomicInteger();
        try (BrokerSession session = new BrokerSession(broker.openTransport())) {
            Destination source = session.onBroker(Destination.topic(topic));
            session.transport().declare(source);
            Consumer consumer = session.transport().tail(source, delivery -> {
                synchronized (out) {
                    out.println(line(delivery.envelope()));
                    out.flush();
                }
                delivery.ack();
                if (count != null && printed.incrementAndGet() >= count) {
                    done.countDown();
                }
            });
            Thread stop = new Thread(done::countDown, "courier-tail-stop");
            Runtime.getRuntime().addShutdownHook(stop);
            try {
                out.println("tailing " + topic + (count == null ? " (Ctrl-C to stop)" : " for " + count + " message(s)"));
                out.flush();
                done.await();
            } finally {
                consumer.close();
                removeHook(stop);
            }
        }
        return Courier.OK;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting (Ctrl-C): the hook ran
        }
    }

    /** {@code <timestamp> <id> key=<key> {headers} <payload>} on one line. */
    static String line(Envelope envelope) {
        return envelope.timestamp() + " " + envelope.id() + " key=" + (envelope.key() == null ? "-" : envelope.key())
                + " " + envelope.headers() + " " + PayloadText.oneLine(envelope.payload());
    }
}
