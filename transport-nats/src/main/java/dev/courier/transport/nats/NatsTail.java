package dev.courier.transport.nats;

import dev.courier.spi.Consumer;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.SettleOnceDelivery;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.time.Duration;

/**
 * A temporary subscription to a topic: a plain NATS subscription on the topic's subject, which
 * sees every message published there as the stream stores it, and leaves no state on the server
 * (no consumer, no interest that holds messages in the stream). Ends when closed or disconnected.
 */
final class NatsTail implements Consumer {

    private final Connection connection;
    private final Dispatcher dispatcher;

    private NatsTail(Connection connection, Dispatcher dispatcher) {
        this.connection = connection;
        this.dispatcher = dispatcher;
    }

    /**
     * Returns once the server has the subscription: each message published afterwards, from any
     * connection, reaches {@code sink}.
     *
     * @throws dev.courier.api.ConnectionException when the server does not confirm within {@code timeout}
     */
    static NatsTail start(Connection connection, Destination topic, DeliverySink sink, Duration timeout, String address) {
        Dispatcher dispatcher = connection.createDispatcher(message -> {
            Envelope envelope;
            try {
                envelope = NatsHeaders.toEnvelope(message, topic);
            } catch (RuntimeException unreadable) {
                envelope = NatsHeaders.withoutHeaders(message, topic);
            }
            sink.deliver(new SettleOnceDelivery(envelope, 1) {
                @Override
                protected void settle(boolean ack) {
                    // a plain subscription: nothing to settle
                }
            });
        });
        dispatcher.subscribe(NatsNames.subject(topic));
        NatsTail tail = new NatsTail(connection, dispatcher);
        try {
            NatsTransport.awaitServer(connection, timeout, address, "tail " + topic);
        } catch (RuntimeException e) {
            tail.close();
            throw e;
        }
        return tail;
    }

    @Override
    public void stopFetching() {
        close();
    }

    @Override
    public void close() {
        if (dispatcher.isActive()) {
            connection.closeDispatcher(dispatcher);
        }
    }
}
