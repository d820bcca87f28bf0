/**
 * The RabbitMQ transport ({@code amqp://}, {@code amqps://}): topics are durable topic exchanges,
 * groups durable queues {@code <topic>:<group>} bound with {@code #}, work queues durable queues;
 * persistent messages with asynchronous publisher confirms, manual acks, automatic reconnection.
 * Only {@link dev.courier.transport.rabbitmq.RabbitMqTransportProvider} is public; it is found by
 * {@link java.util.ServiceLoader}.
 */
package dev.courier.transport.rabbitmq;
