package dev.courier.cli;

import dev.courier.api.ConnectionException;
import dev.courier.api.Health;
import dev.courier.api.MessageBus;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code courier health}: connects, prints the bus's health, exits 0 only when it is up. */
@Command(name = "health", mixinStandardHelpOptions = true,
        description = "Connects to the broker and prints the bus's health; exit code 0 only when it is UP.")
final class HealthCommand implements Callable<Integer> {

    @Mixin
    private BrokerOption broker;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Health health;
        try (MessageBus bus = broker.connect()) {
            health = bus.health();
        } catch (ConnectionException e) {
            out.println("DOWN " + e.getMessage());
            return Courier.FAILED;
        }
        out.println(health.status() + " " + health.transport() + (health.detail() == null || health.detail().isEmpty()
                ? "" : " " + health.detail()));
        return health.isUp() ? Courier.OK : Courier.FAILED;
    }
}
