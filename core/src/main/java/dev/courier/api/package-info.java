/**
 * Courier's public API: what applications touch.
 *
 * <p>Start at {@link dev.courier.api.MessageBus}. Values ({@link dev.courier.api.Message},
 * {@link dev.courier.api.OutgoingMessage}, {@link dev.courier.api.RetryPolicy},
 * {@link dev.courier.api.ConsumerOptions}, {@link dev.courier.api.BusOptions}) are immutable
 * records, safe to share between threads.
 */
package dev.courier.api;
