package dev.courier.benchmarks;

import dev.courier.benchmarks.jmh.JmhRunner;
import java.util.Arrays;

/**
 * The benchmark entry point.
 *
 * <pre>
 * java -jar benchmarks/target/courier-benchmarks.jar [--quick] [--seconds N] [--brokers memory,amqp,nats,kafka] ...
 * java -jar benchmarks/target/courier-benchmarks.jar jmh [JMH options]
 * </pre>
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("jmh")) {
            JmhRunner.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Settings settings;
        try {
            settings = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().equals("help")) {
                System.err.println(e.getMessage());
            }
            boolean help = e.getMessage().equals("help");
            (help ? System.out : System.err).print(Settings.usage());
            System.exit(help ? 0 : 2);
            return;
        }
        new Harness(settings).run();
        System.out.println("Wrote " + settings.out().resolve(Report.MARKDOWN) + " and " + settings.out().resolve(Report.CHART));
        System.exit(0); // client libraries may leave non-daemon threads behind
    }
}
