package dev.courier.testkit;

import dev.courier.internal.memory.MemoryBrokerControl;

/**
 * Request/reply over core's fallback reply path, a temporary queue per bus, as on a transport
 * without a {@link dev.courier.spi.ReplyPath} of its own.
 */
class MemoryTemporaryQueueRequestReplyTest extends RequestReplySuite {

    @Override
    protected String url() {
        return "memory://request-reply-queues?replies=temporaryQueue";
    }

    @Override
    protected BrokerProbe probe() {
        return destination -> MemoryBrokerControl.exists("request-reply-queues", destination);
    }
}
