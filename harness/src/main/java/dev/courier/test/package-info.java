/**
 * Testing your own handlers with Courier, on the public API only.
 *
 * <ul>
 *   <li>{@link dev.courier.test.CourierTest}: a JUnit 5 extension giving each test its own
 *       {@link dev.courier.test.TestBus}, closed after the test.</li>
 *   <li>{@link dev.courier.test.TestBus}: an isolated in-memory bus that records what is published,
 *       handled, retried and dead-lettered, with waits that fail showing what was recorded.</li>
 *   <li>{@link dev.courier.test.HandlerRun}: one handler on one message, synchronously, and its
 *       {@link dev.courier.test.Outcome}, without a bus.</li>
 *   <li>{@link dev.courier.test.TestMessages}: {@link dev.courier.api.Message}s with sensible defaults.</li>
 * </ul>
 */
package dev.courier.test;
