package dev.courier.cli;

import dev.courier.api.PublishException;
import dev.courier.spi.Capabilities;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.NameRule;
import dev.courier.spi.QueueBrowser;
import dev.courier.spi.Transport;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The transport a command works through, with the two things core would otherwise do for it:
 * Courier names mapped onto a stricter broker's ({@link NameRule}), and a destination declared
 * once before the first send. Not thread safe: one command, one thread.
 */
final class BrokerSession implements AutoCloseable {

    /** How long one send may wait for the broker's confirmation. */
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final Transport transport;
    private final Set<Destination> declared = new HashSet<>();

    BrokerSession(Transport transport) {
        this.transport = transport;
    }

    /** {@code destination} under the name the broker holds it by. */
    Destination onBroker(Destination destination) {
        NameRule names = transport.capabilities().names();
        return names.allows(destination.name()) ? destination : destination.withName(names.map(destination.name()));
    }

    /** A browser on the work queue {@code queue} (a Courier name). */
    QueueBrowser browse(String queue) {
        return transport.browse(onBroker(Destination.queue(queue)));
    }

    /** True when the broker drops a message whose id it stored recently. */
    boolean deduplicates() {
        return transport.capabilities().features().contains(Capabilities.Feature.NATIVE_DEDUPLICATION);
    }

    /** Sends {@code envelope} and waits until the broker has it durably. */
    void send(Envelope envelope) {
        Destination destination = onBroker(envelope.destination());
        if (declared.add(destination)) {
            transport.declare(destination);
        }
        try {
            transport.send(envelope.withDestination(destination)).toCompletableFuture()
                    .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException runtime ? runtime
                    : new PublishException("could not send " + envelope.id() + " to " + destination + ": " + cause, cause);
        } catch (TimeoutException e) {
            throw new PublishException("the broker did not confirm " + envelope.id() + " to " + destination
                    + " within " + SEND_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("interrupted while sending " + envelope.id() + " to " + destination, e);
        }
    }

    Transport transport() {
        return transport;
    }

    @Override
    public void close() {
        transport.close();
    }
}
