package dev.courier.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import dev.courier.api.HealthStatus;
import dev.courier.spi.ConnectionState;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.SettleOnceDelivery;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer on its own channel, with manual acks and {@code basic.qos} prefetch of
 * {@code min(maxInFlight, prefetch option)}. Deliveries reach the sink from the channel's
 * dispatch thread, one at a time, in broker order; that thread also waits while
 * {@code maxInFlight} deliveries are unsettled (which only happens right after a reconnection,
 * when deliveries of the lost channel are still being handled).
 *
 * <p>Acks go out in runs ({@link AckWindow}): one {@code basic.ack(multiple=true)} for up to a
 * quarter of the prefetch (at most {@value #MAX_ACK_BATCH}) acked deliveries, or within
 * {@value #ACK_DELAY_MICROS} µs of the first waiting ack, and on close; a reject goes out at once.
 *
 * <p>After a connection loss the channel and the consumer recover by themselves, with new delivery
 * tags. Deliveries of the lost channel belong to an older <em>incarnation</em>: their ack or
 * reject is ignored (the broker has already put them back and redelivers them).
 *
 * <p>Thread safe: ack and reject may come from any thread.
 */
final class RabbitMqConsumer extends DefaultConsumer implements Consumer {

    private static final Logger log = LoggerFactory.getLogger(RabbitMqConsumer.class);
    /** The most acks sent as one multiple ack (RabbitMQ's PerfTest suggests about 100). */
    static final int MAX_ACK_BATCH = 64;
    /** How long an ack waits for others to go out with it, at most. */
    static final long ACK_DELAY_MICROS = 1000;

    private final String queue;
    private final Destination source;
    private final ConsumerSpec spec;
    private final DeliverySink sink;
    private final boolean quorum;
    private final Runnable onClose;
    private final ScheduledExecutorService timers;
    private final int ackBatch;
    /** The acks of the current channel incarnation; replaced when the channel goes down. */
    private volatile AckWindow acks;
    private final AmqpWire wire = new AmqpWire();
    private final Object gate = new Object();
    private int unsettled; // guarded by gate
    private boolean stopped; // guarded by gate
    /** Incremented whenever the channel goes down; deliveries of older incarnations are void. */
    private volatile long incarnation;
    private volatile String consumerTag;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    /** Why the consumer stopped for good (cancelled by the broker, channel error); {@code null} if it did not. */
    private volatile String failure;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RabbitMqConsumer(Channel channel, String queue, ConsumerSpec spec, DeliverySink sink, boolean quorum,
                             int prefetch, ScheduledExecutorService timers, Runnable onClose) {
        super(channel);
        this.timers = timers;
        this.ackBatch = Math.max(1, Math.min(MAX_ACK_BATCH, prefetch / 4));
        this.acks = new AckWindow(ackBatch);
        this.queue = queue;
        this.source = spec.source();
        this.spec = spec;
        this.sink = sink;
        this.quorum = quorum;
        this.onClose = onClose;
    }

    /** Opens a channel on {@code link} and starts consuming {@code queue}. */
    static RabbitMqConsumer start(AmqpLink link, String queue, ConsumerSpec spec, DeliverySink sink,
                                  RabbitMqSettings settings, ScheduledExecutorService timers, Runnable onClose)
            throws IOException {
        Channel channel = link.createChannel();
        try {
            int prefetch = Math.min(spec.maxInFlight(), settings.prefetchCap());
            channel.basicQos(prefetch);
            RabbitMqConsumer consumer = new RabbitMqConsumer(channel, queue, spec, sink,
                    settings.queueType() == RabbitMqSettings.QueueType.QUORUM, prefetch, timers, onClose);
            channel.addShutdownListener(consumer::channelDown);
            ((Recoverable) channel).addRecoveryListener(new RecoveryListener() {
                @Override
                public void handleRecovery(Recoverable recoverable) {
                    log.info("Resumed consuming {}", consumer);
                }

                @Override
                public void handleRecoveryStarted(Recoverable recoverable) {
                }
            });
            consumer.consumerTag = channel.basicConsume(queue, false, consumer);
            return consumer;
        } catch (IOException | RuntimeException e) {
            AmqpLink.closeQuietly(channel);
            throw e;
        }
    }

    private void channelDown(ShutdownSignalException cause) {
        incarnation++;
        AckWindow lost = acks;
        acks = new AckWindow(ackBatch);
        lost.close(); // the broker puts those deliveries back
        if (!cause.isInitiatedByApplication() && !closed.get()) {
            if (cause.isHardError()) {
                log.debug("Channel of {} went down with its connection; unsettled deliveries will be redelivered", spec);
            } else {
                // a channel error: the channel does not recover by itself
                failure = "RabbitMQ closed the channel of queue " + queue + ": " + AmqpLink.Failures.refusal(cause);
                log.error("{}; no more deliveries for {}", failure, spec);
            }
        }
    }

    @Override
    public void handleDelivery(String tag, com.rabbitmq.client.Envelope amqp, AMQP.BasicProperties properties,
                               byte[] body) {
        long deliveryTag = amqp.getDeliveryTag();
        long current = incarnation;
        AckWindow window = acks;
        window.delivered(deliveryTag);
        synchronized (gate) {
            while (unsettled >= spec.maxInFlight() && !stopped) {
                try {
                    gate.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopped = true;
                }
            }
            if (stopped) {
                // stopFetching() was called: give it back at once rather than hand it out
                requeue(window, deliveryTag, current);
                return;
            }
            unsettled++;
        }
        try {
            Envelope envelope = AmqpMessages.envelope(source, amqp.getExchange(), amqp.getRoutingKey(), properties, body, quorum);
            int count = AmqpMessages.deliveryCount(properties, amqp.isRedeliver(), quorum);
            sink.deliver(new RabbitDelivery(envelope, count, deliveryTag, current, window));
        } catch (RuntimeException e) {
            // never let it reach the client: its default handler would close the channel
            log.error("Could not hand delivery {} of {} to Courier; returning it to the queue", deliveryTag, this, e);
            settled();
            requeue(window, deliveryTag, current);
        }
    }

    @Override
    public void handleCancel(String tag) {
        failure = "RabbitMQ cancelled the consumer of queue " + queue + " (deleted?)";
        log.warn("RabbitMQ cancelled consumer {} of {} (queue {} deleted?); no more deliveries", tag, spec, queue);
    }

    /** UP; RECONNECTING while the channel is down with its connection; FAILED once the broker ended it. */
    @Override
    public ConnectionState state() {
        if (closed.get()) {
            return new ConnectionState(HealthStatus.CLOSED, "closed");
        }
        String failed = failure;
        if (failed != null) {
            return new ConnectionState(HealthStatus.FAILED, failed);
        }
        if (!getChannel().isOpen()) {
            return new ConnectionState(HealthStatus.RECONNECTING, "the channel of queue " + queue
                    + " is down with its connection; it resumes once reconnected");
        }
        return ConnectionState.UP;
    }

    @Override
    public void stopFetching() {
        synchronized (gate) {
            stopped = true;
            gate.notifyAll();
        }
        String tag = consumerTag;
        if (tag != null && cancelled.compareAndSet(false, true)) {
            try {
                getChannel().basicCancel(tag);
            } catch (IOException | ShutdownSignalException e) {
                log.debug("Could not cancel consumer {} of {}: {}", tag, spec, e.toString());
            }
        }
    }

    @Override
    public void close() {
        stopFetching();
        flush(acks); // what was acked goes out before the channel closes
        if (closed.compareAndSet(false, true)) {
            AmqpLink.closeQuietly(getChannel());
            onClose.run();
        }
    }

    private void settled() {
        synchronized (gate) {
            unsettled--;
            gate.notifyAll();
        }
    }

    private void requeue(AckWindow window, long deliveryTag, long deliveredIn) {
        if (deliveredIn != incarnation) {
            return;
        }
        try {
            window.requeue(deliveryTag, wire);
        } catch (IOException | ShutdownSignalException e) {
            log.debug("Could not return delivery {} of {}; the broker redelivers it anyway", deliveryTag, spec);
        }
    }

    /** Acks {@code deliveryTag}, now or with others soon. */
    private void acknowledge(AckWindow window, long deliveryTag) throws IOException {
        switch (window.ack(deliveryTag)) {
            case UNTRACKED -> wire.ack(deliveryTag, false);
            case FLUSH -> window.flush(wire);
            case SCHEDULE -> {
                try {
                    timers.schedule(() -> flush(window), ACK_DELAY_MICROS, TimeUnit.MICROSECONDS);
                } catch (RejectedExecutionException closing) {
                    window.flush(wire);
                }
            }
            case NOTHING -> {
            }
        }
    }

    private void flush(AckWindow window) {
        try {
            window.flush(wire);
        } catch (IOException | ShutdownSignalException e) {
            log.debug("Could not send the waiting acks of {} (connection lost); the broker redelivers those messages", spec);
        }
    }

    /** Settlements on this consumer's channel. */
    private final class AmqpWire implements AckWindow.Wire {

        @Override
        public void ack(long tag, boolean multiple) throws IOException {
            getChannel().basicAck(tag, multiple);
        }

        @Override
        public void requeue(long tag) throws IOException {
            getChannel().basicNack(tag, false, true);
        }
    }

    @Override
    public String toString() {
        return spec.source().isQueue() ? spec.toString() : spec + " (queue " + queue + ")";
    }

    /** One delivery; the first ack or reject takes effect, later ones are ignored. */
    private final class RabbitDelivery extends SettleOnceDelivery {
        private final long deliveryTag;
        private final long deliveredIn;
        private final AckWindow window;

        RabbitDelivery(Envelope envelope, int count, long deliveryTag, long deliveredIn, AckWindow window) {
            super(envelope, count);
            this.deliveryTag = deliveryTag;
            this.deliveredIn = deliveredIn;
            this.window = window;
        }

        @Override
        protected void settle(boolean ack) {
            settled();
            if (!ack) {
                requeue(window, deliveryTag, deliveredIn);
                return;
            }
            if (deliveredIn != incarnation) {
                log.debug("Ignoring the ack of message {} on {}: delivered before a reconnection, the broker redelivers it",
                        envelope().id(), spec);
                return;
            }
            try {
                acknowledge(window, deliveryTag);
            } catch (IOException | ShutdownSignalException e) {
                log.debug("Could not ack message {} on {} (connection lost); the broker redelivers it", envelope().id(), spec);
            }
        }

        @Override
        public String toString() {
            return "Delivery[" + envelope().id() + " on " + spec + ", count " + deliveryCount() + "]";
        }
    }
}
