package dev.courier.spi;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The results of one function, kept for the first {@code bound} or so distinct inputs it is
 * asked about. Transports use it so that header values that are the same on every message to a
 * destination (its CloudEvents {@code source} and {@code type}, common content types) are encoded
 * once per value rather than once per message; the bound is what keeps a stream of distinct
 * values (a new type on each message, say) from growing it without limit: past the bound, a
 * value not kept is computed on every call and never stored. Nothing is ever evicted.
 *
 * <p>The values handed out are shared by every caller that asks for the same key: they must be
 * immutable, or callers must never mutate them (a memo of encoded {@code byte[]} relies on its
 * callers only reading the arrays).
 *
 * <p>Thread safe and non-blocking: {@link #get} may compute a value twice when two threads miss
 * on the same key at once, and then hands both the value kept first; several threads missing at
 * once may each keep one value past the bound.
 *
 * @param <K> the function's input, with {@code equals} and {@code hashCode}
 * @param <V> the function's result, never {@code null}
 */
public final class BoundedMemo<K, V> {

    private final int bound;
    private final Function<? super K, ? extends V> function;
    private final Map<K, V> kept = new ConcurrentHashMap<>();

    /**
     * A memo of {@code function} that keeps the results of up to about {@code bound} distinct
     * inputs.
     *
     * @throws IllegalArgumentException when {@code bound} is not positive
     */
    public BoundedMemo(int bound, Function<? super K, ? extends V> function) {
        if (bound <= 0) {
            throw new IllegalArgumentException("a memo's bound must be positive (use the function itself to keep nothing): " + bound);
        }
        this.bound = bound;
        this.function = Objects.requireNonNull(function, "function");
    }

    /**
     * {@code function(key)}: the value kept for {@code key}, or else computed now and kept while
     * fewer than the bound are.
     *
     * @throws NullPointerException when {@code key} is {@code null} or the function returns {@code null}
     */
    public V get(K key) {
        V value = kept.get(key);
        if (value != null) {
            return value;
        }
        value = Objects.requireNonNull(function.apply(key), "the memo's function returned null");
        if (kept.size() < bound) {
            V raced = kept.putIfAbsent(key, value);
            return raced != null ? raced : value;
        }
        return value;
    }
}
