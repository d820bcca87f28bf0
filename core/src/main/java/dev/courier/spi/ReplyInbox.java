package dev.courier.spi;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

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

    /**
     * An inbox at {@code address} that runs {@code release} when closed, at most once whatever
     * the number of calls.
     */
    static ReplyInbox of(String address, Runnable release) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(release, "release");
        AtomicBoolean closed = new AtomicBoolean();
        return new ReplyInbox() {
            @Override
            public String address() {
                return address;
            }

            @Override
            public void close() {
                if (closed.compareAndSet(false, true)) {
                    release.run();
                }
            }

            @Override
            public String toString() {
                return "ReplyInbox[" + address + "]";
            }
        };
    }
}
