package dev.courier.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.courier.api.ConnectionException;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.ReplyInbox;
import dev.courier.spi.ReplyPath;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replies through an exclusive, auto-delete queue per bus, {@code courier-reply.<32 hex digits>},
 * declared and consumed (without acknowledgements) on the bus's consuming connection. The broker
 * deletes it when that connection ends, so a crashed process leaves no reply queue behind; the
 * client declares it again, under the same name, when it recovers a lost connection. A reply is
 * published to the default exchange with the mandatory flag: to a queue that is gone it fails and
 * creates nothing.
 *
 * <p>Why not direct reply-to ({@code amq.rabbitmq.reply-to})? Its address exists only for
 * messages published on the very channel that consumes it, while Courier publishes requests on the
 * publisher's confirm channel, like every other message; an exclusive queue costs one declaration
 * per bus, not per request, and keeps requests on the one publish path. Thread safe.
 */
final class RabbitMqReplyQueue implements ReplyPath {

    private static final Logger log = LoggerFactory.getLogger(RabbitMqReplyQueue.class);
    private static final String PREFIX = "courier-reply.";
    private static final Pattern ADDRESS = Pattern.compile(Pattern.quote(PREFIX) + "[0-9a-f]{32}");

    private final Supplier<AmqpLink> consuming;
    private final RabbitMqPublisher publisher;
    private final RabbitMqSettings settings;

    RabbitMqReplyQueue(Supplier<AmqpLink> consuming, RabbitMqPublisher publisher, RabbitMqSettings settings) {
        this.consuming = consuming;
        this.publisher = publisher;
        this.settings = settings;
    }

    @Override
    public ReplyInbox open(DeliverySink sink) {
        String queue = PREFIX + UUID.randomUUID().toString().replace("-", "");
        Destination source = Destination.temporaryQueue(queue);
        Channel channel;
        String tag;
        try {
            channel = consuming.get().createChannel();
            channel.queueDeclare(queue, false, true, true, Map.of("x-queue-type", "classic"));
            tag = channel.basicConsume(queue, true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String consumerTag, Envelope amqp, AMQP.BasicProperties properties, byte[] body) {
                    sink.deliver(ReplyPath.unacknowledged(AmqpMessages.envelope(source, amqp.getExchange(),
                            amqp.getRoutingKey(), properties, body, false)));
                }
            });
        } catch (IOException | RuntimeException e) {
            String refusal = AmqpLink.Failures.refusal(e);
            throw new ConnectionException("could not open reply queue " + queue + " on RabbitMQ at " + settings.address()
                    + ": " + (refusal != null ? refusal : AmqpLink.Failures.reason(e, settings)),
                    AmqpLink.Failures.showsPassword(e, settings) ? null : e);
        }
        log.debug("Consuming replies from exclusive queue {}", queue);
        return ReplyInbox.of(queue, () -> {
            try {
                if (channel.isOpen()) {
                    channel.basicCancel(tag);
                    channel.queueDelete(queue); // auto-delete would too, once the cancel is processed
                }
            } catch (IOException | RuntimeException e) {
                log.debug("Could not delete reply queue {} (it goes with its connection): {}", queue, e.toString());
            } finally {
                AmqpLink.closeQuietly(channel);
            }
        });
    }

    @Override
    public boolean accepts(String address) {
        return ADDRESS.matcher(address).matches();
    }

    @Override
    public CompletionStage<Void> send(String address, dev.courier.spi.Envelope reply) {
        return publisher.send(reply.withDestination(Destination.queue(address)));
    }
}
