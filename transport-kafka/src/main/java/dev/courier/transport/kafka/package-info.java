/**
 * The {@code kafka://} transport: Courier topics, groups and work queues on Apache Kafka topics and
 * consumer groups. Only {@link dev.courier.transport.kafka.KafkaTransportProvider} is public; it
 * is found through {@link java.util.ServiceLoader}.
 */
package dev.courier.transport.kafka;
