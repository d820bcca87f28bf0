package dev.courier.transport.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import dev.courier.api.ConnectionException;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.QueueBrowser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a RabbitMQ queue without consuming it: {@code basic.get} without auto-ack on a channel of
 * its own holds each message read, an ack removes one, and closing the channel (or the process
 * dying, which closes the connection) gives every other one back to the queue, in its place. A
 * queue that does not exist reads as empty. One thread at a time.
 */
final class RabbitMqQueueBrowser implements QueueBrowser {

    private final AmqpLink link;
    private final Destination queue;
    private final RabbitMqSettings settings;
    private final List<Held> held = new ArrayList<>();
    private Channel channel;
    private boolean exhausted;

    private record Held(long deliveryTag, Envelope envelope) {
    }

    RabbitMqQueueBrowser(AmqpLink link, Destination queue, RabbitMqSettings settings) {
        this.link = link;
        this.queue = queue;
        this.settings = settings;
    }

    @Override
    public List<Envelope> messages(int max) {
        release();
        fetchUntil(max, null);
        return held.stream().limit(max).map(Held::envelope).toList();
    }

    @Override
    public boolean remove(String id) {
        Held found = held.stream().filter(h -> h.envelope().id().equals(id)).findFirst()
                .orElseGet(() -> fetchUntil(Integer.MAX_VALUE, id));
        if (found == null) {
            return false;
        }
        try {
            channel.basicAck(found.deliveryTag(), false);
            held.remove(found);
            return true;
        } catch (IOException | RuntimeException e) {
            throw failure("remove message " + id + " from", e);
        }
    }

    /** Reads on until {@code max} messages are held or one has {@code id}; returns that one, if any. */
    private Held fetchUntil(int max, String id) {
        try {
            if (channel == null) {
                channel = link.createChannel();
                try {
                    channel.queueDeclarePassive(queue.name());
                } catch (IOException missing) {
                    channel = null; // RabbitMQ closed the channel: no such queue
                    exhausted = true;
                    return null;
                }
            }
            while (!exhausted && held.size() < max) {
                GetResponse response = channel.basicGet(queue.name(), false);
                if (response == null) {
                    exhausted = true;
                    break;
                }
                Envelope envelope = AmqpMessages.envelope(queue, response.getEnvelope().getExchange(),
                        response.getEnvelope().getRoutingKey(), response.getProps(), response.getBody(),
                        settings.queueType() == RabbitMqSettings.QueueType.QUORUM);
                Held read = new Held(response.getEnvelope().getDeliveryTag(), envelope);
                held.add(read);
                if (envelope.id().equals(id)) {
                    return read;
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            throw failure("read", e);
        }
    }

    /** Gives back what this session holds, by closing its channel. */
    private void release() {
        if (channel != null) {
            AmqpLink.closeQuietly(channel);
            channel = null;
        }
        held.clear();
        exhausted = false;
    }

    private ConnectionException failure(String action, Exception e) {
        String refusal = AmqpLink.Failures.refusal(e);
        return new ConnectionException("could not " + action + " queue " + queue.name() + " on RabbitMQ at "
                + settings.address() + ": " + (refusal != null ? refusal : AmqpLink.Failures.reason(e, settings)),
                AmqpLink.Failures.showsPassword(e, settings) ? null : e);
    }

    @Override
    public void close() {
        release();
    }
}
