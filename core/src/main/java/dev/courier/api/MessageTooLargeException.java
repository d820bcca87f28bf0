package dev.courier.api;

/** The encoded payload is larger than the broker accepts; nothing was sent. */
public class MessageTooLargeException extends PublishException {

    private final long size;
    private final long limit;

    public MessageTooLargeException(String destination, long size, long limit) {
        super("message for " + destination + " is " + size + " bytes, more than the broker's limit of "
                + limit + " bytes; send a reference to the data instead, or raise the broker's limit");
        this.size = size;
        this.limit = limit;
    }

    /** The encoded payload's size in bytes. */
    public long size() {
        return size;
    }

    /** The broker's limit in bytes. */
    public long limit() {
        return limit;
    }
}
