package dev.courier.benchmarks;

import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.Subscription;

/**
 * Courier on a broker: {@link MessageBus#publish} of a {@code byte[]} payload and a subscription
 * with one handler and {@code maxInFlight} unsettled messages at most (the same bound as the raw
 * client's prefetch). The payload travels as is (no JSON), as with the raw client.
 */
final class CourierContender implements Contender {

    private final String url;
    private final BusOptions options;
    private final String topic;
    private final String group;
    private final int concurrency;
    private final int maxInFlight;
    private final Runnable cleanup;
    private MessageBus bus;
    private Subscription subscription;

    /**
     * @param cleanup deletes the topic, group and dead-letter queue on the broker after the bus is
     *                closed (Courier has no delete), or does nothing
     */
    CourierContender(String url, BusOptions options, String topic, String group, int concurrency, int maxInFlight,
                     Runnable cleanup) {
        this.url = url;
        this.options = options;
        this.topic = topic;
        this.group = group;
        this.concurrency = concurrency;
        this.maxInFlight = maxInFlight;
        this.cleanup = cleanup;
    }

    @Override
    public void start(Receiver receiver) {
        bus = MessageBus.connect(url, options);
        subscription = bus.subscribe(topic, group, byte[].class, message -> receiver.received(message.payload()),
                ConsumerOptions.concurrency(concurrency).withMaxInFlight(maxInFlight));
    }

    @Override
    public void publish(byte[] payload, Confirm confirm) {
        bus.publish(topic, payload).whenComplete((receipt, failure) -> confirm.completed(failure));
    }

    @Override
    public void close() {
        if (subscription != null) {
            subscription.close();
        }
        if (bus != null) {
            bus.close();
        }
        cleanup.run();
    }
}
