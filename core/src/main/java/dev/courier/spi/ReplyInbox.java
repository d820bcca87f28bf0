package dev.courier.spi;

/**
 * Where one bus receives its replies, opened by {@link ReplyPath#open}. Its address travels with
 * each request; closing it stops delivery and releases what the broker holds for it (an exclusive
 * queue, a subscription, a partition assignment). Thread safe.
 */
public interface ReplyInbox extends AutoCloseable {

    /** The address a responder sends replies to: a header value, printable ASCII. */
    String address();

    /** Stops delivering replies and releases the inbox on the broker. Idempotent; blocks until done. */
    @Override
    void close();
}
