package dev.courier.transport.kafka;

import dev.courier.spi.Destination;

/**
 * How Courier's names map to Kafka's: a Courier topic is the Kafka topic of the same name; a work
 * queue is the Kafka topic {@code courier.q.<queue>} consumed by the single group
 * {@code courier.q.<queue>}; a group on a topic is the Kafka consumer group {@code <topic>:<group>}.
 *
 * <p>Kafka group ids are global while Courier groups belong to a topic, so the group id carries the
 * topic. The {@code ':'} cannot occur in a Courier name, so no two (topic, group) pairs share an id
 * and no topic group's id equals a queue's. Queue topics are at most 10
 * + 229 = 239 characters, within Kafka's 249.
 */
final class KafkaNames {

    /** Prefix of the Kafka topics that hold work queues. Courier topics may not start with it. */
    static final String QUEUE_PREFIX = "courier.q.";
    /** Kafka's limit on topic names. */
    static final int MAX_KAFKA_TOPIC = 249;

    private KafkaNames() {
    }

    /**
     * The Kafka topic holding {@code destination}.
     *
     * @throws IllegalArgumentException for a Courier topic whose name starts with the queue prefix,
     *                                  which would share a Kafka topic with a work queue
     */
    static String topic(Destination destination) {
        String name = destination.name();
        String topic;
        if (destination.isQueue()) {
            topic = QUEUE_PREFIX + name;
        } else {
            if (name.startsWith(QUEUE_PREFIX)) {
                throw new IllegalArgumentException("topic name '" + name + "' starts with '" + QUEUE_PREFIX
                        + "', which the Kafka transport keeps for work queues; choose another topic name");
            }
            if (name.startsWith(KafkaDelayForwarder.TOPIC_PREFIX)) {
                throw new IllegalArgumentException("topic name '" + name + "' starts with '" + KafkaDelayForwarder.TOPIC_PREFIX
                        + "', which the Kafka transport keeps for delayed messages; choose another topic name");
            }
            topic = name;
        }
        if (topic.length() > MAX_KAFKA_TOPIC) {
            throw new IllegalArgumentException(destination + " maps to Kafka topic '" + topic + "' of " + topic.length()
                    + " characters; Kafka allows " + MAX_KAFKA_TOPIC);
        }
        return topic;
    }

    /** The Kafka consumer group id of a group on a topic, or of a work queue's workers ({@code group} null). */
    static String groupId(Destination source, String group) {
        return source.isQueue() ? topic(source) : topic(source) + ":" + group;
    }
}
