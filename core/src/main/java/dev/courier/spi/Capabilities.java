package dev.courier.spi;

/**
 * What a transport's broker guarantees or limits, so core can reject what cannot work before any
 * I/O and the testkit can check exactly what is promised.
 *
 * @param maxMessageBytes the largest encoded payload the broker accepts; core fails a larger
 *                        publish with {@link dev.courier.api.MessageTooLargeException}
 */
public record Capabilities(long maxMessageBytes) {

    public Capabilities {
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be positive: " + maxMessageBytes);
        }
    }

    /** No limits beyond the JVM's. */
    public static Capabilities unlimited() {
        return new Capabilities(Integer.MAX_VALUE - 8);
    }
}
