package dev.courier.api;

/**
 * The responder of a {@link MessageBus#request} failed on its last attempt; carries the class
 * and message of its error, as the {@link DeadLetterHeaders} of a dead letter would.
 */
public class RemoteHandlerException extends CourierException {

    private final String topic;
    private final String remoteClass;
    private final String remoteMessage;

    public RemoteHandlerException(String topic, String remoteClass, String remoteMessage) {
        super("the responder on topic '" + topic + "' failed: " + remoteClass
                + (remoteMessage == null || remoteMessage.isEmpty() ? "" : ": " + remoteMessage));
        this.topic = topic;
        this.remoteClass = remoteClass;
        this.remoteMessage = remoteMessage;
    }

    /** The topic the request was sent to. */
    public String topic() {
        return topic;
    }

    /** The fully qualified class name of the responder's error. */
    public String remoteClass() {
        return remoteClass;
    }

    /** The responder's error message (its first line, possibly shortened), or empty. */
    public String remoteMessage() {
        return remoteMessage;
    }
}
