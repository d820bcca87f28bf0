package dev.courier.testkit;

import dev.courier.spi.Destination;

/**
 * Asks a broker, through its own admin API, what it holds, so that a suite can check what a bus
 * left behind. Implemented by each transport's tests (RabbitMQ: a passive declare; NATS: stream
 * info; Kafka: the admin client's topic list; memory: the in-process broker).
 */
@FunctionalInterface
public interface BrokerProbe {

    /**
     * True when the broker holds {@code destination} (named as in Courier, mapped to the broker's
     * names by the implementation), false when it does not.
     */
    boolean exists(Destination destination) throws Exception;
}
