package dev.courier.internal.memory;

import dev.courier.spi.Envelope;
import dev.courier.spi.QueueBrowser;
import java.util.List;

/** Reads a memory queue's ready messages in place and removes single ones; holds nothing. */
record MemoryQueueBrowser(MemoryQueue queue) implements QueueBrowser {

    @Override
    public List<Envelope> messages(int max) {
        return queue.waiting(max);
    }

    @Override
    public boolean remove(String id) {
        return queue.removeWaiting(id);
    }

    @Override
    public void close() {
    }
}
