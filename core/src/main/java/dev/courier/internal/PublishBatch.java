package dev.courier.internal;

import dev.courier.api.PublishReceipt;
import dev.courier.spi.Envelope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The envelopes of one {@code publishAll}, collected while its messages go through the publish
 * pipeline and sent together once all of them passed it, so that nothing is sent when one of them
 * is refused, and the transport gets whole batches ({@link dev.courier.spi.Transport#sendAll}).
 *
 * <p>Thread safe: a publish interceptor that passes a message on later, from another thread, finds
 * the batch closed ({@link #add} returns {@code null}) and that message is sent alone.
 */
final class PublishBatch {

    /**
     * One collected message: its envelope, the receipt it completes with, and its caller's stage,
     * which is the entry itself (one object per message, not two).
     */
    static final class Entry extends CompletableFuture<PublishReceipt> {
        private final Envelope envelope;
        private final PublishReceipt receipt;

        Entry(Envelope envelope, PublishReceipt receipt) {
            this.envelope = envelope;
            this.receipt = receipt;
        }

        Envelope envelope() {
            return envelope;
        }

        PublishReceipt receipt() {
            return receipt;
        }

        /** The caller's stage. */
        CompletableFuture<PublishReceipt> result() {
            return this;
        }
    }

    private final List<Entry> entries;
    private boolean closed; // guarded by this

    PublishBatch(int expected) {
        this.entries = new ArrayList<>(expected);
    }

    /**
     * Adds {@code envelope}; returns the stage it completes, or {@code null} when the batch was
     * closed already (then the caller sends it alone).
     */
    synchronized CompletableFuture<PublishReceipt> add(Envelope envelope, PublishReceipt receipt) {
        if (closed) {
            return null;
        }
        Entry entry = new Entry(envelope, receipt);
        entries.add(entry);
        return entry;
    }

    /** Closes the batch; returns what was collected, in the order added. */
    synchronized List<Entry> close() {
        closed = true;
        return List.copyOf(entries);
    }
}
