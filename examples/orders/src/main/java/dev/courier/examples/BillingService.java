package dev.courier.examples;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Subscription;
import dev.courier.api.WorkQueue;
import dev.courier.examples.OrderEvents.InvoiceJob;
import dev.courier.examples.OrderEvents.OrderPlaced;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Charges placed orders (group {@code billing} on {@code orders}). The (simulated) card processor
 * times out now and then: the charge is retried with backoff. A declined card fails every
 * attempt: the order is dead-lettered, and the dead-letter worker hands it to {@code unpaid}
 * (which schedules a payment reminder). A paid order becomes an invoice job on the work queue
 * {@code invoices}. Thread safe.
 */
final class BillingService {

    static final String GROUP = "billing";
    /** The test card number that every processor declines. */
    static final String DECLINED_CARD = "4000000000000002";
    static final RetryPolicy RETRY = RetryPolicy.exponential(3, Duration.ofMillis(50), Duration.ofMillis(400));

    private static final Logger log = LoggerFactory.getLogger(BillingService.class);

    private final Set<String> charged = ConcurrentHashMap.newKeySet();
    private final Set<String> retried = ConcurrentHashMap.newKeySet();
    private final Map<String, String> deadLettered = new ConcurrentHashMap<>();
    private WorkQueue<InvoiceJob> invoices;

    /** The processor failed this attempt; worth trying again. */
    static final class ProcessorTimeout extends Exception {
        ProcessorTimeout(String orderId) {
            super("card processor timed out charging " + orderId);
        }
    }

    /** The card was declined; no retry will change that. */
    static final class CardDeclined extends Exception {
        CardDeclined(String orderId) {
            super("card declined for " + orderId);
        }
    }

    /** What happens to an order that could not be charged; throwing makes its dead letter be tried again. */
    @FunctionalInterface
    interface Unpaid {
        void accept(OrderPlaced order) throws Exception;
    }

    /** Starts charging, and reading the orders that could not be charged into {@code unpaid}. */
    void start(MessageBus bus, Unpaid unpaid) {
        invoices = bus.workQueue(InvoiceWorker.QUEUE, InvoiceJob.class);
        Subscription billing = bus.subscribe(Checkout.TOPIC, GROUP, OrderPlaced.class, this::charge,
                ConsumerOptions.concurrency(4).withRetry(RETRY));
        bus.workQueue(billing.deadLetterQueue(), OrderPlaced.class).work(letter -> {
            deadLettered.put(letter.payload().orderId(), letter.header(DeadLetterHeaders.ERROR_MESSAGE).orElse("?"));
            unpaid.accept(letter.payload());
        });
    }

    private void charge(Message<OrderPlaced> message) throws Exception {
        OrderPlaced order = message.payload();
        if (order.card().equals(DECLINED_CARD)) {
            throw new CardDeclined(order.orderId());
        }
        if (message.attempt() == 1 && Math.floorMod(order.orderId().hashCode(), 5) == 0) {
            throw new ProcessorTimeout(order.orderId()); // one order in five or so, on its first attempt
        }
        // a real processor takes the order id as its idempotency key, so a redelivered order is not charged twice
        invoices.submit(new InvoiceJob(order.orderId(), order.customer(), order.cents())).toCompletableFuture().get();
        if (charged.add(order.orderId()) && message.attempt() > 1) {
            retried.add(order.orderId());
        }
        log.debug("Charged {} cents for {}", order.cents(), order.orderId());
    }

    /** Orders charged so far. */
    Set<String> charged() {
        return charged;
    }

    /** Orders charged after at least one failed attempt. */
    Set<String> retried() {
        return retried;
    }

    /** Orders dead-lettered, with the error message of their last attempt. */
    Map<String, String> deadLettered() {
        return deadLettered;
    }
}
