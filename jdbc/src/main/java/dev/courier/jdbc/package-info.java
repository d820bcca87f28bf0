/**
 * Transactional outbox and idempotent inbox for Courier on plain JDBC.
 *
 * <p>{@link dev.courier.jdbc.Outbox} writes messages into a table in the caller's transaction and
 * an {@link dev.courier.jdbc.OutboxRelay} publishes the committed rows through a
 * {@link dev.courier.api.MessageBus}; {@link dev.courier.jdbc.Inbox} is a
 * {@link dev.courier.api.Middleware} that runs each message id once per consumer group, in one
 * transaction with the handler's own writes. PostgreSQL, MariaDB (10.6+) and H2 2.x.
 */
package dev.courier.jdbc;
