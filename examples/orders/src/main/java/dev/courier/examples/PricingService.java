package dev.courier.examples;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Subscription;
import dev.courier.examples.OrderEvents.Quote;
import dev.courier.examples.OrderEvents.QuoteRequest;
import java.util.Map;

/** Answers quote requests (group {@code pricing} on {@code pricing.quotes}) from a fixed price list. */
final class PricingService {

    static final String TOPIC = "pricing.quotes";
    static final Map<String, Long> PRICES = Map.of("book", 1_299L, "lamp", 3_450L, "mug", 899L);

    Subscription start(MessageBus bus) {
        // a price list lookup has nothing transient to wait out: a refusal is answered at once
        return bus.respond(TOPIC, "pricing", QuoteRequest.class, request -> quote(request.payload()),
                ConsumerOptions.defaults().withRetry(RetryPolicy.none()));
    }

    private static Quote quote(QuoteRequest request) {
        Long unit = PRICES.get(request.sku());
        if (unit == null) {
            // the requester receives a RemoteHandlerException naming this
            throw new IllegalArgumentException("no price for sku '" + request.sku() + "'");
        }
        return new Quote(request.sku(), request.quantity(), unit * request.quantity());
    }
}
