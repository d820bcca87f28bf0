/**
 * The seam between Courier's core and a broker: what a transport module implements.
 *
 * <p>A transport moves bytes with headers to and from its broker and reports acknowledgements;
 * it never decodes payloads, retries handlers or writes dead letters. Those live once, in core,
 * for every transport. Transports depend on {@code dev.courier.api} and this package only.
 *
 * <p>A transport is found with {@link java.util.ServiceLoader} through {@link
 * dev.courier.spi.TransportProvider} and chosen by the scheme of the URL given to {@link
 * dev.courier.api.MessageBus#connect(String)}. The {@code courier-testkit} conformance suite
 * defines whether a transport works.
 */
package dev.courier.spi;
