package dev.courier.internal;

import dev.courier.api.Batch;
import dev.courier.api.Message;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The {@link Batch} a {@link BatchingHandler} hands to the user's handler. Thread safe. */
final class RealBatch<T> implements Batch<T> {

    private final List<Message<T>> messages;
    private final Map<Message<T>, Throwable> failures = new IdentityHashMap<>(); // guarded by this
    private boolean settled; // guarded by this

    RealBatch(List<Message<T>> messages) {
        this.messages = List.copyOf(messages);
    }

    @Override
    public List<Message<T>> messages() {
        return messages;
    }

    @Override
    public synchronized void fail(Message<T> message, Throwable cause) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(cause, "cause");
        if (settled) {
            throw new IllegalStateException("the batch was handled already; mark failures before the handler returns");
        }
        if (messages.stream().noneMatch(m -> m == message)) {
            throw new IllegalArgumentException("message " + message.id() + " is not part of this batch");
        }
        failures.put(message, cause);
    }

    /** Ends marking; returns the failed messages with their causes. */
    synchronized Map<Message<T>, Throwable> settle() {
        settled = true;
        return new IdentityHashMap<>(failures);
    }

    @Override
    public String toString() {
        return "Batch[" + messages.size() + " messages]";
    }
}
