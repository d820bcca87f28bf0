package dev.courier.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.LongString;
import com.rabbitmq.client.impl.LongStringHelper;
import dev.courier.spi.CloudEvents;
import dev.courier.testkit.ForeignProducer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Another team's service publishing with the plain {@code amqp-client} to where Courier reads:
 * a topic is the durable topic exchange of that name (declared here as Courier declares it; every
 * group's queue is bound with {@code #}), a work queue is reached through the default exchange
 * with the queue name as routing key. Nothing Courier writes is added: no {@code message-id},
 * no timestamp, no delivery mode, no content type except a CloudEvent's {@code datacontenttype};
 * header values are AMQP long strings (UTF-8). Every publish waits for the broker's confirm, and a
 * work-queue message the broker cannot route (no such queue) fails.
 *
 * <p>Not thread safe: one caller at a time.
 */
public final class RabbitMqForeignProducer implements ForeignProducer {

    private static final long CONFIRM_MILLIS = 20_000;
    private static final int ROUTING_KEY_MAX_BYTES = 255;

    private final Connection connection;
    private Channel channel;
    private volatile String returned;

    /** Connects to the test broker ({@link TestBroker#URL}). */
    public RabbitMqForeignProducer() throws IOException, TimeoutException {
        this.connection = TestBroker.adminConnection();
    }

    /**
     * {@inheritDoc} AMQP has no ordering key: {@code key}, when it fits, is the routing key (the
     * group queues bind with {@code #}, so it reaches them all), as a topic-exchange producer
     * would use it; Courier does not read it as the message key.
     */
    @Override
    public void publish(String topic, String key, Map<String, String> headers, byte[] body) throws Exception {
        String routingKey = key != null && key.getBytes(StandardCharsets.UTF_8).length <= ROUTING_KEY_MAX_BYTES ? key : topic;
        send(topic, routingKey, false, properties(headers, null), body);
    }

    @Override
    public void publishWithContentType(String topic, String contentType, byte[] body) throws Exception {
        send(topic, topic, false, properties(Map.of(), contentType), body);
    }

    @Override
    public void submit(String queue, Map<String, String> headers, byte[] body) throws Exception {
        send("", queue, true, properties(headers, null), body);
    }

    @Override
    public void publishCloudEvent(String topic, String prefix, Map<String, String> attributes, byte[] data)
            throws Exception {
        if (!cloudEventsPrefixes().contains(prefix)) {
            throw new IllegalArgumentException("the AMQP binding has no prefix '" + prefix + "'");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        attributes.forEach((name, value) -> {
            if (!name.equals(CloudEvents.DATACONTENTTYPE)) {
                headers.put(prefix + name, value);
            }
        });
        send(topic, topic, false, properties(headers, attributes.get(CloudEvents.DATACONTENTTYPE)), data);
    }

    @Override
    public List<String> cloudEventsPrefixes() {
        return List.of("cloudEvents_", "cloudEvents:"); // the AMQP binding allows both
    }

    /** 4 MiB: far below RabbitMQ's 128 MiB {@code max_message_size}, large enough to matter. */
    @Override
    public int largestBody() {
        return 4 * 1024 * 1024;
    }

    @Override
    public boolean largestBodyIsTheBrokersLimit() {
        return false;
    }

    @Override
    public void close() throws Exception {
        connection.close();
    }

    private static AMQP.BasicProperties properties(Map<String, String> headers, String contentType) {
        Map<String, Object> table = new LinkedHashMap<>();
        headers.forEach((name, value) -> table.put(name, longString(value)));
        return new AMQP.BasicProperties.Builder()
                .headers(table.isEmpty() ? null : table)
                .contentType(contentType)
                .build();
    }

    private static LongString longString(String value) {
        return LongStringHelper.asLongString(value.getBytes(StandardCharsets.UTF_8));
    }

    private void send(String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties properties, byte[] body)
            throws IOException, InterruptedException, TimeoutException {
        Channel open = channel();
        if (!exchange.isEmpty()) {
            open.exchangeDeclare(exchange, "topic", true); // as Courier declares a topic: a no-op once it exists
        }
        returned = null;
        open.basicPublish(exchange, routingKey, mandatory, properties, body);
        open.waitForConfirmsOrDie(CONFIRM_MILLIS); // a return comes before the confirm
        if (returned != null) {
            throw new IOException("RabbitMQ could not route the message to queue " + routingKey + ": " + returned);
        }
    }

    private Channel channel() throws IOException {
        if (channel == null || !channel.isOpen()) {
            channel = connection.createChannel();
            channel.confirmSelect();
            channel.addReturnListener(message -> returned = message.getReplyText());
        }
        return channel;
    }
}
