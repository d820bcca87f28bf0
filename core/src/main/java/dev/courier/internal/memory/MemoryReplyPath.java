package dev.courier.internal.memory;

import dev.courier.api.PublishException;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Envelope;
import dev.courier.spi.ReplyInbox;
import dev.courier.spi.ReplyPath;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * Replies handed over in process: an inbox is a sink registered with the {@link MemoryBroker}
 * under {@code inbox.<32 hex digits>}; a reply to an inbox that is closed is dropped. Thread safe.
 */
final class MemoryReplyPath implements ReplyPath {

    private static final String PREFIX = "inbox.";
    private static final Pattern ADDRESS = Pattern.compile(Pattern.quote(PREFIX) + "[0-9a-f]{32}");

    private final MemoryBroker broker;

    MemoryReplyPath(MemoryBroker broker) {
        this.broker = broker;
    }

    @Override
    public ReplyInbox open(DeliverySink sink) {
        String address = PREFIX + UUID.randomUUID().toString().replace("-", "");
        broker.openInbox(address, sink);
        return ReplyInbox.of(address, () -> broker.closeInbox(address));
    }

    @Override
    public boolean accepts(String address) {
        return ADDRESS.matcher(address).matches();
    }

    @Override
    public CompletionStage<Void> send(String address, Envelope reply) {
        if (!broker.isUp()) {
            return CompletableFuture.failedFuture(new PublishException("the memory broker is down"));
        }
        DeliverySink sink = broker.inbox(address);
        if (sink != null) {
            sink.deliver(ReplyPath.unacknowledged(reply));
        }
        return CompletableFuture.completedFuture(null);
    }
}
