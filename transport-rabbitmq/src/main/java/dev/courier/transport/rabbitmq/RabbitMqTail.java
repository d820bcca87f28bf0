package dev.courier.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import dev.courier.api.ConnectionException;
import dev.courier.spi.Consumer;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.SettleOnceDelivery;
import java.io.IOException;

/**
 * A temporary subscription to a topic: a server-named, exclusive, auto-deleted queue bound to the
 * topic's exchange beside the groups' queues, consumed with auto-ack. RabbitMQ deletes it when the
 * channel closes or the connection drops, so no group is touched and nothing stays behind.
 */
final class RabbitMqTail implements Consumer {

    private final Channel channel;

    private RabbitMqTail(Channel channel) {
        this.channel = channel;
    }

    static RabbitMqTail start(AmqpLink link, Destination topic, DeliverySink sink, RabbitMqSettings settings) {
        Channel channel = null;
        try {
            channel = link.createChannel();
            channel.exchangeDeclare(topic.name(), "topic", true, false, false, null);
            String queue = channel.queueDeclare("", false, true, true, null).getQueue();
            channel.queueBind(queue, topic.name(), "#");
            channel.basicConsume(queue, true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, com.rabbitmq.client.Envelope amqp, AMQP.BasicProperties properties,
                                           byte[] body) {
                    Envelope envelope = AmqpMessages.envelope(topic, amqp.getExchange(), amqp.getRoutingKey(), properties,
                            body, false);
                    sink.deliver(new SettleOnceDelivery(envelope, 1) {
                        @Override
                        protected void settle(boolean ack) {
                            // auto-ack: the broker forgot it on delivery
                        }
                    });
                }
            });
            return new RabbitMqTail(channel);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                AmqpLink.closeQuietly(channel);
            }
            String refusal = AmqpLink.Failures.refusal(e);
            throw new ConnectionException("could not tail " + topic + " on RabbitMQ at " + settings.address() + ": "
                    + (refusal != null ? refusal : AmqpLink.Failures.reason(e, settings)),
                    AmqpLink.Failures.showsPassword(e, settings) ? null : e);
        }
    }

    @Override
    public void stopFetching() {
        close();
    }

    @Override
    public void close() {
        AmqpLink.closeQuietly(channel);
    }
}
