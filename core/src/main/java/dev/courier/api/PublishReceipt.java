package dev.courier.api;

import java.time.Instant;

/**
 * Proof that the broker durably accepted a message.
 *
 * @param id        the message id
 * @param topic     the topic or work queue it went to
 * @param timestamp its publish timestamp
 */
public record PublishReceipt(String id, String topic, Instant timestamp) {
}
