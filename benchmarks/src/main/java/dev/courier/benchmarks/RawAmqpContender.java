package dev.courier.benchmarks;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.MessageProperties;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The raw amqp-client with Courier's guarantees and broker mapping: a durable topic exchange named
 * after the topic, a durable classic queue {@code <topic>.<group>} bound to it, persistent messages,
 * asynchronous publisher confirms (tracked by sequence number), a consumer with manual acks and
 * {@code prefetch} unacknowledged deliveries at most. One connection publishes, another consumes,
 * as Courier's transport does.
 */
final class RawAmqpContender implements Contender {

    private final URI url;
    private final String topic;
    private final String queue;
    private final int prefetch;
    private final ConcurrentNavigableMap<Long, Confirm> unconfirmed = new ConcurrentSkipListMap<>();
    private final ReentrantLock publishLock = new ReentrantLock();
    private Connection publishing;
    private Connection consuming;
    private Channel publisher;
    private Channel consumer;
    private final EnvelopeHeaders envelope;
    private final PayloadFormat format;

    /** @param envelope headers to send with every message (the {@code --raw-envelope} diagnostic) */
    RawAmqpContender(URI url, String topic, String group, int prefetch, PayloadFormat format, boolean envelope) {
        this.format = format;
        this.envelope = envelope ? EnvelopeHeaders.amqp(topic) : null;
        this.url = url;
        this.topic = topic;
        this.queue = topic + "." + group;
        this.prefetch = prefetch;
    }

    static ConnectionFactory factory(URI url) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(url);
        factory.setAutomaticRecoveryEnabled(false);
        return factory;
    }

    @Override
    public void start(Receiver receiver) throws Exception {
        ConnectionFactory factory = factory(url);
        publishing = factory.newConnection("bench-raw-publisher");
        consuming = factory.newConnection("bench-raw-consumer");
        publisher = publishing.createChannel();
        publisher.exchangeDeclare(topic, "topic", true, false, false, null);
        publisher.queueDeclare(queue, true, false, false, null);
        publisher.queueBind(queue, topic, topic);
        publisher.confirmSelect();
        publisher.addShutdownListener(cause -> {
            // no confirm will come for what is still unconfirmed: fail it rather than wait forever
            for (Long sequence : unconfirmed.keySet()) {
                complete(sequence, cause);
            }
        });
        publisher.addConfirmListener((sequence, multiple) -> settle(sequence, multiple, null),
                (sequence, multiple) -> settle(sequence, multiple, new IOException("nacked by the broker")));
        consumer = consuming.createChannel();
        consumer.basicQos(prefetch);
        consumer.basicConsume(queue, false, new DefaultConsumer(consumer) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                    throws IOException {
                receiver.received(format.sentAt(body));
                getChannel().basicAck(envelope.getDeliveryTag(), false);
            }
        });
    }

    private void settle(long sequence, boolean multiple, Throwable failure) {
        if (multiple) {
            for (Long each : unconfirmed.headMap(sequence, true).keySet()) {
                complete(each, failure);
            }
        } else {
            complete(sequence, failure);
        }
    }

    /** Completes the publish {@code sequence} once, whoever gets there first. */
    private void complete(Long sequence, Throwable failure) {
        Confirm confirm = unconfirmed.remove(sequence);
        if (confirm != null) {
            confirm.completed(failure);
        }
    }

    @Override
    public void publish(long sentAt, Confirm confirm) {
        publishLock.lock();
        try {
            publishLocked(sentAt, confirm);
        } finally {
            publishLock.unlock();
        }
    }

    /** The batch under one lock: the messages go out back to back, their confirms come as they come (often as one multiple ack). */
    @Override
    public void publishBatch(long[] sentAts, Confirm confirm) {
        publishLock.lock();
        try {
            for (long sentAt : sentAts) {
                publishLocked(sentAt, confirm);
            }
        } finally {
            publishLock.unlock();
        }
    }

    private void publishLocked(long sentAt, Confirm confirm) {
        byte[] payload = format.encode(sentAt);
        long sequence = publisher.getNextPublishSeqNo();
        unconfirmed.put(sequence, confirm);
        try {
            publisher.basicPublish(topic, topic, properties(), payload);
        } catch (IOException e) {
            complete(sequence, e);
        }
    }

    private AMQP.BasicProperties properties() {
        if (envelope == null) {
            return MessageProperties.PERSISTENT_BASIC;
        }
        String id = envelope.nextId();
        return new AMQP.BasicProperties.Builder().messageId(id).contentType("application/octet-stream")
                .deliveryMode(2).timestamp(new java.util.Date()).headers(new java.util.HashMap<>(envelope.headers(id)))
                .build();
    }

    @Override
    public void close() {
        try {
            if (consumer != null) {
                consumer.close();
            }
        } catch (Exception e) {
            // best effort
        }
        if (publishing != null && publishing.isOpen()) {
            deleteQuietly(publishing, topic, queue);
        }
        closeQuietly(consuming);
        closeQuietly(publishing);
    }

    /** Deletes the exchange and the queues (group and dead-letter) a case created, each on its own channel. */
    static void deleteQuietly(Connection connection, String exchange, String... queues) {
        for (String name : queues) {
            run(connection, channel -> channel.queueDelete(name));
        }
        run(connection, channel -> channel.exchangeDelete(exchange));
    }

    private interface ChannelAction {
        void run(Channel channel) throws IOException;
    }

    /** Runs {@code action} on a fresh channel, best effort (a failed action closes its channel only). */
    private static void run(Connection connection, ChannelAction action) {
        try (Channel channel = connection.createChannel()) {
            action.run(channel);
        } catch (Exception e) {
            // best effort: it may not exist
        }
    }

    static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (IOException | RuntimeException e) {
                // best effort
            }
        }
    }
}
