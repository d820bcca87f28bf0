package dev.courier.cli;

import dev.courier.api.MessageBus;
import dev.courier.spi.Transport;
import dev.courier.spi.Transports;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code --broker URL} option every command takes, {@code COURIER_URL} when absent. */
final class BrokerOption {

    @Spec(Spec.Target.MIXEE)
    private CommandSpec command;

    @Option(names = "--broker", paramLabel = "URL", defaultValue = "${env:COURIER_URL}",
            description = "Broker URL, e.g. amqp://guest:guest@localhost:5672/, nats://localhost:4222, "
                    + "kafka://localhost:9092 (default: $COURIER_URL).")
    private String url;

    /** The URL given, or a usage error naming both ways to give it. */
    String url() {
        if (url == null || url.isBlank()) {
            throw new ParameterException(command.commandLine(), "no broker: give --broker URL or set COURIER_URL");
        }
        return url;
    }

    /** A transport for the commands that work below the bus (dead letters, tail). */
    Transport openTransport() {
        return Transports.open(url(), Map.of());
    }

    /** A bus for the commands that use the public API (publish, health). */
    MessageBus connect() {
        return MessageBus.connect(url());
    }
}
