package dev.courier.transport.aws;

import dev.courier.api.CourierException;
import dev.courier.spi.ConnectionState;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A temporary subscription to a topic (the {@code courier tail} command): a group of its own with a
 * random name, that is an SQS queue subscribed to the topic with raw delivery, consumed like any
 * group's. SQS has no queue that ends with its reader, so {@link #close()} deletes the subscription
 * and the queue; a process killed before that leaves both behind (named {@code <topic>_tail-*}).
 * Thread safe.
 */
final class AwsTail implements Consumer {

    private static final Logger log = LoggerFactory.getLogger(AwsTail.class);

    private final AwsTransport transport;
    private final ConsumerSpec spec;
    private final String queueName;
    private final String subscriptionArn;
    private final AwsConsumer consumer;
    private final AtomicBoolean closed = new AtomicBoolean();

    AwsTail(AwsTransport transport, ConsumerSpec spec, String queueName, String subscriptionArn, AwsConsumer consumer) {
        this.transport = transport;
        this.spec = spec;
        this.queueName = queueName;
        this.subscriptionArn = subscriptionArn;
        this.consumer = consumer;
    }

    /** A group name no other consumer uses. */
    static String group() {
        return "tail-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    @Override
    public void stopFetching() {
        consumer.stopFetching();
    }

    @Override
    public ConnectionState state() {
        return consumer.state();
    }

    /** Stops consuming, then deletes the subscription and the queue. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        consumer.close();
        try {
            transport.unsubscribe(subscriptionArn);
            transport.deleteQueue(queueName, spec.toString());
        } catch (CourierException e) {
            log.warn("Tail {} could not clean up after itself (delete queue {} by hand): {}", spec, queueName,
                    e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "AwsTail[" + spec + "]";
    }
}
