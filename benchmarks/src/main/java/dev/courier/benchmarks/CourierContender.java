package dev.courier.benchmarks;

import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishReceipt;
import dev.courier.api.Subscription;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Courier on a broker: {@link MessageBus#publish} (or {@link MessageBus#publishAll} for a batch)
 * of the case's payload ({@code byte[]} passed through, or a record through Courier's JSON codec)
 * and a subscription with one handler and {@code maxInFlight} unsettled messages at most (the same
 * bound as the raw client's prefetch).
 */
final class CourierContender implements Contender {

    private final String url;
    private final BusOptions options;
    private final String topic;
    private final String group;
    private final PayloadFormat format;
    private final int maxInFlight;
    private final Runnable cleanup;
    private MessageBus bus;
    private Subscription subscription;

    /**
     * @param cleanup deletes the topic, group and dead-letter queue on the broker after the bus is
     *                closed (Courier has no delete), or does nothing
     */
    CourierContender(String url, BusOptions options, String topic, String group, PayloadFormat format, int maxInFlight,
                     Runnable cleanup) {
        this.url = url;
        this.options = options;
        this.topic = topic;
        this.group = group;
        this.format = format;
        this.maxInFlight = maxInFlight;
        this.cleanup = cleanup;
    }

    @Override
    public void start(Receiver receiver) {
        bus = MessageBus.connect(url, options);
        subscribe(receiver, format.type());
    }

    private <T> void subscribe(Receiver receiver, Class<T> type) {
        subscription = bus.subscribe(topic, group, type, message -> receiver.received(format.sentAtOf(message.payload())),
                ConsumerOptions.concurrency(1).withMaxInFlight(maxInFlight));
    }

    @Override
    public void publish(long sentAt, Confirm confirm) {
        bus.publish(topic, format.object(sentAt)).whenComplete((receipt, failure) -> confirm.completed(failure));
    }

    /** One {@link MessageBus#publishAll} call for the whole batch. */
    @Override
    public void publishBatch(long[] sentAts, Confirm confirm) {
        List<OutgoingMessage> messages = new ArrayList<>(sentAts.length);
        for (long sentAt : sentAts) {
            messages.add(OutgoingMessage.of(topic, format.object(sentAt)));
        }
        for (CompletionStage<PublishReceipt> stage : bus.publishAll(messages)) {
            stage.whenComplete((receipt, failure) -> confirm.completed(failure));
        }
    }

    @Override
    public void close() {
        try {
            if (subscription != null) {
                subscription.close();
            }
            if (bus != null) {
                bus.close();
            }
        } finally {
            cleanup.run();
        }
    }
}
