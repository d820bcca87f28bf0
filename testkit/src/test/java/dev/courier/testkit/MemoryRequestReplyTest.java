package dev.courier.testkit;

import dev.courier.internal.memory.MemoryBrokerControl;

/** Request/reply on the reference transport, over its in-process reply inboxes. */
class MemoryRequestReplyTest extends RequestReplySuite {

    @Override
    protected String url() {
        return "memory://request-reply";
    }

    @Override
    protected BrokerProbe probe() {
        return destination -> MemoryBrokerControl.exists("request-reply", destination);
    }

    @Override
    protected boolean replyInboxExists(String address) {
        return MemoryBrokerControl.hasInbox("request-reply", address);
    }
}
