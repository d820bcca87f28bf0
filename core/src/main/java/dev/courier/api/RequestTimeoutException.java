package dev.courier.api;

import java.time.Duration;

/**
 * No reply to a {@link MessageBus#request} arrived within its timeout. The request itself may
 * still be handled (it is an ordinary durable message); a reply arriving later is dropped and
 * reported to {@link BusListener#replyDropped}.
 */
public class RequestTimeoutException extends CourierException {

    private final String topic;
    private final Duration timeout;

    public RequestTimeoutException(String topic, Duration timeout, String correlationId) {
        super("no reply to request " + correlationId + " on topic '" + topic + "' within " + timeout);
        this.topic = topic;
        this.timeout = timeout;
    }

    /** The topic the request was sent to. */
    public String topic() {
        return topic;
    }

    /** How long the requester waited. */
    public Duration timeout() {
        return timeout;
    }
}
