package dev.courier.examples;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.examples.OrderEvents.InvoiceJob;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Renders an invoice for every paid order: workers on the work queue {@code invoices}, each job to one of them. */
final class InvoiceWorker {

    static final String QUEUE = "invoices";

    private final Set<String> invoiced = ConcurrentHashMap.newKeySet();

    void start(MessageBus bus) {
        bus.workQueue(QUEUE, InvoiceJob.class).work(job -> invoiced.add(job.payload().orderId()), ConsumerOptions.concurrency(2));
    }

    /** Orders invoiced so far (a redelivered job is rendered again, and counted once). */
    Set<String> invoiced() {
        return invoiced;
    }
}
