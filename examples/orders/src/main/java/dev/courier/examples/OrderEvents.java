package dev.courier.examples;

import dev.courier.api.EventType;
import java.time.Instant;

/** The messages of the orders example. */
final class OrderEvents {

    private OrderEvents() {
    }

    /** Checkout asks pricing (request/reply on {@code pricing.quotes}). */
    record QuoteRequest(String sku, int quantity) {
    }

    /** Pricing's answer: what {@code quantity} of {@code sku} costs now. */
    record Quote(String sku, int quantity, long cents) {
    }

    /** Committed with the order, through the outbox, on topic {@code orders}, keyed by order id. */
    @EventType("order.placed")
    record OrderPlaced(String orderId, String customer, String sku, int quantity, long cents, String card) {
    }

    /** A job for the invoice workers (work queue {@code invoices}), submitted once the order is paid. */
    record InvoiceJob(String orderId, String customer, long cents) {
    }

    /** Sent to the customer of an unpaid order some time after the charge failed (topic {@code payment.reminders}). */
    @EventType("payment.reminder")
    record PaymentReminder(String orderId, String customer, Instant due) {
    }
}
